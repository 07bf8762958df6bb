import type { LimitedCollection } from './input-limits.js';
import { MAX_BALANCE } from './limits.js';
import type { Meter } from './meters.js';

/**
 * Expected refusals, returned as values: the caller shows them to a person or retries later.
 * Programming errors (a broken invariant, a catalog missing the account's plan) throw instead.
 */
export type LedgerError =
  | { code: 'VALIDATION_ERROR'; field: string; message: string }
  | { code: 'UNKNOWN_PLAN'; planId: string }
  /** A plan change names a plan of another product than the account's plan: plans compare only within a product. */
  | { code: 'PLAN_OF_ANOTHER_PRODUCT'; currentPlanId: string; currentProduct: string; planId: string; product: string }
  | { code: 'UNKNOWN_FEATURE'; feature: string }
  | { code: 'INVALID_PARAMETER'; feature: string; parameter: string; message: string }
  | { code: 'QUOTE_NOT_FOUND'; quoteId: string }
  | { code: 'QUOTE_EXPIRED'; quoteId: string; expiredAt: Date }
  | { code: 'QUOTE_MISMATCH'; quoteId: string; field: 'accountId' | 'feature' | 'parameters' }
  /**
   * A limit of the meter leaves less than `needed`: `limit` says which, `available` what it still
   * allows and `freesAt` when the same request would succeed if nothing else happened: PERIOD, the
   * credits of the period (allowance, rollover, top-ups), at the first of the meter's resets that
   * gives enough (usually the next, `resetsAt`); DAILY, its daily limit, when the day ends. Null
   * when no such time comes: more than the daily limit, or than any of the meter's periods will give.
   */
  | { code: 'INSUFFICIENT_CREDITS'; meter: Meter; needed: number; available: number; resetsAt: Date; limit: SpendingLimit; freesAt: Date | null }
  | { code: 'MEMBER_CAP_EXCEEDED'; memberId: string; meter: Meter; cap: number; used: number; needed: number }
  | { code: 'HOLD_NOT_FOUND'; holdId: string }
  | { code: 'COMMIT_EXCEEDS_HOLD'; holdId: string; meter: Meter; held: number; requested: number }
  | { code: 'IDEMPOTENCY_KEY_REUSED'; idempotencyKey: string }
  /** The operation would raise a meter's credits (available + reserved) or usage past `MAX_BALANCE`. */
  | { code: 'CREDIT_LIMIT_EXCEEDED'; meter: Meter; figure: 'CREDITS' | 'USED'; limit: number }
  /** The account already keeps as many of `what` as it may (see `checkCollectionLimits`). */
  | { code: 'LIMIT_REACHED'; what: LimitedCollection; limit: number };

/** Which of a meter's layered limits refused: its credits this period, or its daily limit. */
export type SpendingLimit = 'PERIOD' | 'DAILY';

export type LedgerErrorCode = LedgerError['code'];

export type Result<T> = { ok: true; value: T } | { ok: false; error: LedgerError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(error: LedgerError): { ok: false; error: LedgerError } {
  return { ok: false, error };
}

/** Credits are whole, non-negative numbers of at most `MAX_BALANCE` (see limits.ts). */
export function checkCredits(field: string, value: number, { allowZero = false } = {}): Extract<LedgerError, { code: 'VALIDATION_ERROR' }> | null {
  if (!Number.isSafeInteger(value)) {
    return { code: 'VALIDATION_ERROR', field, message: `must be a safe integer, got ${value}` };
  }
  if (value > MAX_BALANCE) {
    return { code: 'VALIDATION_ERROR', field, message: `must be at most ${MAX_BALANCE.toLocaleString('en-US')}, got ${value}` };
  }
  if (value < 0 || (value === 0 && !allowZero)) {
    return { code: 'VALIDATION_ERROR', field, message: `must be ${allowZero ? 'zero or more' : 'positive'}, got ${value}` };
  }
  return null;
}
