import type { MeterFigures } from './account-state.js';
import type { EntryKind, EntryMetadata } from './entries.js';

/**
 * Low-balance notices: the percentages of a meter's credits this period that, once gone, an
 * entry announces (`MeterChange.thresholdsCrossed`, the `thresholdsCrossed` of a live tick).
 * 100 means nothing is left to spend.
 */
export const LOW_BALANCE_PERCENTS: readonly number[] = Object.freeze([80, 100]);

/**
 * Whether at least `percent`% of what the meter has had to spend this period is gone. What it has
 * had is `used + reserved + available`: the allowance, rollover and top-ups together, as far as
 * they were not taken away or expired. Gone is `used + reserved`: reserved credits cannot be spent
 * again, so they count as gone until a release brings them back. Hence 100% is reached exactly
 * when `available` is 0. Exact integer arithmetic. An unlimited meter never runs out.
 */
export function lowBalanceReached(figures: MeterFigures, percent: number): boolean {
  if (figures.unlimited) return false;
  const gone = figures.used + figures.reserved;
  return gone * 100 >= percent * (gone + figures.available);
}

/** One meter's side of an entry, as `lowBalanceNotices` judges it. */
export type LowBalanceChange = {
  before: MeterFigures;
  after: MeterFigures;
  /** The thresholds announced already in the meter's current period (`MeterState.thresholdsAnnounced`). */
  announced: readonly number[];
  /** The entry closes the meter's period (`closesPeriod`): credits expiring with it are not running out. */
  closesPeriod: boolean;
};

/**
 * The thresholds an entry crosses on one meter, usually none: those `lowBalanceReached` after the
 * entry and not before it, unless announced already this period or the entry closes the period.
 * So each threshold is announced at most once per period, on the entry that first took the
 * meter past it; 100 exactly when `available` reaches 0. A top-up, a release or an upgrade
 * brings credits back without announcing anything again until the next period (whose RESET
 * starts with nothing announced). A period that starts past a threshold (a meter without
 * allowance or credits) announces nothing: no entry took it there.
 */
export function lowBalanceNotices(change: LowBalanceChange, percents: readonly number[] = LOW_BALANCE_PERCENTS): number[] {
  if (change.closesPeriod) return [];
  return percents.filter(
    (percent) => !change.announced.includes(percent) && !lowBalanceReached(change.before, percent) && lowBalanceReached(change.after, percent),
  );
}

/**
 * Whether an entry closes a meter's period rather than taking credits from it: an EXPIRY at or
 * after the period's end (the allowance, rollover and anything else expiring with the period), or
 * of the period's allowance (which expires early only when a plan change restarts the period). The
 * RESET that follows at the same instant starts the next period.
 */
export function closesPeriod(entry: { kind: EntryKind; at: Date; details?: EntryMetadata }, periodEnd: Date): boolean {
  if (entry.kind !== 'EXPIRY') return false;
  return entry.at.getTime() >= periodEnd.getTime() || entry.details?.grantKind === 'ALLOWANCE';
}
