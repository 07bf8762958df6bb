import type { UpgradeHint } from '../../generation/index.js';
import { METERS, type LimitedCollection, type Meter, type MeterAmounts } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum, PlanRef, planNode } from '../catalog/index.js';

/**
 * Expected refusals of writes (and of `price`) are typed members of each field's result union,
 * through the errors plugin: a resolver throws one of the classes below, listed in the field's
 * `errors.types`, and the client gets it as data. Each implements the `Error` interface, so a
 * client can always ask for `... on Error { code message }`. Anything else a resolver throws
 * stays a GraphQL error: FORBIDDEN and UNAUTHENTICATED (see ../errors.ts), or an unexpected
 * failure, masked. Messages never name an account.
 */
export const RESULT_ERROR_CODES = {
  INVALID_INPUT: 'An argument is malformed or out of range (see `field`); nothing was changed.',
  ACCOUNT_NOT_FOUND: 'No account has this id.',
  UNKNOWN_FEATURE: 'The pricing catalog has no such feature.',
  INVALID_PARAMETER: "A parameter is not one of the feature's, or its value is not allowed.",
  UNKNOWN_PLAN: 'The plan catalog has no such plan.',
  PLAN_OF_ANOTHER_PRODUCT: "The plan belongs to another product than the account's plan: a plan change stays within a product; nothing was changed.",
  QUOTE_NOT_FOUND: 'No quote with this id exists for this account (quotes are deleted a day after they expire).',
  QUOTE_EXPIRED: 'The quote can no longer be charged: ask for a new one.',
  QUOTE_MISMATCH: 'The request names another feature or other parameters than the quote.',
  INSUFFICIENT_CREDITS: 'A meter has fewer credits available than the request needs; nothing was charged or held.',
  MEMBER_CAP_EXCEEDED: "The member would go past its cap on a meter of the organization's pool.",
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was used before for a different request.',
  RESERVATION_NOT_FOUND: 'No open reservation that the caller may settle has this id: it was committed, released or has expired, or is not its own (the same answer either way).',
  COMMIT_EXCEEDS_RESERVATION: 'More was committed on a meter than the reservation holds.',
  LIMIT_REACHED: 'The account already keeps as many open reservations (in all, or of this caller), grants or pool members as it may; nothing was changed.',
  CREDIT_LIMIT_EXCEEDED: "The write would take a meter's credits (available and reserved) or its usage this period past the largest balance an account may have; nothing was changed.",
  GENERATION_FAILED: 'The generation failed; `charged` says what the failure cost.',
  GENERATION_IN_PROGRESS: 'Another request with this idempotency key is still generating: retry shortly for its result.',
} as const;
export type ResultErrorCode = keyof typeof RESULT_ERROR_CODES;

/** The base of every typed refusal. */
export abstract class ResultError extends Error {
  abstract readonly code: ResultErrorCode;
}

const METER_LABELS: Record<Meter, string> = { AI_CREDITS: 'AI credits', VIDEO_GENERATIONS: 'video generations' };

export function meterLabel(meter: Meter): string {
  return METER_LABELS[meter];
}

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'What went wrong, for programs; `message` says it for people.',
  values: Object.fromEntries(Object.entries(RESULT_ERROR_CODES).map(([code, description]) => [code, { description }])) as Record<
    ResultErrorCode,
    { description: string }
  >,
});

export const ErrorInterface = builder.interfaceRef<ResultError>('Error').implement({
  description: 'An expected refusal, answered as data: nothing was changed unless the type says otherwise.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    message: t.exposeString('message', { description: 'For people; never names an account.' }),
  }),
});

export type MeterAmount = { readonly meter: Meter; readonly amount: number };

/** The meters an amount names, in the fixed meter order. */
export function meterAmountList(amounts: MeterAmounts): MeterAmount[] {
  return METERS.flatMap((meter) => {
    const amount = amounts[meter];
    return amount === undefined ? [] : [{ meter, amount }];
  });
}

export const MeterAmountRef = builder.objectRef<MeterAmount>('MeterAmount').implement({
  description: 'A number of credits on one meter.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    amount: t.exposeInt('amount'),
  }),
});

export class InvalidInputError extends ResultError {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.INVALID_INPUT,
  fields: (t) => ({ field: t.exposeString('field', { description: 'The input field at fault, e.g. `amount` or `amounts.1.amount`.' }) }),
});

export class AccountNotFoundError extends ResultError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  constructor() {
    super('No account has this id.');
  }
}

builder.objectType(AccountNotFoundError, {
  name: 'AccountNotFoundError',
  interfaces: [ErrorInterface],
  description: `${RESULT_ERROR_CODES.ACCOUNT_NOT_FOUND} Only a service can meet it: an account opens on its owner's first request.`,
  fields: () => ({}),
});

export class UnknownFeatureError extends ResultError {
  readonly code = 'UNKNOWN_FEATURE';
  constructor(readonly feature: string) {
    super(`The pricing catalog has no feature "${feature}".`);
  }
}

builder.objectType(UnknownFeatureError, {
  name: 'UnknownFeatureError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.UNKNOWN_FEATURE,
  fields: (t) => ({ feature: t.exposeString('feature') }),
});

export class InvalidParameterError extends ResultError {
  readonly code = 'INVALID_PARAMETER';
  constructor(
    readonly feature: string,
    readonly parameter: string,
    problem: string,
  ) {
    super(`${parameter} ${problem}`);
  }
}

builder.objectType(InvalidParameterError, {
  name: 'InvalidParameterError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.INVALID_PARAMETER,
  fields: (t) => ({ feature: t.exposeString('feature'), parameter: t.exposeString('parameter') }),
});

export class UnknownPlanError extends ResultError {
  readonly code = 'UNKNOWN_PLAN';
  constructor(readonly planKey: string) {
    super(`The plan catalog has no plan "${planKey}".`);
  }
}

builder.objectType(UnknownPlanError, {
  name: 'UnknownPlanError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.UNKNOWN_PLAN,
  fields: (t) => ({ planKey: t.exposeString('planKey', { description: 'The plan key asked for.' }) }),
});

export class PlanOfAnotherProductError extends ResultError {
  readonly code = 'PLAN_OF_ANOTHER_PRODUCT';
  constructor(
    readonly currentPlanKey: string,
    readonly currentProduct: string,
    readonly planKey: string,
    readonly product: string,
  ) {
    super(`The plan "${planKey}" is a plan of ${product}, and the account's plan "${currentPlanKey}" of ${currentProduct}: a plan change stays within a product.`);
  }
}

builder.objectType(PlanOfAnotherProductError, {
  name: 'PlanOfAnotherProductError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.PLAN_OF_ANOTHER_PRODUCT,
  fields: (t) => ({
    currentPlanKey: t.exposeString('currentPlanKey', { description: "The key of the account's plan." }),
    currentProduct: t.exposeString('currentProduct', { description: "The product of the account's plan." }),
    planKey: t.exposeString('planKey', { description: 'The plan key asked for.' }),
    product: t.exposeString('product', { description: 'The product of the plan asked for.' }),
  }),
});

export class QuoteNotFoundError extends ResultError {
  readonly code = 'QUOTE_NOT_FOUND';
  constructor(readonly quoteId: string) {
    super('No quote with this id exists for this account.');
  }
}

builder.objectType(QuoteNotFoundError, {
  name: 'QuoteNotFoundError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.QUOTE_NOT_FOUND,
  fields: (t) => ({ quoteId: t.exposeID('quoteId') }),
});

export class QuoteExpiredError extends ResultError {
  readonly code = 'QUOTE_EXPIRED';
  constructor(
    readonly quoteId: string,
    readonly expiredAt: Date,
  ) {
    super(`The quote expired at ${expiredAt.toISOString()}: ask for a new one.`);
  }
}

builder.objectType(QuoteExpiredError, {
  name: 'QuoteExpiredError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.QUOTE_EXPIRED,
  fields: (t) => ({
    quoteId: t.exposeID('quoteId'),
    expiredAt: t.field({ type: 'DateTime', resolve: (error) => error.expiredAt }),
  }),
});

const QuoteFieldEnum = builder.enumType('QuoteField', {
  description: 'What a request changed from the quote it names.',
  values: { FEATURE: { description: 'Another feature.' }, PARAMETERS: { description: 'Other parameters.' } },
});

export class QuoteMismatchError extends ResultError {
  readonly code = 'QUOTE_MISMATCH';
  constructor(
    readonly quoteId: string,
    readonly mismatch: 'FEATURE' | 'PARAMETERS',
  ) {
    super(`The request names ${mismatch === 'FEATURE' ? 'another feature' : 'other parameters'} than the quote: leave them out, or ask for a new quote.`);
  }
}

builder.objectType(QuoteMismatchError, {
  name: 'QuoteMismatchError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.QUOTE_MISMATCH,
  fields: (t) => ({ quoteId: t.exposeID('quoteId'), mismatch: t.field({ type: QuoteFieldEnum, resolve: (error) => error.mismatch }) }),
});

/** What the plan of an upgrade hint gives on the meter, e.g. "1000 AI credits a month". */
function upgradeOffer(hint: UpgradeHint): string {
  return hint.unlimited ? `unlimited ${meterLabel(hint.meter)}` : `${hint.allowance} ${meterLabel(hint.meter)} a ${hint.period === 'DAY' ? 'day' : 'month'}`;
}

const UpgradeHintRef = builder.objectRef<UpgradeHint>('UpgradeHint').implement({
  description: 'The next plan that would have more of a meter the account ran out of.',
  fields: (t) => ({
    message: t.string({ description: 'For people, e.g. "Upgrade to Rheos Pro for 1000 AI credits a month."', resolve: (hint) => `Upgrade to ${hint.name} for ${upgradeOffer(hint)}.` }),
    plan: t.field({
      type: PlanRef,
      resolve: (hint, _args, context) => {
        const node = planNode(context.services.catalogs.plans, hint.planId);
        if (!node) throw new Error(`plan ${hint.planId} left the catalog`);
        return node;
      },
    }),
  }),
});

export class InsufficientCreditsError extends ResultError {
  readonly code = 'INSUFFICIENT_CREDITS';
  constructor(
    readonly meter: Meter,
    readonly needed: number,
    readonly available: number,
    readonly resetsAt: Date,
    readonly upgrade: UpgradeHint | null,
  ) {
    const upgradeText = upgrade ? ` Or upgrade to ${upgrade.name} for ${upgradeOffer(upgrade)}.` : '';
    super(`Not enough ${meterLabel(meter)}: ${needed} needed, ${available} available. The allowance resets at ${resetsAt.toISOString()}.${upgradeText}`);
  }
}

builder.objectType(InsufficientCreditsError, {
  name: 'InsufficientCreditsError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.INSUFFICIENT_CREDITS,
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (error) => error.meter }),
    needed: t.exposeInt('needed'),
    available: t.exposeInt('available'),
    resetsAt: t.field({ type: 'DateTime', description: "When the meter's allowance resets.", resolve: (error) => error.resetsAt }),
    upgrade: t.field({
      type: UpgradeHintRef,
      nullable: true,
      description: 'The next plan with more of the meter, for an upgrade prompt; null when no plan has more.',
      resolve: (error) => error.upgrade,
    }),
  }),
});

export class MemberCapExceededError extends ResultError {
  readonly code = 'MEMBER_CAP_EXCEEDED';
  constructor(
    readonly meter: Meter,
    readonly cap: number,
    readonly used: number,
    readonly needed: number,
  ) {
    super(`This would take the member past its cap of ${cap} ${meterLabel(meter)} this period (${used} used or held, ${needed} needed).`);
  }
}

builder.objectType(MemberCapExceededError, {
  name: 'MemberCapExceededError',
  interfaces: [ErrorInterface],
  description: `${RESULT_ERROR_CODES.MEMBER_CAP_EXCEEDED} The pool may still have credits.`,
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (error) => error.meter }),
    cap: t.exposeInt('cap'),
    used: t.exposeInt('used', { description: 'What the member used this period, and holds.' }),
    needed: t.exposeInt('needed'),
  }),
});

export class IdempotencyKeyReusedError extends ResultError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(readonly idempotencyKey: string) {
    super('The idempotency key was used before for a different request: use a new key for a new request.');
  }
}

builder.objectType(IdempotencyKeyReusedError, {
  name: 'IdempotencyKeyReusedError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
  fields: (t) => ({ idempotencyKey: t.exposeString('idempotencyKey') }),
});

export class ReservationNotFoundError extends ResultError {
  readonly code = 'RESERVATION_NOT_FOUND';
  constructor(readonly reservationId: string) {
    super('No open reservation that you may settle has this id: it was committed, released or has expired, or another member made it.');
  }
}

builder.objectType(ReservationNotFoundError, {
  name: 'ReservationNotFoundError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.RESERVATION_NOT_FOUND,
  fields: (t) => ({ reservationId: t.exposeID('reservationId') }),
});

const CreditFigureEnum = builder.enumType('CreditFigure', {
  values: {
    CREDITS: { description: "The meter's credits: available and reserved." },
    USED: { description: "The meter's usage this period." },
  },
});

export class CreditLimitExceededError extends ResultError {
  readonly code = 'CREDIT_LIMIT_EXCEEDED';
  constructor(
    readonly meter: Meter,
    readonly figure: 'CREDITS' | 'USED',
    readonly limit: number,
  ) {
    const what = figure === 'CREDITS' ? 'credits' : 'usage this period';
    super(`This would take the ${meterLabel(meter)} ${what} past ${limit.toLocaleString('en-US')}, the most an account may have; nothing was changed.`);
  }
}

builder.objectType(CreditLimitExceededError, {
  name: 'CreditLimitExceededError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.CREDIT_LIMIT_EXCEEDED,
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (error) => error.meter }),
    figure: t.field({ type: CreditFigureEnum, resolve: (error) => error.figure }),
    limit: t.exposeInt('limit'),
  }),
});

const LimitedCollectionEnum = builder.enumType('LimitedCollection', {
  values: {
    OPEN_HOLDS: { description: 'Open reservations of the account, generations included.' },
    HOLDER_OPEN_HOLDS: { description: 'Open reservations of one caller (or of one member\'s generations): settle or release some first.' },
    GRANTS: { description: 'Live grants of credits (top-ups, adjustments): they go when spent or expired.' },
    MEMBERS: { description: 'Members of the pool with usage or a cap this period.' },
  } satisfies Record<LimitedCollection, { description: string }>,
});

export class LimitReachedError extends ResultError {
  readonly code = 'LIMIT_REACHED';
  constructor(
    readonly what: LimitedCollection,
    readonly limit: number,
  ) {
    super(`The account already keeps ${limit} ${LIMITED_COLLECTION_NAMES[what]}, the most it may: nothing was changed.`);
  }
}

const LIMITED_COLLECTION_NAMES: Record<LimitedCollection, string> = {
  OPEN_HOLDS: 'open reservations',
  HOLDER_OPEN_HOLDS: 'open reservations of this caller',
  GRANTS: 'live grants',
  MEMBERS: 'pool members',
};

builder.objectType(LimitReachedError, {
  name: 'LimitReachedError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.LIMIT_REACHED,
  fields: (t) => ({
    what: t.field({ type: LimitedCollectionEnum, resolve: (error) => error.what }),
    limit: t.exposeInt('limit'),
  }),
});

export class CommitExceedsReservationError extends ResultError {
  readonly code = 'COMMIT_EXCEEDS_RESERVATION';
  constructor(
    readonly meter: Meter,
    readonly held: number,
    readonly requested: number,
  ) {
    super(`Cannot commit ${requested} ${meterLabel(meter)}: the reservation holds ${held}.`);
  }
}

builder.objectType(CommitExceedsReservationError, {
  name: 'CommitExceedsReservationError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.COMMIT_EXCEEDS_RESERVATION,
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (error) => error.meter }),
    held: t.exposeInt('held', { description: 'What the reservation holds on the meter.' }),
    requested: t.exposeInt('requested'),
  }),
});
