import { z } from 'zod';
import { daysInMonth, instantAt, wallClockAt, type WallClock } from './time-zone.js';

export const PERIOD_KINDS = ['DAY', 'MONTH'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];
export const PeriodKindSchema = z.enum(PERIOD_KINDS);

/** Where an account's periods fall: monthly ones on the billing anchor, daily ones at local midnight. */
export type Calendar = { timeZone: string; billingAnchor: Date };

/** `start` is inclusive and `end` exclusive: an instant exactly on a boundary belongs to the new period. */
export type PeriodWindow = { start: Date; end: Date };

export function periodContaining(kind: PeriodKind, calendar: Calendar, instant: Date): PeriodWindow {
  return kind === 'DAY' ? dayContaining(calendar.timeZone, instant) : billingMonthContaining(calendar, instant);
}

function dayContaining(timeZone: string, instant: Date): PeriodWindow {
  const today = wallClockAt(instant, timeZone);
  const midnight = (year: number, month: number, day: number): Date =>
    instantAt({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
  // The day after the month's last overflows into the next month, as in `Date.UTC`.
  return { start: midnight(today.year, today.month, today.day), end: midnight(today.year, today.month, today.day + 1) };
}

/**
 * Monthly periods start on the anchor's day of month at the anchor's time of day, both read in
 * the account's time zone. An anchor on the 29th-31st falls on the last day of shorter months
 * (Jan 31 → Feb 28, or Feb 29 in leap years) and returns to its own day when the month has it.
 */
function billingMonthContaining(calendar: Calendar, instant: Date): PeriodWindow {
  const anchor = wallClockAt(calendar.billingAnchor, calendar.timeZone);
  const boundary = (year: number, month: number): Date => {
    // `month` may be 0 or 13 (the neighbours of a January or December).
    const monthIndex = year * 12 + (month - 1);
    const boundaryYear = Math.floor(monthIndex / 12);
    const boundaryMonth = (monthIndex % 12) + 1;
    const wall: WallClock = { ...anchor, year: boundaryYear, month: boundaryMonth };
    wall.day = Math.min(anchor.day, daysInMonth(boundaryYear, boundaryMonth));
    return instantAt(wall, calendar.timeZone);
  };
  const local = wallClockAt(instant, calendar.timeZone);
  const thisMonths = boundary(local.year, local.month);
  return instant.getTime() >= thisMonths.getTime()
    ? { start: thisMonths, end: boundary(local.year, local.month + 1) }
    : { start: boundary(local.year, local.month - 1), end: thisMonths };
}
