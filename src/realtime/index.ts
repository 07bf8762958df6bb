/**
 * Live usage for the GraphQL subscriptions: credit ticks and balances of an account, pushed after
 * each committed ledger write, across processes when the bus is Redis. Design: README.md here.
 */
import type { Meter, MeterBalance } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { openBalanceFeed } from './balance-feed.js';
import { openCreditFeed } from './credit-feed.js';
import type { CreditTick, EntryView, TickPosition } from './credit-tick.js';
import { connectStoreToBus, warnOnError, type ErrorReporter, type LedgerEventBus } from './ledger-event-bus.js';
import { NODE_SCHEDULER, ResetTimers, type TimerScheduler } from './reset-timers.js';

export { ticksAsSeen, ticksOf, type CreditTick, type EntryView, type TickPosition } from './credit-tick.js';
export {
  connectStoreToBus,
  createInProcessEventBus,
  type LedgerEvent,
  type LedgerEventBus,
  type LedgerEventListener,
} from './ledger-event-bus.js';
export { createRedisEventBus, type RedisEventBus, type RedisEventBusOptions } from './redis-event-bus.js';
export { openCreditFeed, DEFAULT_MAX_QUEUE, type CreditFeedOptions } from './credit-feed.js';
export { openBalanceFeed, type BalanceFeedOptions } from './balance-feed.js';
export { MAX_TIMER_DELAY_MS, NODE_SCHEDULER, ResetTimers, type TimerScheduler } from './reset-timers.js';

export type RealtimeOptions = {
  store: LedgerStore;
  /** In-process for one process, Redis for several; the caller opens and closes it. */
  bus: LedgerEventBus;
  clock?: () => Date;
  scheduler?: TimerScheduler;
  /** Entries a slow consumer's feed buffers before it falls back to the database (default 1,000). */
  maxQueue?: number;
  onError?: ErrorReporter;
};

export type CreditTickRequest = {
  meter?: Meter;
  afterSeq?: number;
  /** Instead of `afterSeq`: resume just after this tick; see `CreditFeedOptions.afterTick`. */
  afterTick?: TickPosition;
  /** What the subscriber may see of each entry, replayed or live; see `CreditFeedOptions.view`. */
  view?: EntryView;
  /** Names that view, so that feeds seeing the same share ticks; see `CreditFeedOptions.viewKey`. */
  viewKey?: string;
};

export type Realtime = {
  creditTicks(accountId: string, request?: CreditTickRequest): Promise<AsyncIterableIterator<CreditTick>>;
  balanceChanges(accountId: string): Promise<AsyncIterableIterator<readonly MeterBalance[]>>;
  /** Ends every open feed and clears the reset timers; the bus and the store stay open. */
  close(): Promise<void>;
};

/**
 * Publishes the store's commits on the bus and opens feeds over it. Each open feed keeps its
 * account's reset timer running, so period resets reach subscribers when they happen.
 */
export function createRealtime(options: RealtimeOptions): Realtime {
  const { store, bus } = options;
  const onError = options.onError ?? warnOnError;
  const resetTimers = new ResetTimers({ store, clock: options.clock ?? (() => new Date()), scheduler: options.scheduler ?? NODE_SCHEDULER, onError });
  const disconnect = connectStoreToBus(store, bus);
  const open = new Set<AsyncIterableIterator<unknown>>();
  let closed = false;

  /** The timer is taken after the feed subscribed, so a reset it persists at once is delivered. */
  async function watch<T>(accountId: string, opening: (onClose: () => void) => Promise<AsyncIterableIterator<T>>) {
    if (closed) throw new Error('realtime is closed');
    let feed: AsyncIterableIterator<T> | null = null;
    let release: (() => void) | null = null;
    const opened = await opening(() => {
      release?.();
      if (feed) open.delete(feed);
    });
    if (closed) {
      await opened.return?.();
      throw new Error('realtime is closed');
    }
    feed = opened;
    open.add(feed);
    release = resetTimers.acquire(accountId);
    return feed;
  }

  return {
    creditTicks: (accountId, request = {}) =>
      watch(accountId, (onClose) =>
        openCreditFeed({
          store,
          bus,
          accountId,
          meter: request.meter,
          afterSeq: request.afterSeq,
          afterTick: request.afterTick,
          view: request.view,
          viewKey: request.viewKey,
          maxQueue: options.maxQueue,
          onClose,
        }),
      ),
    balanceChanges: (accountId) => watch(accountId, (onClose) => openBalanceFeed({ store, bus, accountId, onClose })),
    async close() {
      closed = true;
      disconnect();
      await Promise.all([...open].map((feed) => feed.return?.()));
      await resetTimers.close();
    },
  };
}
