import { describe, expect, it } from 'vitest';
import { createInProcessEventBus, type LedgerEvent, type LedgerEventListener } from '../../src/realtime/index.js';
import { LISTENERS_PER_TURN } from '../../src/realtime/later-delivery.js';
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
    bus.deliverPending?.('acct-1', listener);
    expect(seqs).toEqual([1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seqs).toEqual([1]);
    await bus.close();
  });

  it('hands an event to at most a few hundred listeners a turn, so that other work runs between them, each listener getting every event once and in order', async () => {
    const bus = createInProcessEventBus();
    const recorders = Array.from({ length: 2 * LISTENERS_PER_TURN + 10 }, recorder);
    for (const { listener } of recorders) await bus.subscribe('acct-1', listener);
    bus.publish(event(1));
    bus.publish(event(2));
    const reached = () => recorders.filter(({ seqs }) => seqs.length > 0).length;
    const turns: number[] = [];
    while (recorders.some(({ seqs }) => seqs.length < 2)) {
      await new Promise((resolve) => setImmediate(resolve));
      turns.push(reached());
    }
    // Work of its own (this test's) ran while the first event had reached only some listeners.
    expect(turns[0]).toBeGreaterThan(0);
    expect(turns[0]).toBeLessThanOrEqual(LISTENERS_PER_TURN);
    expect(turns.length).toBeGreaterThan(4);
    for (const { seqs } of recorders) expect(seqs).toEqual([1, 2]);
    await bus.close();
  });
});
