import { INPUT_LIMITS, type EntryMetadata, type Meter, type MeterAmounts, type PricedRequest } from '../../ledger/index.js';
import type { Written } from '../../metering/index.js';
import { authorize, canSettleAnyReservation, canSpendFrom } from '../accounts/access.js';
import { spenderOn } from '../accounts/spenders.js';
import { accountKey, ReservationRef } from '../billing/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import type { Context } from '../context.js';
import {
  accountIdOf,
  assetIdOf,
  boundedText,
  callerIdOf,
  catalogFeatureOf,
  entryMetadataOf,
  ledgerKeyOf,
  meterAmountsOf,
  positiveCredits,
  pricingParametersOf,
  recordedFeatureOf,
  reservationGlobalId,
  reservationOf,
  sessionIdOf,
} from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  CommitExceedsReservationError,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  InvalidParameterError,
  LimitReachedError,
  MeterAmountRef,
  QuoteExpiredError,
  QuoteMismatchError,
  QuoteNotFoundError,
  ReservationNotFoundError,
  UnknownFeatureError,
  meterAmountList,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
} from '../results/index.js';
import { attributionFields } from './attribution.js';
import { SPENDING_REFUSALS, withinSpendLimit } from './spend-limit.js';

const ReserveCreditsInput = builder.inputType('ReserveCreditsInput', {
  description: [
    'Credits to set aside before slow work, in one of two forms:',
    '- priced: `feature` with its `parameters`, or `quoteId` (with or without `feature`): the catalog price, or exactly the quoted one;',
    '- raw: `meter` and `amount`, where `feature` only records what the credits are for, as in `consumeCredits`.',
  ].join('\n'),
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account to reserve on: any for a service, the drawing account for a member.' }),
    idempotencyKey: t.string({ required: true, description: 'Names this request: a retry with the same key returns the first reservation.' }),
    feature: t.string({ description: 'Priced: the catalog feature to reserve the price of. Raw: what the credits are for.' }),
    parameters: t.field({ type: 'JSON', description: "Priced: the feature's parameters, e.g. `{ \"resolution\": \"HD\", \"count\": 2 }`." }),
    quoteId: t.id({ description: 'Priced: reserve exactly the price of this quote of the account, while it is valid.' }),
    meter: t.field({ type: MeterEnum, description: 'Raw: the meter to reserve on.' }),
    amount: t.int({ description: 'Raw: a positive number of credits.' }),
    memberId: t.id({ description: attributionFields.memberId }),
    sessionId: t.string({ description: attributionFields.sessionId }),
    assetId: t.string({ description: attributionFields.assetId }),
    metadata: t.field({ type: 'JSON', description: attributionFields.metadata }),
  }),
});

type Reserved = AccountPayload & { readonly holdId: string; readonly reservationId: string; readonly reserved: MeterAmounts; readonly expiresAt: Date };

const ReserveCreditsSuccessRef = builder.objectRef<Reserved>('ReserveCreditsSuccess').implement({
  description: "The credits are held: no longer available, not yet used. Commit or release the reservation before `expiresAt`, when it is released by itself.",
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    reservationId: t.exposeID('reservationId', { description: 'What `commitReservation` and `releaseReservation` take.' }),
    reserved: t.field({ type: [MeterAmountRef], resolve: ({ reserved }) => meterAmountList(reserved) }),
    expiresAt: t.field({ type: 'DateTime', resolve: ({ expiresAt }) => expiresAt }),
    reservation: t.field({
      type: ReservationRef,
      nullable: true,
      description: 'The reservation as it is now (settled already, if a retry answers after it was).',
      resolve: ({ accountId, holdId }) => accountKey(accountId, holdId),
    }),
  }),
});

type ReserveArgs = {
  feature?: string | null;
  parameters?: unknown;
  quoteId?: string | null;
  meter?: Meter | null;
  amount?: number | null;
  metadata?: unknown;
};

/**
 * What a reservation is priced by: a quote, a feature's catalog price, or a raw amount on a meter.
 * A quote is looked up by the ledger after the idempotency key, so a retry replays even once the
 * quote is gone.
 */
function reservationPrice(context: Context, input: ReserveArgs): PricedRequest & { metadata: EntryMetadata } {
  const { meter, amount } = input;
  const metadata = entryMetadataOf(input.metadata);
  if (meter !== null && meter !== undefined && amount !== null && amount !== undefined) {
    for (const field of ['parameters', 'quoteId'] as const) {
      if (input[field] !== null && input[field] !== undefined) throw new InvalidInputError({ field, problem: 'does not go with `meter` and `amount`' });
    }
    return { feature: recordedFeatureOf(context.services.catalogs.pricing, input.feature), amounts: { [meter]: positiveCredits('amount', amount) }, metadata };
  }
  if (meter !== null && meter !== undefined) throw new InvalidInputError({ field: 'amount', problem: 'is required with `meter`' });
  if (amount !== null && amount !== undefined) throw new InvalidInputError({ field: 'meter', problem: 'is required with `amount`' });
  const feature = input.feature === null || input.feature === undefined ? undefined : catalogFeatureOf(context.services.catalogs.pricing, input.feature);
  const parameters = pricingParametersOf(feature ?? 'the quoted feature', input.parameters);
  if (input.quoteId !== null && input.quoteId !== undefined) return { quoteId: boundedText('quoteId', input.quoteId, INPUT_LIMITS.quoteId), feature, parameters, metadata };
  if (feature === undefined) {
    throw new InvalidInputError({ field: 'feature', problem: 'give a `feature` or a `quoteId` to reserve a price, or a `meter` and an `amount`' });
  }
  return { feature, parameters, metadata };
}

builder.mutationField('reserveCredits', (t) =>
  t.field({
    type: ReserveCreditsSuccessRef,
    nullable: true,
    description: 'Metering API: holds credits before slow work, all meters or none; commit what the work used, or release it. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: ReserveCreditsInput, required: true }) },
    errors: {
      types: [
        InvalidInputError,
        UnknownFeatureError,
        InvalidParameterError,
        QuoteNotFoundError,
        QuoteExpiredError,
        QuoteMismatchError,
        ...SPENDING_REFUSALS,
        AccountNotFoundError,
      ],
      directResult: true,
      union: { name: 'ReserveCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const accountId = accountIdOf(input.accountId);
      const { viewer, memberId } = spenderOn(context, accountId, input.memberId);
      const { metering } = context.services;
      const request = {
        idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
        owner: { type: 'CALLER' as const, callerId: callerIdOf(viewer) },
        ...reservationPrice(context, input),
        memberId,
        sessionId: sessionIdOf(input.sessionId),
        assetId: assetIdOf(input.assetId),
      };
      const outcome = await withinSpendLimit(context, viewer, {
        applied: () => metering.remembersKey(accountId, request.idempotencyKey),
        spend: () => metering.reserveCredits(accountId, request),
      });
      if (!outcome.ok) throw resultErrorOf(outcome.error);
      return {
        ...payloadOf(accountId, outcome),
        holdId: outcome.holdId,
        reservationId: reservationGlobalId(accountId, outcome.holdId),
        reserved: outcome.held,
        expiresAt: outcome.expiresAt,
      };
    },
  }),
);

type Settled = AccountPayload & Pick<Written<'HOLD_SETTLED'>, 'holdId' | 'committed' | 'released' | 'expired'>;

const settledFields = {
  released: 'Credits given back to the balance.',
  expired: 'Credits given back to grants that had expired while they were held: gone.',
};

const CommitReservationSuccessRef = builder.objectRef<Settled>('CommitReservationSuccess').implement({
  description: 'The reservation is settled: `committed` is used, the rest went back.',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    committed: t.field({ type: [MeterAmountRef], description: 'Credits consumed.', resolve: ({ committed }) => meterAmountList(committed) }),
    reservation: t.field({ type: ReservationRef, nullable: true, description: 'The reservation, now settled.', resolve: ({ accountId, holdId }) => accountKey(accountId, holdId) }),
    released: t.field({ type: [MeterAmountRef], description: settledFields.released, resolve: ({ released }) => meterAmountList(released) }),
    expired: t.field({ type: [MeterAmountRef], description: settledFields.expired, resolve: ({ expired }) => meterAmountList(expired) }),
  }),
});

const ReleaseReservationSuccessRef = builder.objectRef<Settled>('ReleaseReservationSuccess').implement({
  description: 'The reservation is released: nothing was consumed.',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    reservation: t.field({ type: ReservationRef, nullable: true, description: 'The reservation, now settled.', resolve: ({ accountId, holdId }) => accountKey(accountId, holdId) }),
    released: t.field({ type: [MeterAmountRef], description: settledFields.released, resolve: ({ released }) => meterAmountList(released) }),
    expired: t.field({ type: [MeterAmountRef], description: settledFields.expired, resolve: ({ expired }) => meterAmountList(expired) }),
  }),
});

const MeterAmountInput = builder.inputType('MeterAmountInput', {
  fields: (t) => ({ meter: t.field({ type: MeterEnum, required: true }), amount: t.int({ required: true }) }),
});

const CommitReservationInput = builder.inputType('CommitReservationInput', {
  fields: (t) => ({
    reservationId: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: 'Names this request: a retry with the same key returns the first result.' }),
    amounts: t.field({
      type: [MeterAmountInput],
      description: 'What the work used, per meter, at most what is reserved; a meter left out uses nothing. Omitted: everything reserved.',
    }),
    metadata: t.field({ type: 'JSON', description: attributionFields.metadata }),
  }),
});

const ReleaseReservationInput = builder.inputType('ReleaseReservationInput', {
  fields: (t) => ({
    reservationId: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: 'Names this request: a retry with the same key returns the first result.' }),
    metadata: t.field({ type: 'JSON', description: attributionFields.metadata }),
  }),
});

/** Settles the reservation `reservationId` names, on its account, if the caller may spend from it. */
async function settle(
  context: Context,
  input: { reservationId: string; idempotencyKey: string; metadata?: unknown; amounts?: readonly { meter: Meter; amount: number }[] | null },
  type: 'COMMIT' | 'RELEASE',
): Promise<Settled> {
  const { accountId, holdId } = reservationOf(input.reservationId);
  const viewer = authorize(context, (caller) => canSpendFrom(caller, accountId));
  // A plain member settles its own reservations; a service any, an admin any of its organization's pool.
  const settler = { type: 'CALLER' as const, callerId: callerIdOf(viewer), anyCaller: canSettleAnyReservation(viewer, accountId) };
  const common = { idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey), holdId, settler, metadata: entryMetadataOf(input.metadata) };
  const { metering } = context.services;
  const outcome =
    type === 'COMMIT'
      ? await metering.commitReservation(accountId, { ...common, amounts: input.amounts ? meterAmountsOf('amounts', input.amounts) : undefined })
      : await metering.releaseReservation(accountId, common);
  if (!outcome.ok) throw resultErrorOf(outcome.error, { reservationId: input.reservationId });
  const { committed, released, expired } = outcome;
  return { ...payloadOf(accountId, outcome), holdId, committed, released, expired };
}

builder.mutationField('commitReservation', (t) =>
  t.field({
    type: CommitReservationSuccessRef,
    nullable: true,
    description: 'Metering API: consumes all or part of a reservation and releases the rest. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: CommitReservationInput, required: true }) },
    errors: {
      types: [InvalidInputError, ReservationNotFoundError, CommitExceedsReservationError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'CommitReservationResult' },
    },
    resolve: (_root, { input }, context) => settle(context, input, 'COMMIT'),
  }),
);

builder.mutationField('releaseReservation', (t) =>
  t.field({
    type: ReleaseReservationSuccessRef,
    nullable: true,
    description: 'Metering API: gives a reservation back, consuming nothing. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: ReleaseReservationInput, required: true }) },
    errors: {
      types: [InvalidInputError, ReservationNotFoundError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'ReleaseReservationResult' },
    },
    resolve: (_root, { input }, context) => settle(context, input, 'RELEASE'),
  }),
);
