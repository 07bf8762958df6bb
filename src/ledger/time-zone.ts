/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl.DateTimeFormat`: the offset of
 * a zone at an instant is read back from a formatter, so daylight-saving changes come from the
 * platform's time zone database instead of a table of our own.
 */

/** A local calendar date and time; `month` is 1-12. */
export type WallClock = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
};

export const DEFAULT_TIME_ZONE = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const field = (name: string): number => {
    const value = parts[name];
    if (value === undefined) throw new Error(`Intl.DateTimeFormat gave no ${name} for ${timeZone}`);
    return value;
  };
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
    // The formatter has whole seconds; the milliseconds are the same in every zone.
    millisecond: ((instant.getTime() % 1000) + 1000) % 1000,
  };
}

function wallClockAsUtcMs(wall: WallClock): number {
  const date = new Date(0);
  // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC.
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

/** How far the zone's wall clock is ahead of UTC at `instantMs`, in milliseconds. */
function offsetMsAt(instantMs: number, timeZone: string): number {
  return wallClockAsUtcMs(wallClockAt(new Date(instantMs), timeZone)) - instantMs;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the zone's clock shows `wall`. Offsets a day either side cover every
 * candidate (no zone changes its offset twice within a day). When the clocks fall back and the
 * wall time happens twice, the first occurrence wins. When they spring forward and the wall time
 * never happens, it is read in the offset after the jump, so it lands as far past the jump as it
 * is past the start of the gap: 02:30 on a day the clock jumps from 02:00 to 03:00 is 03:30, and
 * a day that "starts at 00:00" in a zone that skips midnight starts at 01:00, when the clock jumps.
 */
export function instantAt(wall: WallClock, timeZone: string): Date {
  const asUtc = wallClockAsUtcMs(wall);
  const offsets = [offsetMsAt(asUtc - DAY_MS, timeZone), offsetMsAt(asUtc + DAY_MS, timeZone)];
  const candidates = offsets.map((offset) => asUtc - offset);
  const consistent = candidates.filter((candidate) => asUtc - offsetMsAt(candidate, timeZone) === candidate);
  return new Date(consistent.length > 0 ? Math.min(...consistent) : Math.max(...candidates));
}

/** `month` is 1-12; day 0 of the following month is the last day of this one. */
export function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
