import type { Viewer } from '../../auth/index.js';
import type { Context } from '../context.js';
import {
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  LimitReachedError,
  MemberCapExceededError,
  RateLimitedError,
} from '../results/index.js';

/** What every request that spends or holds credits can meet, beside the refusals of its own inputs. */
export const SPENDING_REFUSALS = [
  InsufficientCreditsError,
  MemberCapExceededError,
  CreditLimitExceededError,
  LimitReachedError,
  IdempotencyKeyReusedError,
  RateLimitedError,
] as const;

type SpendResult = { readonly ok: true; readonly replayed: boolean } | { readonly ok: false };

/**
 * Runs a request that spends or holds credits within the caller's limit on spending requests
 * (see `createSpendLimiter`). Over the limit it is refused with `RateLimitedError` before
 * anything is written, unless its idempotency key already applied (`applied`, asked only then,
 * so that requests within the limit pay no look-up): a retry must answer what the first request
 * answered, whatever the limit. A replay spends nothing new, so it is not counted.
 *
 * Settling a reservation (`commitReservation`, `releaseReservation`) is not limited: it only
 * ends a hold that was counted when it was made, and refusing it would keep credits locked.
 */
export async function withinSpendLimit<Result extends SpendResult>(
  context: Context,
  viewer: Viewer,
  request: { readonly applied: () => Promise<boolean>; readonly spend: () => Promise<Result> },
): Promise<Result> {
  const { spendLimiter } = context.services;
  const retryAfterSeconds = await spendLimiter.take(viewer);
  if (retryAfterSeconds !== null && !(await request.applied())) throw new RateLimitedError({ retryAfterSeconds });
  const result = await request.spend();
  if (result.ok && result.replayed) await spendLimiter.giveBack(viewer);
  return result;
}
