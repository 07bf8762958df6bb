import type { FailureStage } from '../../generation/index.js';
import type { LimitedCollection, Meter, SpendingLimit } from '../../ledger/index.js';
import type { UpgradeHint } from '../../metering/index.js';
import { MeterBalanceRef, type AccountMeterBalance } from '../balances/meter-balance.js';
import { builder } from '../builder.js';
import { MeterEnum, PlanRef, requirePlanNode } from '../catalog/index.js';
import { MeterAmountRef, meterLabel, type MeterAmount } from './meter-amounts.js';
import { resultError } from './result-error.js';
import { countText, instantText } from './wording.js';

/** Every typed refusal of the API, one declaration each: its code, its data, its message. */

export const InvalidInputError = resultError('INVALID_INPUT', {
  name: 'InvalidInputError',
  message: ({ field, problem }: { field: string; problem: string }) => `${field}: ${problem}`,
  fields: { field: { type: 'String', description: 'The input field at fault, e.g. `amount` or `amounts.1.amount`.' } },
});

export const AccountNotFoundError = resultError('ACCOUNT_NOT_FOUND', {
  name: 'AccountNotFoundError',
  message: () => 'No account has this id.',
  fields: {},
  note: "Only a service can meet it: an account opens on its owner's first request.",
});

export const UnknownFeatureError = resultError('UNKNOWN_FEATURE', {
  name: 'UnknownFeatureError',
  message: ({ feature }: { feature: string }) => `The pricing catalog has no feature "${feature}".`,
  fields: { feature: 'String' },
});

export const InvalidParameterError = resultError('INVALID_PARAMETER', {
  name: 'InvalidParameterError',
  message: ({ parameter, problem }: { feature: string; parameter: string; problem: string }) => `${parameter} ${problem}`,
  fields: { feature: 'String', parameter: 'String' },
});

export const UnknownPlanError = resultError('UNKNOWN_PLAN', {
  name: 'UnknownPlanError',
  message: ({ planKey }: { planKey: string }) => `The plan catalog has no plan "${planKey}".`,
  fields: { planKey: { type: 'String', description: 'The plan key asked for.' } },
});

export const PlanOfAnotherProductError = resultError('PLAN_OF_ANOTHER_PRODUCT', {
  name: 'PlanOfAnotherProductError',
  message: ({
    currentPlanKey,
    planKey,
    productNames,
  }: {
    currentPlanKey: string;
    currentProduct: string;
    planKey: string;
    product: string;
    productNames: { readonly current: string; readonly asked: string };
  }) => `The plan "${planKey}" is a plan of ${productNames.asked}, and the account's plan "${currentPlanKey}" of ${productNames.current}: a plan change stays within a product.`,
  fields: {
    currentPlanKey: { type: 'String', description: "The key of the account's plan." },
    currentProduct: { type: 'String', description: "The product of the account's plan." },
    planKey: { type: 'String', description: 'The plan key asked for.' },
    product: { type: 'String', description: 'The product of the plan asked for.' },
  },
});

export const QuoteNotFoundError = resultError('QUOTE_NOT_FOUND', {
  name: 'QuoteNotFoundError',
  message: (_data: { quoteId: string }) => 'No quote with this id exists for this account.',
  fields: { quoteId: 'ID' },
});

export const QuoteExpiredError = resultError('QUOTE_EXPIRED', {
  name: 'QuoteExpiredError',
  message: ({ expiredAt }: { quoteId: string; expiredAt: Date }) => `The quote expired on ${instantText(expiredAt)}: ask for a new one.`,
  fields: { quoteId: 'ID', expiredAt: 'DateTime' },
});

const QuoteFieldEnum = builder.enumType('QuoteField', {
  description: 'What a request changed from the quote it names.',
  values: { FEATURE: { description: 'Another feature.' }, PARAMETERS: { description: 'Other parameters.' } },
});

export const QuoteMismatchError = resultError('QUOTE_MISMATCH', {
  name: 'QuoteMismatchError',
  message: ({ mismatch }: { quoteId: string; mismatch: 'FEATURE' | 'PARAMETERS' }) =>
    `The request names ${mismatch === 'FEATURE' ? 'another feature' : 'other parameters'} than the quote: leave them out, or ask for a new quote.`,
  fields: { quoteId: 'ID', mismatch: QuoteFieldEnum },
});

/** What the plan of an upgrade hint gives on the meter, e.g. "1000 AI credits a month". */
function upgradeOffer(hint: UpgradeHint): string {
  return hint.unlimited ? `unlimited ${meterLabel(hint.meter)}` : `${countText(hint.allowance)} ${meterLabel(hint.meter)} a ${hint.period === 'DAY' ? 'day' : 'month'}`;
}

const UpgradeHintRef = builder.objectRef<UpgradeHint>('UpgradeHint').implement({
  description: 'The next plan that would have more of a meter the account ran out of.',
  fields: (t) => ({
    message: t.string({ description: 'For people, e.g. "Upgrade to Rheos Pro for 1,000 AI credits a month."', resolve: (hint) => `Upgrade to ${hint.name} for ${upgradeOffer(hint)}.` }),
    plan: t.field({
      type: PlanRef,
      resolve: (hint, _args, context) => requirePlanNode(context, hint.planId),
    }),
  }),
});

const SpendingLimitEnum = builder.enumType('SpendingLimit', {
  description: "Which of a meter's layered limits refused.",
  values: {
    PERIOD: { description: "The meter's credits this period (allowance, rollover and top-ups): they start afresh at the meter's reset." },
    DAILY: { description: "The meter's daily limit inside its period: it starts afresh at midnight in the account's time zone." },
  } satisfies Record<SpendingLimit, { description: string }>,
});

type InsufficientCredits = { meter: Meter; needed: number; available: number; resetsAt: Date; limit: SpendingLimit; freesAt: Date | null; upgrade: UpgradeHint | null };

export const InsufficientCreditsError = resultError('INSUFFICIENT_CREDITS', {
  name: 'InsufficientCreditsError',
  message: ({ meter, needed, available, resetsAt, limit, freesAt, upgrade }: InsufficientCredits) =>
    limit === 'DAILY'
      ? `Not enough ${meterLabel(meter)} left today: ${countText(needed)} needed, ${countText(available)} left under the daily limit.` +
        (freesAt ? ` The day's limit frees up on ${instantText(freesAt)}.` : ' That is more than the daily limit allows in a day.')
      : `Not enough ${meterLabel(meter)}: ${countText(needed)} needed, ${countText(available)} available.` +
        (freesAt === null
          ? " That is more than the meter's periods will ever give."
          : freesAt.getTime() === resetsAt.getTime()
            ? ` The allowance resets on ${instantText(resetsAt)}.`
            : ` Enough is available again on ${instantText(freesAt)}.`) +
        (upgrade ? ` Or upgrade to ${upgrade.name} for ${upgradeOffer(upgrade)}.` : ''),
  fields: {
    meter: MeterEnum,
    needed: 'Int',
    available: { type: 'Int', description: 'What the refusing limit still allows: the credits available (PERIOD), or what is left of the day (DAILY).' },
    resetsAt: { type: 'DateTime', description: "When the meter's allowance resets." },
    limit: { type: SpendingLimitEnum, description: 'Which limit refused: the period\'s credits, or the daily limit. When both would, the one that frees up later.' },
    freesAt: {
      type: 'DateTime',
      nullable: true,
      description:
        "When the same request would succeed if nothing else happened: PERIOD, the first of the meter's resets that gives enough (usually `resetsAt`); DAILY, the end of the day. Null when that never comes: more than the daily limit, or than any period of the meter gives.",
    },
    upgrade: { type: UpgradeHintRef, nullable: true, description: 'The next plan with more of the meter, for an upgrade prompt; null when no plan has more.' },
  },
});

export const MemberCapExceededError = resultError('MEMBER_CAP_EXCEEDED', {
  name: 'MemberCapExceededError',
  message: ({ meter, cap, used, needed }: { meter: Meter; cap: number; used: number; needed: number }) =>
    `This would take the member past its cap of ${countText(cap)} ${meterLabel(meter)} this period (${countText(used)} used or held, ${countText(needed)} needed).`,
  fields: { meter: MeterEnum, cap: 'Int', used: { type: 'Int', description: 'What the member used this period, and holds.' }, needed: 'Int' },
  note: 'The pool may still have credits.',
});

export const IdempotencyKeyReusedError = resultError('IDEMPOTENCY_KEY_REUSED', {
  name: 'IdempotencyKeyReusedError',
  message: (_data: { idempotencyKey: string }) => 'The idempotency key was used before for a different request: use a new key for a new request.',
  fields: { idempotencyKey: 'String' },
});

export const ReservationNotFoundError = resultError('RESERVATION_NOT_FOUND', {
  name: 'ReservationNotFoundError',
  message: (_data: { reservationId: string }) =>
    'No open reservation that you may settle has this id: it was committed, released or has expired, or another member made it.',
  fields: { reservationId: 'ID' },
});

export const CommitExceedsReservationError = resultError('COMMIT_EXCEEDS_RESERVATION', {
  name: 'CommitExceedsReservationError',
  message: ({ meter, held, requested }: { meter: Meter; held: number; requested: number }) => `Cannot commit ${countText(requested)} ${meterLabel(meter)}: the reservation holds ${countText(held)}.`,
  fields: { meter: MeterEnum, held: { type: 'Int', description: 'What the reservation holds on the meter.' }, requested: 'Int' },
});

const CreditFigureEnum = builder.enumType('CreditFigure', {
  values: {
    CREDITS: { description: "The meter's credits: available and reserved." },
    USED: { description: "The meter's usage this period." },
  },
});

export const CreditLimitExceededError = resultError('CREDIT_LIMIT_EXCEEDED', {
  name: 'CreditLimitExceededError',
  message: ({ meter, figure, limit }: { meter: Meter; figure: 'CREDITS' | 'USED'; limit: number }) =>
    `This would take the account's ${meterLabel(meter)} ${figure === 'CREDITS' ? '(available and reserved)' : 'used this period'} past ${countText(limit)}, the most an account may have: nothing was changed.`,
  fields: { meter: MeterEnum, figure: CreditFigureEnum, limit: 'Int' },
});

const LimitedCollectionEnum = builder.enumType('LimitedCollection', {
  values: {
    OPEN_HOLDS: { description: 'Open reservations of the account, generations included.' },
    HOLDER_OPEN_HOLDS: { description: "Open reservations of one caller (or of one member's generations): settle or release some first." },
    GRANTS: { description: 'Live grants of credits (top-ups, adjustments): they go when spent or expired.' },
    MEMBERS: { description: 'Members of the pool with usage or a cap this period.' },
  } satisfies Record<LimitedCollection, { description: string }>,
});

const LIMITED_COLLECTION_NAMES: Record<LimitedCollection, string> = {
  OPEN_HOLDS: 'open reservations',
  HOLDER_OPEN_HOLDS: 'open reservations of this caller',
  GRANTS: 'live grants',
  MEMBERS: 'pool members',
};

export const LimitReachedError = resultError('LIMIT_REACHED', {
  name: 'LimitReachedError',
  message: ({ what, limit }: { what: LimitedCollection; limit: number }) => `The account already keeps ${countText(limit)} ${LIMITED_COLLECTION_NAMES[what]}, the most it may: nothing was changed.`,
  fields: { what: LimitedCollectionEnum, limit: 'Int' },
});

const FailureStageEnum = builder.enumType('FailureStage', {
  description: 'Where a generation failed, which decides what the failure costs.',
  values: {
    BEFORE_WORK: { description: 'The provider refused the request or never started: nothing is charged.' },
    AFTER_PROVIDER_WORK: {
      description: "The provider did billable work, then failed: each meter is charged per the feature's failure policy; a video generation never is.",
    },
  } satisfies Record<FailureStage, { description: string }>,
});

function chargeText(charged: readonly MeterAmount[]): string {
  const parts = charged.filter(({ amount }) => amount > 0);
  return parts.length === 0 ? 'Nothing was charged.' : `The failure was charged ${parts.map(({ meter, amount }) => `${countText(amount)} ${meterLabel(meter)}`).join(' and ')}.`;
}

export const GenerationFailedError = resultError('GENERATION_FAILED', {
  name: 'GenerationFailedError',
  message: ({ problem, charged }: { generationId: string; stage: FailureStage; reason: string; problem: string; charged: MeterAmount[]; accountId: string; balances: AccountMeterBalance[] }) =>
    `${problem} ${chargeText(charged)}`,
  fields: {
    generationId: 'ID',
    stage: FailureStageEnum,
    reason: { type: 'String', description: 'Why, for programs, e.g. `SIMULATED_FAILURE`, `PROVIDER_ERROR`, `HOLD_EXPIRED`.' },
    charged: { type: [MeterAmountRef], description: 'What the failure cost, per meter; empty when nothing.' },
    accountId: { type: 'ID', description: 'The account charged.' },
    balances: { type: [MeterBalanceRef], description: "The account's balances after the failure." },
  },
  note: 'A retry with the same key answers this again; a new key tries again.',
});

export const GenerationInProgressError = resultError('GENERATION_IN_PROGRESS', {
  name: 'GenerationInProgressError',
  message: (_data: { generationId: string }) => 'A generation with this idempotency key is still running: retry shortly for its result.',
  fields: { generationId: 'ID' },
});

export const RateLimitedError = resultError('RATE_LIMITED', {
  name: 'RateLimitedError',
  message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) =>
    `Too many spending requests this minute: nothing was changed. Retry in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
  fields: { retryAfterSeconds: { type: 'Int', description: 'How long to wait before a new request can be admitted.' } },
});

export const InvalidWebhookUrlError = resultError('INVALID_WEBHOOK_URL', {
  name: 'InvalidWebhookUrlError',
  message: ({ problem }: { problem: string }) => `url: ${problem.toLowerCase().replaceAll('_', ' ')}`,
  fields: { problem: { type: 'String', description: 'NOT_A_URL, UNSUPPORTED_SCHEME (not http or https), CREDENTIALS_IN_URL or TOO_LONG.' } },
});

export const WebhookDestinationRefusedError = resultError('WEBHOOK_DESTINATION_REFUSED', {
  name: 'WebhookDestinationRefusedError',
  message: ({ reason }: { reason: string }) => `url: the destination is refused (${reason.toLowerCase().replaceAll('_', ' ')}).`,
  fields: { reason: { type: 'String', description: 'LOOPBACK, PRIVATE, LINK_LOCAL, UNSPECIFIED, MULTICAST, RESERVED or UNRESOLVABLE.' } },
  note: 'Only when WEBHOOK_ALLOW_PRIVATE is false (the default in production).',
});

export const TooManyWebhookEndpointsError = resultError('TOO_MANY_WEBHOOK_ENDPOINTS', {
  name: 'TooManyWebhookEndpointsError',
  message: ({ max }: { max: number }) => `A deployment keeps at most ${max} webhook endpoints.`,
  fields: { max: 'Int' },
});

export const WebhookEndpointNotFoundError = resultError('WEBHOOK_ENDPOINT_NOT_FOUND', {
  name: 'WebhookEndpointNotFoundError',
  message: () => 'No webhook endpoint has this id.',
  fields: {},
});
