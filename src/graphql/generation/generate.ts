import type { FailureStage, GenerationError } from '../../generation/index.js';
import type { JsonValue, MeterAmounts, MeterBalance } from '../../ledger/index.js';
import { drawingAccountId } from '../accounts/access.js';
import { MeterBalanceRef } from '../balances/meter-balance.js';
import { builder } from '../builder.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';
import { accountGlobalId, featureOf, pricingParametersOf, scopedKeyOf } from '../metering/inputs.js';
import { AccountPayloadRef, type AccountPayload } from '../metering/payloads.js';
import { refusalOf } from '../metering/refusals.js';
import {
  CreditLimitExceededError,
  ErrorInterface,
  LimitReachedError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  InvalidInputError,
  InvalidParameterError,
  MemberCapExceededError,
  MeterAmountRef,
  QuoteExpiredError,
  QuoteMismatchError,
  QuoteNotFoundError,
  RESULT_ERROR_CODES,
  ResultError,
  UnknownFeatureError,
  meterAmountList,
  meterLabel,
} from '../metering/results.js';
import { organizationOf } from '../metering/spenders.js';

const FailureStageEnum = builder.enumType('FailureStage', {
  description: 'Where a generation failed, which decides what the failure costs.',
  values: {
    BEFORE_WORK: { description: 'The provider refused the request or never started: nothing is charged.' },
    AFTER_PROVIDER_WORK: {
      description: "The provider did billable work, then failed: each meter is charged per the feature's failure policy; a video generation never is.",
    },
  } satisfies Record<FailureStage, { description: string }>,
});

type Failure = Extract<GenerationError, { code: 'GENERATION_FAILED' }>;

function chargeText(charged: MeterAmounts): string {
  const parts = meterAmountList(charged).filter(({ amount }) => amount > 0);
  return parts.length === 0 ? 'Nothing was charged.' : `The failure was charged ${parts.map(({ meter, amount }) => `${amount} ${meterLabel(meter)}`).join(' and ')}.`;
}

export class GenerationFailedError extends ResultError {
  readonly code = 'GENERATION_FAILED';
  constructor(
    readonly failure: Failure,
    readonly account: { accountId: string; balances: MeterBalance[] },
  ) {
    super(`${failure.message} ${chargeText(failure.charged)}`);
  }
}

builder.objectType(GenerationFailedError, {
  name: 'GenerationFailedError',
  interfaces: [ErrorInterface],
  description: `${RESULT_ERROR_CODES.GENERATION_FAILED} A retry with the same key answers this again; a new key tries again.`,
  fields: (t) => ({
    generationId: t.id({ resolve: ({ failure }) => failure.generationId }),
    stage: t.field({ type: FailureStageEnum, resolve: ({ failure }) => failure.stage }),
    reason: t.string({ description: 'Why, for programs, e.g. `SIMULATED_FAILURE`, `PROVIDER_ERROR`, `HOLD_EXPIRED`.', resolve: ({ failure }) => failure.reason }),
    charged: t.field({ type: [MeterAmountRef], description: 'What the failure cost, per meter; empty when nothing.', resolve: ({ failure }) => meterAmountList(failure.charged) }),
    accountId: t.id({ description: 'The account charged.', resolve: ({ account }) => accountGlobalId(account.accountId) }),
    balances: t.field({ type: [MeterBalanceRef], description: "The account's balances after the failure.", resolve: ({ account }) => account.balances }),
  }),
});

export class GenerationInProgressError extends ResultError {
  readonly code = 'GENERATION_IN_PROGRESS';
  constructor(readonly generationId: string) {
    super('A generation with this idempotency key is still running: retry shortly for its result.');
  }
}

builder.objectType(GenerationInProgressError, {
  name: 'GenerationInProgressError',
  interfaces: [ErrorInterface],
  description: RESULT_ERROR_CODES.GENERATION_IN_PROGRESS,
  fields: (t) => ({ generationId: t.exposeID('generationId') }),
});

const GenerateInput = builder.inputType('GenerateInput', {
  description: "Generates with a feature of the catalog, charged to the caller's drawing account (its organization's pool, if it has one).",
  fields: (t) => ({
    feature: t.string({ required: true, description: 'The catalog feature, e.g. `image.generate`.' }),
    idempotencyKey: t.string({
      required: true,
      description: 'Names this request (e.g. a UUID): a retry with the same key returns the first result; nothing is generated or charged twice.',
    }),
    input: t.field({ type: 'JSON', required: true, description: 'What to generate from, e.g. `{ "prompt": "a red fox" }`; passed to the provider as is.' }),
    parameters: t.field({ type: 'JSON', description: "The feature's parameters, e.g. `{ \"resolution\": \"HD\", \"count\": 2 }`; with `quoteId`, the quoted ones by default." }),
    quoteId: t.id({ description: 'Charge exactly the price of this quote (`Mutation.createQuote`), while it is valid.' }),
    sessionId: t.string({ description: 'The generation session this belongs to.' }),
    assetId: t.string({ description: 'The asset this generation works on (a video, an image, a project: at most 200 characters); recorded with the entries.' }),
    step: t.string({
      description: 'A step of the session (needs `sessionId`): regenerating it with the same feature, parameters and input charges nothing (`reused`).',
    }),
  }),
});

type Generated = AccountPayload & { readonly generationId: string; readonly output: JsonValue; readonly charged: MeterAmounts; readonly reused: boolean };

const GenerationSuccessRef = builder.objectRef<Generated>('GenerationSuccess').implement({
  description: 'The generation succeeded and was charged (nothing, when `reused`).',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    generationId: t.exposeID('generationId'),
    output: t.field({ type: 'JSON', description: 'What the provider made, e.g. `{ "kind": "image", "url": "..." }`.', resolve: ({ output }) => output }),
    charged: t.field({ type: [MeterAmountRef], description: 'What the generation cost, per meter; empty when `reused`.', resolve: ({ charged }) => meterAmountList(charged) }),
    reused: t.exposeBoolean('reused', {
      description: "An unchanged step of the session, charged before: nothing was charged now, and `output` is that generation's.",
    }),
  }),
});

/** The typed error for a generation that was refused, failed, or is still running. */
async function generationError(context: Context, accountId: string, idempotencyKey: string, error: GenerationError): Promise<ResultError> {
  switch (error.code) {
    case 'GENERATION_FAILED':
      return new GenerationFailedError(error, { accountId, balances: error.balances });
    case 'GENERATION_IN_PROGRESS':
      return new GenerationInProgressError(error.generationId);
    case 'QUOTE_NOT_FOUND':
      return new QuoteNotFoundError(error.quoteId);
    case 'IDEMPOTENCY_KEY_REUSED':
      return new IdempotencyKeyReusedError(idempotencyKey);
    case 'ACCOUNT_NOT_FOUND':
      throw new Error('the caller has no drawing account, which its first request opens');
    case 'INSUFFICIENT_CREDITS':
      return refusalOf(error, { upgrade: error.upgrade });
    default:
      return refusalOf(error);
  }
}

builder.mutationField('generate', (t) =>
  t.field({
    type: GenerationSuccessRef,
    description:
      "Generates with a feature, charged to the caller's drawing account: the price is held, the work done, then charged (or the failure settled). Members and admins; idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: GenerateInput, required: true }) },
    errors: {
      types: [
        InsufficientCreditsError,
        GenerationFailedError,
        MemberCapExceededError,
        CreditLimitExceededError,
        LimitReachedError,
        QuoteExpiredError,
        QuoteNotFoundError,
        QuoteMismatchError,
        InvalidParameterError,
        UnknownFeatureError,
        InvalidInputError,
        IdempotencyKeyReusedError,
        GenerationInProgressError,
      ],
      directResult: true,
      union: { name: 'GenerateResult' },
    },
    resolve: async (_root, { input }, context) => {
      const viewer = viewerOf(context);
      // A service draws from no account of its own: it reserves and commits through the metering API.
      if (viewer.role === 'service') throw forbidden();
      const accountId = drawingAccountId(viewer);
      const idempotencyKey = input.idempotencyKey;
      const result = await context.services.generation.generate({
        accountId,
        memberId: organizationOf(accountId) === null ? undefined : viewer.userId,
        feature: featureOf(input.feature),
        idempotencyKey: scopedKeyOf(viewer, idempotencyKey),
        sessionId: input.sessionId ?? undefined,
        assetId: input.assetId ?? undefined,
        step: input.step ?? undefined,
        input: input.input as JsonValue,
        parameters: pricingParametersOf(input.feature, input.parameters),
        quoteId: input.quoteId ?? undefined,
      });
      if (!result.ok) throw await generationError(context, accountId, idempotencyKey, result.error);
      const { generationId, output, charged, reused, replayed, balances } = result;
      return { accountId, balances, replayed, generationId, output, charged, reused };
    },
  }),
);
