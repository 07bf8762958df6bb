import { Counter, Gauge, type Registry } from 'prom-client';
import type { Realtime } from '../realtime/index.js';

type Feed = 'credit_ticks' | 'balances';

/**
 * A feed that counts what it hands out and whether it is open: ended by its consumer (`return`),
 * by a failure, or by running out, it is counted closed once.
 */
class CountedFeed<T> implements AsyncIterableIterator<T> {
  private open = true;

  constructor(
    private readonly feed: AsyncIterableIterator<T>,
    private readonly counts: { sent(): void; closed(): void },
  ) {}

  async next(): Promise<IteratorResult<T>> {
    try {
      const step = await this.feed.next();
      if (step.done) this.close();
      else this.counts.sent();
      return step;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return (await this.feed.return?.(value)) ?? { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.counts.closed();
  }
}

/** `realtime` with its feeds counted: the subscriptions open now, by feed, and the credit ticks sent to subscribers. */
export function countedRealtime(realtime: Realtime, registry: Registry): Realtime {
  const registers = [registry];
  const open = new Gauge({ name: 'creditstream_subscriptions_open', help: 'Live usage subscriptions open now (WebSocket and server-sent events), by feed', labelNames: ['feed'], registers });
  const ticks = new Counter({ name: 'creditstream_ticks_sent_total', help: 'Credit ticks handed to subscribers', registers });
  const noTicks = () => {};
  const counted = async <T>(feed: Feed, opening: Promise<AsyncIterableIterator<T>>, sent: () => void) => {
    const opened = new CountedFeed(await opening, { sent, closed: () => open.dec({ feed }) });
    open.inc({ feed });
    return opened;
  };
  for (const feed of ['credit_ticks', 'balances'] as const) open.set({ feed }, 0);
  return {
    creditTicks: (accountId, request) => counted('credit_ticks', realtime.creditTicks(accountId, request), () => ticks.inc()),
    balanceChanges: (accountId) => counted('balances', realtime.balanceChanges(accountId), noTicks),
    close: () => realtime.close(),
  };
}
