import type { MeterChange } from '../ledger/index.js';

/** Percentages of a meter's allowance whose crossing a tick announces. */
export const DEFAULT_THRESHOLD_PERCENTS: readonly number[] = [80, 100];

const NONE: readonly number[] = Object.freeze([]);

/** Sorted, without duplicates; refuses anything but positive finite percentages. */
export function normalizeThresholdPercents(percents: readonly number[]): readonly number[] {
  for (const percent of percents) {
    if (!Number.isFinite(percent) || percent <= 0) throw new RangeError(`threshold ${percent} is not a positive percentage`);
  }
  return Object.freeze([...new Set(percents)].sort((a, b) => a - b));
}

/**
 * The thresholds (percentages of the allowance) that a change of `used` crossed upwards: usage
 * was below the mark before the entry (`usedAfter - usedDelta`) and is at or above it after.
 *
 * Derived from the entry alone, so a replayed tick carries exactly the notices the live one did.
 * Within a period `used` only grows and a RESET returns it to zero, so each threshold is crossed
 * at most once per period. One exception is deliberate: an upgrade raises the allowance, which
 * moves the marks up, and usage crossing the new, higher mark is announced again. Unlimited meters
 * and meters without an allowance have no thresholds.
 */
export function thresholdsCrossed(change: MeterChange, percents: readonly number[]): readonly number[] {
  if (change.unlimited || change.allowanceAfter <= 0 || change.usedDelta <= 0) return NONE;
  const before = (change.usedAfter - change.usedDelta) * 100;
  const after = change.usedAfter * 100;
  const crossed = percents.filter((percent) => {
    const mark = percent * change.allowanceAfter;
    return before < mark && after >= mark;
  });
  return crossed.length === 0 ? NONE : crossed;
}
