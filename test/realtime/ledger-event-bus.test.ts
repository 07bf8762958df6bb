import { describe, expect, it } from 'vitest';
import { createInProcessEventBus, type LedgerEvent, type LedgerEventListener } from '../../src/realtime/index.js';
import { entry } from './realtime-fixture.js';

const event = (seq: number): LedgerEvent => ({ accountId: 'acct-1', entries: [entry({ seq })] });

function recorder() {
  const seqs: number[] = [];
  const listener: LedgerEventListener = { onEvent: (received) => seqs.push(received.entries[0]!.seq), onResync: () => undefined };
  return { seqs, listener };
}

describe('publishing a write', () => {
  it('only queues: listeners get the events at the next turn of the event loop, in the order published', async () => {
    const bus = createInProcessEventBus();
    const { seqs, listener } = recorder();
    await bus.subscribe('acct-1', listener);
    bus.publish(event(1));
    bus.publish(event(2));
    expect(seqs).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seqs).toEqual([1, 2]);
    await bus.close();
  });

  it('delivers what is queued at once when a reader asks for it first', async () => {
    const bus = createInProcessEventBus();
    const { seqs, listener } = recorder();
    await bus.subscribe('acct-1', listener);
    bus.publish(event(1));
    bus.deliverPending?.();
    expect(seqs).toEqual([1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seqs).toEqual([1]);
    await bus.close();
  });
});
