import type { GenerationError } from '../../generation/index.js';
import { balancesOfAccount } from '../balances/meter-balance.js';
import { clientKeyOf } from '../inputs/idempotency-keys.js';
import { accountGlobalId } from '../inputs/global-ids.js';
import { meterAmountList } from './meter-amounts.js';
import type { ResultError } from './result-error.js';
import {
  AccountNotFoundError,
  CommitExceedsReservationError,
  CreditLimitExceededError,
  GenerationFailedError,
  GenerationInProgressError,
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
} from './result-errors.js';

/** Every refusal a service answers: the metering service's, and the generation workflow's. */
type ServiceRefusal = GenerationError;

/**
 * What a refusal needs from the request: the reservation id the client knows a hold by, and what
 * the plan catalog calls a product (its key otherwise).
 */
type Request = { readonly reservationId?: string; readonly productName?: (product: string) => string };

/**
 * The one mapping of the services' refusals to the API's typed errors, a line per code. The
 * ledger knows a reservation as a hold, a plan key as a plan id, and a client's idempotency key as
 * the ledger key it scopes (see `ledgerKeyOf`); a quote of another account is, to the caller, no
 * quote at all.
 */
const RESULT_ERROR_OF: { readonly [Code in ServiceRefusal['code']]: (refusal: Extract<ServiceRefusal, { code: Code }>, request: Request) => ResultError } = {
  VALIDATION_ERROR: ({ field, message }) => new InvalidInputError({ field, problem: message }),
  ACCOUNT_NOT_FOUND: () => new AccountNotFoundError({}),
  UNKNOWN_FEATURE: ({ feature }) => new UnknownFeatureError({ feature }),
  INVALID_PARAMETER: ({ feature, parameter, message }) => new InvalidParameterError({ feature, parameter, problem: message }),
  UNKNOWN_PLAN: ({ planId }) => new UnknownPlanError({ planKey: planId }),
  PLAN_OF_ANOTHER_PRODUCT: ({ currentPlanId, currentProduct, planId, product }, { productName = (key) => key }) =>
    new PlanOfAnotherProductError({
      currentPlanKey: currentPlanId,
      currentProduct,
      planKey: planId,
      product,
      productNames: { current: productName(currentProduct), asked: productName(product) },
    }),
  QUOTE_NOT_FOUND: ({ quoteId }) => new QuoteNotFoundError({ quoteId }),
  QUOTE_EXPIRED: ({ quoteId, expiredAt }) => new QuoteExpiredError({ quoteId, expiredAt }),
  QUOTE_MISMATCH: ({ quoteId, field }) =>
    field === 'accountId' ? new QuoteNotFoundError({ quoteId }) : new QuoteMismatchError({ quoteId, mismatch: field === 'feature' ? 'FEATURE' : 'PARAMETERS' }),
  INSUFFICIENT_CREDITS: ({ meter, needed, available, resetsAt, limit, freesAt, upgrade }) =>
    new InsufficientCreditsError({ meter, needed, available, resetsAt, limit, freesAt, upgrade: upgrade ?? null }),
  MEMBER_CAP_EXCEEDED: ({ meter, cap, used, needed }) => new MemberCapExceededError({ meter, cap, used, needed }),
  HOLD_NOT_FOUND: ({ holdId }, request) => new ReservationNotFoundError({ reservationId: request.reservationId ?? holdId }),
  COMMIT_EXCEEDS_HOLD: ({ meter, held, requested }) => new CommitExceedsReservationError({ meter, held, requested }),
  IDEMPOTENCY_KEY_REUSED: ({ idempotencyKey }) => new IdempotencyKeyReusedError({ idempotencyKey: clientKeyOf(idempotencyKey) }),
  CREDIT_LIMIT_EXCEEDED: ({ meter, figure, limit }) => new CreditLimitExceededError({ meter, figure, limit }),
  LIMIT_REACHED: ({ what, limit }) => new LimitReachedError({ what, limit }),
  GENERATION_FAILED: ({ generationId, stage, reason, message, charged, accountId, balances }) =>
    new GenerationFailedError({ generationId, stage, reason, problem: message, charged: meterAmountList(charged), accountId: accountGlobalId(accountId), balances: balancesOfAccount(accountId, balances) }),
  GENERATION_IN_PROGRESS: ({ generationId }) => new GenerationInProgressError({ generationId }),
};

/** The typed error a resolver throws for a service's refusal. */
export function resultErrorOf(refusal: ServiceRefusal, request: Request = {}): ResultError {
  return (RESULT_ERROR_OF[refusal.code] as (refusal: ServiceRefusal, request: Request) => ResultError)(refusal, request);
}
