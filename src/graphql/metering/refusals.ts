import { upgradeHint, type UpgradeHint } from '../../generation/index.js';
import type { LedgerError } from '../../ledger/index.js';
import type { AccountNotFound } from '../../store/ledger-store.js';
import type { Services } from '../context.js';
import { clientKeyOf } from './inputs.js';
import {
  AccountNotFoundError,
  CommitExceedsReservationError,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  InvalidInputError,
  InvalidParameterError,
  LimitReachedError,
  MemberCapExceededError,
  PlanOfAnotherProductError,
  QuoteExpiredError,
  QuoteMismatchError,
  QuoteNotFoundError,
  ReservationNotFoundError,
  UnknownFeatureError,
  UnknownPlanError,
  type ResultError,
} from './results.js';

type Refusal = LedgerError | AccountNotFound;

/**
 * The typed error for a refusal of the ledger store. The ledger knows a reservation as a hold:
 * `reservationId` is the id the client knows it by. A quote of another account is, to the
 * caller, no quote at all. `upgrade` goes with INSUFFICIENT_CREDITS.
 */
export function refusalOf(error: Refusal, extras: { reservationId?: string; upgrade?: UpgradeHint | null } = {}): ResultError {
  switch (error.code) {
    case 'VALIDATION_ERROR':
      return new InvalidInputError(error.field, error.message);
    case 'ACCOUNT_NOT_FOUND':
      return new AccountNotFoundError();
    case 'UNKNOWN_FEATURE':
      return new UnknownFeatureError(error.feature);
    case 'INVALID_PARAMETER':
      return new InvalidParameterError(error.feature, error.parameter, error.message);
    case 'UNKNOWN_PLAN':
      return new UnknownPlanError(error.planId);
    case 'PLAN_OF_ANOTHER_PRODUCT':
      return new PlanOfAnotherProductError(error.currentPlanId, error.currentProduct, error.planId, error.product);
    case 'QUOTE_NOT_FOUND':
      return new QuoteNotFoundError(error.quoteId);
    case 'QUOTE_EXPIRED':
      return new QuoteExpiredError(error.quoteId, error.expiredAt);
    case 'QUOTE_MISMATCH':
      return error.field === 'accountId'
        ? new QuoteNotFoundError(error.quoteId)
        : new QuoteMismatchError(error.quoteId, error.field === 'feature' ? 'FEATURE' : 'PARAMETERS');
    case 'INSUFFICIENT_CREDITS':
      return new InsufficientCreditsError(error.meter, error.needed, error.available, error.resetsAt, extras.upgrade ?? null);
    case 'MEMBER_CAP_EXCEEDED':
      return new MemberCapExceededError(error.meter, error.cap, error.used, error.needed);
    case 'HOLD_NOT_FOUND':
      return new ReservationNotFoundError(extras.reservationId ?? error.holdId);
    case 'COMMIT_EXCEEDS_HOLD':
      return new CommitExceedsReservationError(error.meter, error.held, error.requested);
    case 'IDEMPOTENCY_KEY_REUSED':
      return new IdempotencyKeyReusedError(clientKeyOf(error.idempotencyKey));
    case 'CREDIT_LIMIT_EXCEEDED':
      return new CreditLimitExceededError(error.meter, error.figure, error.limit);
    case 'LIMIT_REACHED':
      return new LimitReachedError(error.what, error.limit);
  }
}

/** `refusalOf` for a refusal on `accountId`, with the upgrade hint of the account's plan when it ran out. */
export async function refusalOn(services: Services, accountId: string, error: Refusal, reservationId?: string): Promise<ResultError> {
  if (error.code !== 'INSUFFICIENT_CREDITS') return refusalOf(error, { reservationId });
  const [state] = await services.store.loadAccounts([accountId]);
  return refusalOf(error, { upgrade: state ? upgradeHint(services.catalogs.plans, state.planId, error.meter) : null });
}
