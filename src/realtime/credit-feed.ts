import { setTimeout as sleep } from 'node:timers/promises';
import type { LedgerEntry, Meter } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { hasTicks, ticksAsSeen, type CreditTick, type EntryView, type TickPosition } from './credit-tick.js';
import type { LedgerEvent, LedgerEventBus, LedgerEventListener, Unsubscribe } from './ledger-event-bus.js';
import { PullIterator } from './pull-iterator.js';

export type CreditFeedStore = Pick<LedgerStore, 'entriesAfter' | 'listEntries'>;

export type CreditFeedOptions = {
  store: CreditFeedStore;
  bus: LedgerEventBus;
  accountId: string;
  meter?: Meter;
  /** Replay the entries after this seq from the database first; without it, only what comes next. */
  afterSeq?: number;
  /**
   * Instead of `afterSeq`: replay from just after this tick, the rest of its entry's ticks
   * included, so that a client that saw only some ticks of an entry misses none of the others.
   */
  afterTick?: TickPosition;
  /** Entries with ticks a feed buffers for a slow consumer before it falls back to the database. */
  maxQueue?: number;
  /**
   * What the subscriber may see of each entry: its ticks are built from what this answers (the
   * GraphQL layer blanks the detail of other members' usage for a plain member of a pool). It
   * must keep the entry's seq and changes; the entries held for several feeds are never altered.
   */
  view?: EntryView;
  /**
   * Names what `view` shows: feeds of the account with the same key and meter share the ticks of
   * each live entry (see `ticksAsSeen`), so two views that show different things need different
   * keys. Without a key, a feed with a view builds its own ticks.
   */
  viewKey?: string;
  /** Called once when the feed ends. */
  onClose?: () => void;
};

export const DEFAULT_MAX_QUEUE = 1_000;
/** Entries read from the database at a time while catching up, at most `maxQueue`. */
const PAGE_SIZE = 200;
/** The pauses before reading again when an event announced entries the database does not show yet. */
const FIRST_RETRY_MS = 20;
const MAX_RETRY_MS = 1_000;
const NO_TICKS: readonly CreditTick[] = Object.freeze([]);

/**
 * The credit ticks of one account: each entry's ticks exactly once, in seq order, with no gap.
 *
 * It subscribes to the bus before it reads anything, so nothing committed afterwards is missed.
 * `cursor` is the seq of the last entry taken in (queued, delivered, or without ticks for this
 * feed). The feed is either LIVE (bus events after `cursor` are queued) or CATCHING_UP (it reads
 * `entriesAfter(cursor)` from the database a page at a time, when the consumer asks, and bus
 * events only raise `announcedSeq`). It catches up:
 * - at the start with `afterSeq`, or when something was committed while it was starting;
 * - when an event does not follow `cursor` (a lost or reordered message: the gap is read back);
 * - when the bus says events may have been lost (a reconnect: the last message may be among them);
 * - when its queue is full: the queued entries are dropped and read back later, so a slow
 *   consumer costs at most `maxQueue` entries of memory and never slows the ledger or others.
 * It goes live when a read finds nothing more and no event announced anything newer.
 */
class CreditFeed extends PullIterator<CreditTick> implements LedgerEventListener {
  private cursor = 0;
  private announcedSeq = 0;
  private live = false;
  /** A resync came while reading: what was lost may have been committed after the read began. */
  private recheck = false;
  private retryMs = FIRST_RETRY_MS;
  /** Entries with ticks for this feed, after the one being delivered. */
  private queue: LedgerEntry[] = [];
  /** The ticks of the entry being delivered (shared with other feeds), and how many were delivered. */
  private ticks: readonly CreditTick[] = NO_TICKS;
  private delivered = 0;
  unsubscribe: Unsubscribe | null = null;

  constructor(private readonly options: CreditFeedOptions & { maxQueue: number }) {
    super();
  }

  /**
   * How many of an entry's ticks the subscriber has already: those up to `afterTick` in its own
   * entry (the feed starts at that entry), none in any other.
   */
  private deliveredAlready(entry: LedgerEntry, ticks: readonly CreditTick[]): number {
    const { afterTick } = this.options;
    if (afterTick?.seq !== entry.seq) return 0;
    return ticks.filter((tick) => tick.change <= afterTick.change).length;
  }

  /** Starts after `cursor`; live at once unless there is something to read first. */
  start(cursor: number, replay: boolean): void {
    this.cursor = cursor;
    this.live = !replay && !this.recheck && this.announcedSeq <= cursor;
  }

  onEvent(event: LedgerEvent): void {
    // An event whose delivery began before the feed ended may still come: it keeps nothing of it.
    if (this.closed) return;
    const last = event.entries.at(-1);
    if (!last || last.seq <= this.cursor) return;
    if (!this.live) {
      this.announcedSeq = Math.max(this.announcedSeq, last.seq);
      return;
    }
    for (const entry of event.entries) {
      if (entry.seq <= this.cursor) continue;
      if (entry.seq !== this.cursor + 1) return this.catchUp(last.seq);
      if (hasTicks(entry, this.options.meter) && this.queue.length >= this.options.maxQueue) return this.overflow(last.seq);
      this.take(entry);
    }
    this.signal();
  }

  onResync(): void {
    this.recheck = true;
    this.catchUp(this.cursor);
  }

  protected async pull(): Promise<CreditTick | undefined> {
    this.options.bus.deliverPending?.(this.options.accountId, this);
    while (!this.closed) {
      const tick = this.ticks[this.delivered];
      if (tick) {
        // An idle feed holds nothing of what it delivered (nor what was built from it).
        if (++this.delivered === this.ticks.length) this.ticks = NO_TICKS;
        return tick;
      }
      const entry = this.queue.shift();
      if (entry) {
        const ticks = ticksAsSeen(entry, this.options);
        this.delivered = this.deliveredAlready(entry, ticks);
        this.ticks = this.delivered === ticks.length ? NO_TICKS : ticks;
      } else if (!this.live) await this.readPage();
      else await this.signalled();
    }
    return undefined;
  }

  protected cleanUp(): void {
    this.unsubscribe?.();
    this.queue = [];
    this.ticks = NO_TICKS;
    this.options.onClose?.();
  }

  private take(entry: LedgerEntry): void {
    this.cursor = entry.seq;
    if (hasTicks(entry, this.options.meter)) this.queue.push(entry);
  }

  /** Reads the database after what is queued; `announced` is a seq known to exist. */
  private catchUp(announced: number): void {
    this.announcedSeq = Math.max(this.announcedSeq, announced);
    this.live = false;
    this.signal();
  }

  /** Drops the queue and reads it back later from the database, from its first entry. */
  private overflow(announced: number): void {
    this.cursor = this.queue[0]!.seq - 1;
    this.queue = [];
    this.catchUp(announced);
  }

  private async readPage(): Promise<void> {
    const { store, accountId, maxQueue } = this.options;
    const pageSize = Math.min(PAGE_SIZE, maxQueue);
    this.recheck = false;
    const entries = await store.entriesAfter(accountId, this.cursor, pageSize);
    if (this.closed) return;
    let taken = 0;
    // Entries of a write still being copied may show up with a hole: take only the run after cursor.
    for (const entry of entries) {
      if (entry.seq !== this.cursor + 1) break;
      this.take(entry);
      taken += 1;
    }
    if (taken > 0) this.retryMs = FIRST_RETRY_MS;
    if (taken === pageSize) return;
    if (!this.recheck && this.announcedSeq <= this.cursor) this.live = true;
    else if (taken === 0) {
      await sleep(this.retryMs, undefined, { ref: false });
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    }
  }
}

/**
 * Opens the credit ticks of an account: with `afterSeq` (or `afterTick`), the entries after it
 * from the database and then live ones; without, live from the account's last entry. Resolves once
 * subscribed. `return()` ends the feed and frees everything it holds.
 */
export async function openCreditFeed(options: CreditFeedOptions): Promise<AsyncIterableIterator<CreditTick>> {
  const { store, bus, accountId, afterTick } = options;
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  if (afterTick !== undefined && options.afterSeq !== undefined) throw new RangeError('afterSeq and afterTick cannot both be given');
  if (afterTick !== undefined && !(isSeq(afterTick.seq, 1) && isSeq(afterTick.change, 0))) throw new RangeError(`afterTick ${JSON.stringify(afterTick)} is not a tick`);
  // A feed after a tick starts with the rest of that tick's entry.
  const afterSeq = afterTick === undefined ? options.afterSeq : afterTick.seq - 1;
  if (afterSeq !== undefined && !isSeq(afterSeq, 0)) throw new RangeError(`afterSeq ${afterSeq} is not a seq`);
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 1) throw new RangeError(`maxQueue ${maxQueue} must be a positive integer`);
  const feed = new CreditFeed({ ...options, maxQueue });
  feed.unsubscribe = await bus.subscribe(accountId, feed);
  try {
    if (afterSeq !== undefined) feed.start(afterSeq, true);
    else feed.start((await store.listEntries(accountId, {}, { first: 1 })).entries[0]?.seq ?? 0, false);
  } catch (error) {
    await feed.return();
    throw error;
  }
  return feed;
}

const isSeq = (value: number, least: number) => Number.isSafeInteger(value) && value >= least;
