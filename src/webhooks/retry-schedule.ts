/**
 * When a failed webhook delivery is tried again: one delay per retry, after the first, second, …
 * failed attempt. Standard Webhooks' (Svix's) schedule with one more 10 hours, so that even with
 * every delay jittered 20 % short the retries span more than 24 hours (30 h 4 min at the least,
 * 45 h 6 min at the most); the first retry comes 4 to 6 seconds after the first failure.
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h,10h';

/** A schedule of more retries than this is a mistake, not a policy (the default has 8). */
export const MAX_RETRIES = 50;

/** Each delay is jittered by up to this share, so that endpoints failing together are not retried together. */
const JITTER = 0.2;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MIN_DELAY_MS = UNIT_MS.s;
const MAX_DELAY_MS = 7 * UNIT_MS.d;

export type ParsedRetrySchedule = { readonly ok: true; readonly delaysMs: readonly number[] } | { readonly ok: false; readonly problem: string };

/**
 * Reads a schedule such as `5s,5m,30m,2h`: comma-separated whole numbers of seconds, minutes, hours
 * or days, each from 1s to 7d, at most 50. A problem is worded to follow the variable's name.
 */
export function parseRetrySchedule(text: string): ParsedRetrySchedule {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_RETRIES) return { ok: false, problem: `must list at most ${MAX_RETRIES} delays (it lists ${entries.length})` };
  const delaysMs: number[] = [];
  for (const [index, entry] of entries.entries()) {
    const match = /^(\d{1,7})([smhd])$/.exec(entry);
    const delayMs = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
    if (!(delayMs >= MIN_DELAY_MS && delayMs <= MAX_DELAY_MS)) {
      return {
        ok: false,
        problem: `must be comma-separated delays from 1s to 7d, each a whole number with s, m, h or d (like 5s,5m,2h): delay ${index + 1} is ${JSON.stringify(entry.slice(0, 20))}`,
      };
    }
    delaysMs.push(delayMs);
  }
  return { ok: true, delaysMs };
}

/**
 * How long to wait before the next attempt after `failedAttempts` attempts failed (1 after the
 * first), jittered by up to ±20 % with `random` (`Math.random` in production, in [0, 1)), in whole
 * milliseconds; `null` when the schedule has no retry left: the delivery has failed for good.
 */
export function nextAttemptDelay(delaysMs: readonly number[], failedAttempts: number, random: () => number): number | null {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new RangeError(`failedAttempts must be a whole number of at least 1, not ${failedAttempts}`);
  const delayMs = delaysMs[failedAttempts - 1];
  if (delayMs === undefined) return null;
  return Math.round(delayMs * (1 + JITTER * (2 * random() - 1)));
}
