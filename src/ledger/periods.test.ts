import { describe, expect, it } from 'vitest';
import { periodContaining, type Calendar, type PeriodWindow } from './periods.js';
import { instantAt, wallClockAt } from './time-zone.js';

const iso = (window: PeriodWindow) => ({ start: window.start.toISOString(), end: window.end.toISOString() });
const utc = (billingAnchor: string): Calendar => ({ timeZone: 'UTC', billingAnchor: new Date(billingAnchor) });
const HOUR = 3_600_000;

describe('monthly periods on the billing anchor', () => {
  it('renews on the anchor day and time of day', () => {
    const window = periodContaining('MONTH', utc('2025-01-15T10:30:00Z'), new Date('2025-03-20T00:00:00Z'));
    expect(iso(window)).toEqual({ start: '2025-03-15T10:30:00.000Z', end: '2025-04-15T10:30:00.000Z' });
  });

  it('moves a 31st anchor to the last day of shorter months and back', () => {
    const calendar = utc('2025-01-31T09:00:00Z');
    expect(iso(periodContaining('MONTH', calendar, new Date('2025-02-10T00:00:00Z')))).toEqual({
      start: '2025-01-31T09:00:00.000Z',
      end: '2025-02-28T09:00:00.000Z',
    });
    expect(iso(periodContaining('MONTH', calendar, new Date('2025-03-05T00:00:00Z')))).toEqual({
      start: '2025-02-28T09:00:00.000Z',
      end: '2025-03-31T09:00:00.000Z',
    });
    expect(iso(periodContaining('MONTH', calendar, new Date('2025-04-30T09:00:00Z')))).toEqual({
      start: '2025-04-30T09:00:00.000Z',
      end: '2025-05-31T09:00:00.000Z',
    });
  });

  it('uses Feb 29 in leap years', () => {
    const calendar = utc('2023-12-31T00:00:00Z');
    expect(iso(periodContaining('MONTH', calendar, new Date('2024-02-15T00:00:00Z'))).end).toBe('2024-02-29T00:00:00.000Z');
    expect(iso(periodContaining('MONTH', utc('2024-02-29T12:00:00Z'), new Date('2025-02-28T11:59:59Z'))).start).toBe(
      '2025-01-29T12:00:00.000Z',
    );
    expect(iso(periodContaining('MONTH', utc('2024-02-29T12:00:00Z'), new Date('2025-02-28T12:00:00Z'))).start).toBe(
      '2025-02-28T12:00:00.000Z',
    );
  });

  it('puts an instant exactly on the boundary in the new period', () => {
    const calendar = utc('2025-01-15T10:30:00Z');
    const boundary = new Date('2025-02-15T10:30:00Z');
    expect(periodContaining('MONTH', calendar, boundary).start).toEqual(boundary);
    expect(periodContaining('MONTH', calendar, new Date(boundary.getTime() - 1)).end).toEqual(boundary);
  });

  it('crosses year ends', () => {
    const calendar = utc('2025-01-31T00:00:00Z');
    expect(iso(periodContaining('MONTH', calendar, new Date('2025-12-31T00:00:00Z')))).toEqual({
      start: '2025-12-31T00:00:00.000Z',
      end: '2026-01-31T00:00:00.000Z',
    });
    expect(iso(periodContaining('MONTH', calendar, new Date('2026-01-10T00:00:00Z'))).start).toBe('2025-12-31T00:00:00.000Z');
  });

  it('keeps the local time of day of the anchor across daylight saving changes', () => {
    // 00:30 in New York on Jan 31 (EST, UTC-5); the March renewal is 00:30 EDT (UTC-4).
    const calendar: Calendar = { timeZone: 'America/New_York', billingAnchor: new Date('2025-01-31T05:30:00Z') };
    expect(iso(periodContaining('MONTH', calendar, new Date('2025-03-15T00:00:00Z')))).toEqual({
      start: '2025-02-28T05:30:00.000Z',
      end: '2025-03-31T04:30:00.000Z',
    });
  });
});

describe('daily periods at local midnight', () => {
  it('roll at midnight UTC by default', () => {
    expect(iso(periodContaining('DAY', utc('2025-01-01T00:00:00Z'), new Date('2025-06-01T23:59:59.999Z')))).toEqual({
      start: '2025-06-01T00:00:00.000Z',
      end: '2025-06-02T00:00:00.000Z',
    });
  });

  it('roll at local midnight and last 23 and 25 hours on daylight saving days', () => {
    const newYork: Calendar = { timeZone: 'America/New_York', billingAnchor: new Date('2024-01-01T05:00:00Z') };
    const spring = periodContaining('DAY', newYork, new Date('2024-03-10T12:00:00Z'));
    expect(iso(spring)).toEqual({ start: '2024-03-10T05:00:00.000Z', end: '2024-03-11T04:00:00.000Z' });
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);
    const autumn = periodContaining('DAY', newYork, new Date('2024-11-03T12:00:00Z'));
    expect(iso(autumn)).toEqual({ start: '2024-11-03T04:00:00.000Z', end: '2024-11-04T05:00:00.000Z' });
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * HOUR);
  });

  it('start when the clock jumps in zones where midnight is skipped', () => {
    // Chile moved its clocks from 00:00 to 01:00 on 2024-09-08.
    const santiago: Calendar = { timeZone: 'America/Santiago', billingAnchor: new Date('2024-01-01T00:00:00Z') };
    const day = periodContaining('DAY', santiago, new Date('2024-09-08T12:00:00Z'));
    expect(iso(day)).toEqual({ start: '2024-09-08T04:00:00.000Z', end: '2024-09-09T03:00:00.000Z' });
    expect(periodContaining('DAY', santiago, new Date(day.start.getTime() - 1)).end).toEqual(day.start);
  });

  it('are contiguous and each contains its instants over a year', () => {
    const london: Calendar = { timeZone: 'Europe/London', billingAnchor: new Date('2024-01-01T00:00:00Z') };
    let window = periodContaining('DAY', london, new Date('2024-01-01T00:00:00Z'));
    for (let day = 0; day < 366; day += 1) {
      const next = periodContaining('DAY', london, window.end);
      expect(next.start).toEqual(window.end);
      expect(wallClockAt(next.start, 'Europe/London')).toMatchObject({ hour: 0, minute: 0 });
      window = next;
    }
  });
});

describe('wall clock conversions', () => {
  it('take the first occurrence of a repeated local time', () => {
    const repeated = instantAt({ year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0, millisecond: 0 }, 'America/New_York');
    expect(repeated.toISOString()).toBe('2024-11-03T05:30:00.000Z');
  });

  it('read a skipped local time in the offset after the jump: 02:30 on a spring-forward day is 03:30', () => {
    const skipped = instantAt({ year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0, millisecond: 0 }, 'America/New_York');
    expect(skipped.toISOString()).toBe('2024-03-10T07:30:00.000Z');
    expect(wallClockAt(skipped, 'America/New_York')).toMatchObject({ hour: 3, minute: 30 });
    // A day that starts at a skipped midnight starts when the clock jumps.
    const midnight = instantAt({ year: 2024, month: 9, day: 8, hour: 0, minute: 0, second: 0, millisecond: 0 }, 'America/Santiago');
    expect(wallClockAt(midnight, 'America/Santiago')).toMatchObject({ hour: 1, minute: 0 });
  });
});
