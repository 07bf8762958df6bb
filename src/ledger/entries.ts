import type { Meter } from './meters.js';

export const ENTRY_KINDS = [
  'GRANT',
  'DEBIT',
  'HOLD',
  'COMMIT',
  'RELEASE',
  'EXPIRY',
  'RESET',
  'PLAN_CHANGE',
  'ADJUSTMENT',
  'MEMBER_CAP',
  'POLICY_CHANGE',
] as const;
/**
 * GRANT: credits added (top-up, admin grant). DEBIT: usage charged at once. HOLD: available →
 * reserved. COMMIT: reserved → used. RELEASE: reserved → available. EXPIRY: credits that left by
 * expiry, from available (a grant expired) or from reserved (released into an expired grant).
 * RESET: a new period (used back to 0, the new allowance and any rollover granted). PLAN_CHANGE:
 * an upgrade's extra allowance, or a downgrade scheduled / applied. ADJUSTMENT: credits an admin
 * took away. MEMBER_CAP: a member's cap set or lifted. POLICY_CHANGE: a per-account credit
 * policy set, scheduled, applied at a reset or removed (details: meter, status, effectiveAt and
 * each term as a scalar, null where the plan's applies); applied at once it moves the meter's
 * allowance like an upgrade, or restarts its period. A keyed write that moved no credit (a cap,
 * a plan change to the plan in force, a step hold that found its step charged) still leaves an
 * entry, without meter changes: an audit trail, and where its idempotency key is kept for good.
 */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Caller-given or ledger-given facts about an entry; flat scalars so they index and display easily. */
export type EntryMetadata = Record<string, string | number | boolean | null>;

/**
 * One meter's balances after an entry. `delta` is the change of `available`, negative when
 * credits leave it; `usedDelta` and `reservedDelta` are the changes of `used` and `reserved`.
 * These are the numbers a live subscription publishes, one tick per entry per meter.
 */
export type MeterChange = {
  meter: Meter;
  unlimited: boolean;
  delta: number;
  previousAvailable: number;
  availableAfter: number;
  usedDelta: number;
  usedAfter: number;
  reservedDelta: number;
  reservedAfter: number;
  allowanceAfter: number;
  /**
   * The low-balance notices this entry gave the meter, percentages of `LOW_BALANCE_PERCENTS`
   * (usually none): decided by `lowBalanceNotices` when the entry is written, so every reader
   * (a live tick, a replayed one) reports the same. Entries stored before notices were recorded
   * lack it: none.
   */
  thresholdsCrossed: number[];
  /**
   * Only on a COMMIT of a hold taken in an earlier period of this meter (held before a reset,
   * settled after it): the credits it consumed for that period (`used`), which period
   * (`periodStart`) and when within it the hold was taken (`heldAt`, the instant usage summaries
   * date them at). They leave `reserved` like any commit, but `usedDelta` stays 0: it is always
   * the change of the current period's `used`.
   */
  earlierPeriod?: { periodStart: Date; heldAt: Date; used: number };
  /**
   * Only on a meter with a daily limit: the day after the entry (its limit, what it consumed,
   * when it ends) and `limitReached`, the daily notice: true on the entry that took the day's
   * usage to its limit, once a day, as `thresholdsCrossed` is the period's.
   */
  daily?: { limit: number; usedToday: number; dayResetsAt: Date; limitReached: boolean };
};

/** Immutable. `seq` counts an account's entries from 1 without gaps. */
export type LedgerEntry = {
  accountId: string;
  seq: number;
  kind: EntryKind;
  at: Date;
  changes: MeterChange[];
  memberId: string | null;
  feature: string | null;
  sessionId: string | null;
  assetId: string | null;
  idempotencyKey: string | null;
  /** What the caller attached to the operation. */
  metadata: EntryMetadata;
  /** What the ledger records about itself: grant and hold ids, reasons, plan ids. */
  details: EntryMetadata;
};
