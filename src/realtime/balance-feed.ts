import type { MeterBalance } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { LedgerEvent, LedgerEventBus, LedgerEventListener, Unsubscribe } from './ledger-event-bus.js';
import { PullIterator } from './pull-iterator.js';

export type BalanceFeedStore = Pick<LedgerStore, 'loadAccounts' | 'balances'>;

export type BalanceFeedOptions = {
  store: BalanceFeedStore;
  bus: LedgerEventBus;
  accountId: string;
  /** Called once when the feed ends. */
  onClose?: () => void;
};

/** Balances as of an entry seq; a higher seq is newer, whatever order events arrive in. */
type Snapshot = { seq: number; balances: () => readonly MeterBalance[] };

/**
 * The balances of an account: first the current ones, then the balances after each committed
 * write. A consumer slower than the writes gets only the newest (one snapshot is held, never a
 * queue), so the last value always arrives. Events carry balances, so this reads the database only
 * at the start, after a resync, and for an event without balances.
 */
class BalanceFeed extends PullIterator<readonly MeterBalance[]> implements LedgerEventListener {
  private newest: Snapshot | null = null;
  private deliveredSeq = -1;
  private reload = true;
  unsubscribe: Unsubscribe | null = null;

  constructor(private readonly options: BalanceFeedOptions) {
    super();
  }

  onEvent(event: LedgerEvent): void {
    const seq = event.entries.at(-1)?.seq;
    if (seq === undefined) return;
    if (event.balances) this.offer({ seq, balances: event.balances });
    else this.onResync();
  }

  onResync(): void {
    this.reload = true;
    this.signal();
  }

  protected async pull(): Promise<readonly MeterBalance[] | undefined> {
    this.options.bus.deliverPending?.(this.options.accountId, this);
    while (!this.closed) {
      if (this.reload) await this.load();
      else if (this.newest) {
        const { seq, balances } = this.newest;
        this.newest = null;
        this.deliveredSeq = seq;
        return balances();
      } else await this.signalled();
    }
    return undefined;
  }

  protected cleanUp(): void {
    this.unsubscribe?.();
    this.newest = null;
    this.options.onClose?.();
  }

  private offer(snapshot: Snapshot): void {
    if (snapshot.seq <= Math.max(this.deliveredSeq, this.newest?.seq ?? -1)) return;
    this.newest = snapshot;
    this.signal();
  }

  private async load(): Promise<void> {
    this.reload = false;
    const { store, accountId } = this.options;
    const [state] = await store.loadAccounts([accountId]);
    if (state) this.offer({ seq: state.lastSeq, balances: () => store.balances(state) });
  }
}

/** Opens the balances of an account; resolves once subscribed. `return()` ends it and frees everything. */
export async function openBalanceFeed(options: BalanceFeedOptions): Promise<AsyncIterableIterator<readonly MeterBalance[]>> {
  const feed = new BalanceFeed(options);
  feed.unsubscribe = await options.bus.subscribe(options.accountId, feed);
  return feed;
}
