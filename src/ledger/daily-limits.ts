import type { AccountState, MeterState } from './account-state.js';
import type { Meter } from './meters.js';
import { periodContaining } from './periods.js';
import type { Shortfall } from './period-refusal.js';

/**
 * What one meter consumed on one day of the account's time zone: what a daily limit counts. Debits
 * count when charged and holds when taken (a commit adds nothing more); a hold's credits that go
 * back (released, or forfeited to an expired grant) are given back to the day only when that
 * happens on the day the hold was taken, since another day never counted them. Kept for every
 * meter, with a daily limit or not, so that a limit set in the middle of a day knows the day's usage.
 *
 * A new day needs no entry: no credit moves when a day ends, and a record of another day than the
 * clock's simply counts as nothing (`dayUsageAt`), so the clock resets it lazily. The day's
 * usage can always be recomputed from the history (the DEBIT and HOLD entries dated that day,
 * less the releases of that day's holds on the same day).
 */
export type DayUsage = {
  start: Date;
  end: Date;
  used: number;
  /** The daily limit was reached this day and announced (`MeterChange.daily.limitReached`), so once a day. */
  limitAnnounced?: boolean;
};

/** The day containing `at` on the account's calendar, with what the meter consumed in it so far. */
export function dayUsageAt(state: Pick<AccountState, 'timeZone' | 'billingAnchor'>, meterState: MeterState, at: Date): DayUsage {
  const today = meterState.today;
  if (today && today.start.getTime() <= at.getTime() && at.getTime() < today.end.getTime()) return today;
  const { start, end } = periodContaining('DAY', state, at);
  return { start, end, used: 0 };
}

/** The daily limit in force on the meter, or null (a field absent, or stored as null, is none). */
export function dailyLimitOf(meterState: MeterState): number | null {
  return typeof meterState.dailyLimit === 'number' ? meterState.dailyLimit : null;
}

/** Sets (or, with null, lifts) the meter's daily limit without leaving an undefined field in the document. */
export function setDailyLimit(meterState: MeterState, limit: number | null | undefined): void {
  if (typeof limit === 'number') meterState.dailyLimit = limit;
  else delete meterState.dailyLimit;
}

/** Counts `amount` toward the day containing `at`; answers that day (a hold line records it). */
export function countToward(state: AccountState, meter: Meter, at: Date, amount: number): Date {
  const meterState = state.meters[meter];
  const today = dayUsageAt(state, meterState, at);
  meterState.today = { ...today, used: today.used + amount };
  return today.start;
}

/**
 * Gives `amount` back to the day that started at `dayStart`, if `at` is still within it: a
 * hold's credits that did not get consumed, on the day the hold was taken.
 */
export function giveBack(state: AccountState, meter: Meter, dayStart: Date | undefined, at: Date, amount: number): void {
  const today = state.meters[meter].today;
  if (!(dayStart instanceof Date) || !today || amount === 0) return;
  if (today.start.getTime() !== dayStart.getTime() || at.getTime() >= today.end.getTime()) return;
  today.used -= Math.min(amount, today.used);
}

/**
 * Spending more than the day's remainder under the meter's daily limit: DAILY. A limit lowered
 * below what the day consumed leaves nothing for the rest of the day (never a negative remainder).
 */
export function dailyShortfall(state: AccountState, meter: Meter, at: Date, needed: number): Shortfall | null {
  const meterState = state.meters[meter];
  const limit = dailyLimitOf(meterState);
  if (limit === null) return null;
  const remaining = Math.max(0, limit - dayUsageAt(state, meterState, at).used);
  if (needed <= remaining) return null;
  return { code: 'INSUFFICIENT_CREDITS', meter, needed, available: remaining, resetsAt: meterState.periodEnd, limit: 'DAILY' };
}

/** Whether `needed` more fits in the meter's day at `at`. */
export function fitsInDay(state: AccountState, meter: Meter, at: Date, needed: number): boolean {
  const limit = dailyLimitOf(state.meters[meter]);
  return limit === null || needed <= limit - dayUsageAt(state, state.meters[meter], at).used;
}

/** A meter's day under its daily limit, as balances and ticks show it. */
export type DailyFigures = { limit: number; usedToday: number; remainingToday: number; dayResetsAt: Date };

/** The day's figures at `at`, or null on a meter without a daily limit. */
export function dailyFigures(state: AccountState, meter: Meter, at: Date): DailyFigures | null {
  const meterState = state.meters[meter];
  const limit = dailyLimitOf(meterState);
  if (limit === null) return null;
  const today = dayUsageAt(state, meterState, at);
  return { limit, usedToday: today.used, remainingToday: Math.max(0, limit - today.used), dayResetsAt: today.end };
}

/** When the day containing `at` ends, under the meter's daily limit; null without one. */
export function dayEndAfter(state: AccountState, meter: Meter, at: Date): Date | null {
  const meterState = state.meters[meter];
  return dailyLimitOf(meterState) === null ? null : dayUsageAt(state, meterState, at).end;
}
