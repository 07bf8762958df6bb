import type { EntryKind, LedgerEntry, Meter } from '../ledger/index.js';

const NONE: readonly number[] = Object.freeze([]);

/**
 * One meter's change by one ledger entry, as a live usage card shows it: the old and the new
 * `available` to animate between, and the other balances after the entry.
 */
export type CreditTick = {
  accountId: string;
  /** The entry's seq: an entry that touched two meters gives two ticks with the same seq. */
  seq: number;
  /**
   * The place of this tick's change among its entry's changes, from 0, whatever meter a feed
   * keeps: with `seq`, the tick's `TickPosition`, which tells apart the ticks of one entry.
   */
  change: number;
  meter: Meter;
  kind: EntryKind;
  /** The change of `available`; negative when credits leave it. */
  delta: number;
  previousAvailable: number;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
  unlimited: boolean;
  feature: string | null;
  sessionId: string | null;
  memberId: string | null;
  at: Date;
  /**
   * The low-balance notices of this tick, usually none: the percentages of the meter's credits
   * this period (allowance, rollover and top-ups) that this entry took past being used or
   * reserved, each once per period; 100 when `available` reached 0. The ledger decides them when
   * it writes the entry (`lowBalanceNotices` in src/ledger/low-balance.ts); the tick copies them.
   */
  thresholdsCrossed: readonly number[];
  /** The meter's day after the entry (`MeterChange.daily`); absent on a meter without a daily limit. */
  daily?: { limit: number; usedToday: number; dayResetsAt: Date; limitReached: boolean };
};

/**
 * Where a tick is in the account's history: resuming after it delivers the rest of its entry's
 * ticks, then the entries after it. The same for every view and meter filter of the account.
 */
export type TickPosition = { readonly seq: number; readonly change: number };

export type TickOptions = {
  /** Only this meter's ticks. */
  meter?: Meter;
};

/** What a subscriber may see of each entry: see `CreditFeedOptions.view`. */
export type EntryView = (entry: LedgerEntry) => LedgerEntry;

export type SharedTickOptions = TickOptions & {
  view?: EntryView;
  /** Names `view`: feeds with the same key (and meter) share the ticks of an entry. None: not shared. */
  viewKey?: string;
};

/** The ticks of each entry, by view key and meter, for as long as the entry is held. */
const sharedTicks = new WeakMap<LedgerEntry, Map<string, readonly CreditTick[]>>();

/**
 * The ticks of `entry` as `view` sees it. Feeds that name their view with the same `viewKey` get
 * the same tick objects for an entry they all received (a live one, from the bus), so that what is
 * built from a tick downstream (a GraphQL result, its JSON) can be built once for all of them.
 * Shared ticks are never altered.
 */
export function ticksAsSeen(entry: LedgerEntry, options: SharedTickOptions): readonly CreditTick[] {
  const { view, viewKey, meter } = options;
  if (view !== undefined && viewKey === undefined) return ticksOf(view(entry), options);
  const key = `${meter ?? ''}/${viewKey ?? ''}`;
  let byKey = sharedTicks.get(entry);
  if (!byKey) sharedTicks.set(entry, (byKey = new Map()));
  let ticks = byKey.get(key);
  if (!ticks) byKey.set(key, (ticks = ticksOf(view ? view(entry) : entry, options)));
  return ticks;
}

/** The ticks of one entry, one per meter it touched, in the entry's meter order. */
export function ticksOf(entry: LedgerEntry, options: TickOptions = {}): CreditTick[] {
  return entry.changes.flatMap((change, index) => {
    if (options.meter !== undefined && change.meter !== options.meter) return [];
    return {
      accountId: entry.accountId,
      seq: entry.seq,
      change: index,
      meter: change.meter,
      kind: entry.kind,
      delta: change.delta,
      previousAvailable: change.previousAvailable,
      available: change.availableAfter,
      used: change.usedAfter,
      reserved: change.reservedAfter,
      allowance: change.allowanceAfter,
      unlimited: change.unlimited,
      feature: entry.feature,
      sessionId: entry.sessionId,
      memberId: entry.memberId,
      at: entry.at,
      // An entry stored before the ledger recorded notices has none.
      thresholdsCrossed: change.thresholdsCrossed ?? NONE,
      // A date that travelled as JSON (a bus message) is revived here.
      ...(change.daily && { daily: { ...change.daily, dayResetsAt: new Date(change.daily.dayResetsAt) } }),
    };
  });
}

/** Whether `ticksOf(entry, { meter })` would give anything, without building the ticks. */
export function hasTicks(entry: LedgerEntry, meter?: Meter): boolean {
  return meter === undefined ? entry.changes.length > 0 : entry.changes.some((change) => change.meter === meter);
}
