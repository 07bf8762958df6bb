import type { AccountState } from './account-state.js';
import { meterFigures } from './account-state.js';
import type { LedgerError } from './errors.js';
import { METERS } from './meters.js';

/**
 * Every figure the ledger keeps fits a 32-bit signed integer (GraphQL's `Int`), whatever anyone
 * does, so an account can always be read. Two bounds make that so:
 *
 * - operations (grants, debits, holds, commits, caps) never raise a meter's credits (available
 *   plus reserved) or its `used` plus `reserved` above `MAX_BALANCE`, and no single amount exceeds it;
 * - the clock only ever adds the plan's allowance and a rollover of at most that allowance, and a
 *   plan's allowance and rollover cap are at most `MAX_PLAN_CREDITS`.
 *
 * So available + reserved ≤ MAX_BALANCE + 2 × MAX_PLAN_CREDITS = 2,000,000,000 < 2,147,483,647.
 */
export const MAX_BALANCE = 1_000_000_000;
export const MAX_PLAN_CREDITS = 500_000_000;
/** GraphQL's Int. */
export const MAX_FIGURE = 2_147_483_647;

/**
 * Refuses an operation that would raise a meter's credits or usage past `MAX_BALANCE`. A figure
 * the operation did not raise is not judged: the clock may have put it above the bound, and a
 * debit must still be able to bring it down.
 */
export function checkBalanceLimits(before: AccountState, after: AccountState): LedgerError | null {
  for (const meter of METERS) {
    const was = meterFigures(before, meter);
    const now = meterFigures(after, meter);
    const figures = [
      { figure: 'CREDITS' as const, was: was.available + was.reserved, now: now.available + now.reserved },
      // Reserved counts as used here: a hold is refused rather than the commit that would go past the limit.
      { figure: 'USED' as const, was: was.used + was.reserved, now: now.used + now.reserved },
    ];
    for (const { figure, was: previous, now: next } of figures) {
      if (next > previous && next > MAX_BALANCE) return { code: 'CREDIT_LIMIT_EXCEEDED', meter, figure, limit: MAX_BALANCE };
    }
  }
  return null;
}
