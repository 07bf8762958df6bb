import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, MAX_RETRIES, nextAttemptDelay, parseRetrySchedule } from './retry-schedule.js';

const SECOND = 1000;
const HOUR = 3_600_000;

const delaysOf = (text: string) => {
  const parsed = parseRetrySchedule(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.delaysMs;
};

const defaultDelays = delaysOf(DEFAULT_RETRY_SCHEDULE);
/** `random` answers in [0, 1): these two are the shortest and (nearly) the longest jitter. */
const shortest = () => 0;
const longest = () => 1 - Number.EPSILON;

describe('parseRetrySchedule', () => {
  it('reads comma-separated seconds, minutes, hours and days, spaces allowed', () => {
    expect(delaysOf('5s, 5m,2h ,1d')).toEqual([5 * SECOND, 5 * 60 * SECOND, 2 * HOUR, 24 * HOUR]);
    expect(delaysOf('1s,7d')).toEqual([SECOND, 7 * 24 * HOUR]);
  });

  it.each([
    ['', 'delay 1 is ""'],
    ['5s,,5m', 'delay 2 is ""'],
    ['5', 'delay 1 is "5"'],
    ['5x', 'delay 1 is "5x"'],
    ['1.5h', 'delay 1 is "1.5h"'],
    ['-5s', 'delay 1 is "-5s"'],
    ['0s', 'delay 1 is "0s"'],
    ['5s,8d', 'delay 2 is "8d"'],
    ['169h', 'delay 1 is "169h"'],
    ['99999999999999s', 'delay 1 is "99999999999999s"'],
  ])('refuses %j, naming the delay (%s)', (text, naming) => {
    const parsed = parseRetrySchedule(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toBe(`must be comma-separated delays from 1s to 7d, each a whole number with s, m, h or d (like 5s,5m,2h): ${naming}`);
  });

  it(`takes at most ${MAX_RETRIES} delays`, () => {
    expect(delaysOf(Array(MAX_RETRIES).fill('1m').join(','))).toHaveLength(MAX_RETRIES);
    expect(parseRetrySchedule(Array(MAX_RETRIES + 1).fill('1m').join(','))).toEqual({ ok: false, problem: `must list at most ${MAX_RETRIES} delays (it lists ${MAX_RETRIES + 1})` });
  });
});

describe('nextAttemptDelay', () => {
  it('retries the default schedule first within 10 seconds, and for more than 24 hours whatever the jitter', () => {
    expect(nextAttemptDelay(defaultDelays, 1, longest)).toBeLessThanOrEqual(10 * SECOND);
    for (const random of [shortest, longest]) {
      let spanMs = 0;
      for (let failed = 1; ; failed += 1) {
        const delayMs = nextAttemptDelay(defaultDelays, failed, random);
        if (delayMs === null) break;
        spanMs += delayMs;
      }
      expect(spanMs).toBeGreaterThanOrEqual(24 * HOUR);
    }
  });

  it('answers null once every retry of the schedule was used', () => {
    expect(nextAttemptDelay([SECOND, 2 * SECOND], 2, shortest)).toBe(1600);
    expect(nextAttemptDelay([SECOND, 2 * SECOND], 3, shortest)).toBeNull();
    expect(nextAttemptDelay(defaultDelays, defaultDelays.length + 1, shortest)).toBeNull();
  });

  it('refuses a count of failed attempts that is not a whole number from 1', () => {
    expect(() => nextAttemptDelay(defaultDelays, 0, shortest)).toThrow(RangeError);
    expect(() => nextAttemptDelay(defaultDelays, 1.5, shortest)).toThrow(RangeError);
  });

  it('keeps every delay a whole number of milliseconds within 20 % of the schedule', () => {
    const schedule = fc.array(fc.integer({ min: SECOND, max: 7 * 24 * HOUR }), { minLength: 1, maxLength: MAX_RETRIES });
    fc.assert(
      fc.property(schedule, fc.nat({ max: MAX_RETRIES + 5 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (delaysMs, index, draw) => {
        const delayMs = nextAttemptDelay(delaysMs, index + 1, () => draw);
        const planned = delaysMs[index];
        if (planned === undefined) return delayMs === null;
        return delayMs !== null && Number.isInteger(delayMs) && delayMs >= Math.floor(planned * 0.8) && delayMs <= Math.ceil(planned * 1.2);
      }),
    );
  });
});
