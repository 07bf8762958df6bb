import type { LedgerEntry, MeterBalance } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { LaterDelivery } from './later-delivery.js';

/** What one durable write of an account committed. */
export type LedgerEvent = {
  accountId: string;
  /** The write's entries: consecutive seqs, in order. */
  entries: readonly LedgerEntry[];
  /**
   * The account's balances right after the last of `entries`, computed on first call (most
   * events are never asked); absent when the publisher did not know them.
   */
  balances?: () => readonly MeterBalance[];
};

export type LedgerEventListener = {
  onEvent(event: LedgerEvent): void;
  /** Events may have been lost (the bus reconnected): check the database for what was missed. */
  onResync(): void;
};

export type Unsubscribe = () => void;

/**
 * Fans committed ledger writes out to the feeds of each account. Delivery is at most once and
 * may reorder or lose events (Redis pub/sub); feeds detect that by seq and read the database.
 */
export interface LedgerEventBus {
  /**
   * Never throws, never waits for a subscriber and does not call one before it returns: the
   * ledger's commit path calls it, and its cost must not grow with the number of feeds.
   */
  publish(event: LedgerEvent): void;
  /**
   * Hands `listener` at once what was published for the account and has not reached it yet, and
   * not again later. A feed calls it before it reads, so that a reader sees every write that
   * answered before it asked.
   */
  deliverPending?(accountId: string, listener: LedgerEventListener): void;
  /** Resolves once every event published afterwards reaches `listener` (or a resync does). */
  subscribe(accountId: string, listener: LedgerEventListener): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export type ErrorReporter = (error: unknown) => void;

/** The reporter of callers that pass none (the app passes its logger's): a process warning, as a library would. */
export const warnOnError: ErrorReporter = (error) => process.emitWarning(`realtime: ${error instanceof Error ? error.message : String(error)}`);

/** The listeners of each account in this process. A failing listener never stops the others. */
export class ListenerRegistry {
  private readonly byAccount = new Map<string, Set<LedgerEventListener>>();

  constructor(private readonly onError: ErrorReporter) {}

  /** True when `listener` is the account's first. */
  add(accountId: string, listener: LedgerEventListener): boolean {
    const listeners = this.byAccount.get(accountId);
    if (listeners) {
      listeners.add(listener);
      return false;
    }
    this.byAccount.set(accountId, new Set([listener]));
    return true;
  }

  /** True when that was the account's last listener. */
  remove(accountId: string, listener: LedgerEventListener): boolean {
    const listeners = this.byAccount.get(accountId);
    if (!listeners?.delete(listener) || listeners.size > 0) return false;
    this.byAccount.delete(accountId);
    return true;
  }

  accounts(): string[] {
    return [...this.byAccount.keys()];
  }

  /** The account's listeners now: an event is handed to these, whoever comes or goes meanwhile. */
  listenersOf(accountId: string): readonly LedgerEventListener[] {
    const listeners = this.byAccount.get(accountId);
    return listeners ? [...listeners] : [];
  }

  /** One account's listeners, or every listener when `accountId` is absent. */
  resync(accountId?: string): void {
    const groups = accountId === undefined ? [...this.byAccount.values()] : [this.byAccount.get(accountId)];
    for (const listeners of groups) this.each(listeners, (listener) => listener.onResync());
  }

  clear(): void {
    this.byAccount.clear();
  }

  private each(listeners: Set<LedgerEventListener> | undefined, call: (listener: LedgerEventListener) => void) {
    for (const listener of listeners ?? []) {
      try {
        call(listener);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** One process: events go from the ledger's commit to this process's feeds, off the commit path. */
export function createInProcessEventBus(onError: ErrorReporter = warnOnError): LedgerEventBus {
  const registry = new ListenerRegistry(onError);
  const later = new LaterDelivery((accountId) => registry.listenersOf(accountId), onError);
  return {
    publish: (event) => later.add(event),
    deliverPending: (accountId, listener) => later.deliverTo(accountId, listener),
    async subscribe(accountId, listener) {
      registry.add(accountId, listener);
      return () => void registry.remove(accountId, listener);
    },
    async close() {
      later.clear();
      registry.clear();
    },
  };
}

/** Publishes every write `store` commits, after it is durable; returns the disconnection. */
export function connectStoreToBus(store: Pick<LedgerStore, 'onCommit' | 'balances'>, bus: Pick<LedgerEventBus, 'publish'>): Unsubscribe {
  return store.onCommit((accountId, entries, state) => bus.publish({ accountId, entries, balances: once(() => store.balances(state)) }));
}

function once<T>(compute: () => T): () => T {
  let computed: { value: T } | undefined;
  return () => (computed ??= { value: compute() }).value;
}
