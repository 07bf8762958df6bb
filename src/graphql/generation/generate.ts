import { INPUT_LIMITS, type JsonValue, type MeterAmounts } from '../../ledger/index.js';
import { authorize, canGenerate, drawingAccountId, organizationOf } from '../accounts/access.js';
import { accountKey, GenerationSessionRef } from '../billing/index.js';
import { builder } from '../builder.js';
import { SPENDING_REFUSALS, withinSpendLimit } from '../metering/spend-limit.js';
import { assetIdOf, boundedText, featureOf, pricingParametersOf, scopedKeyOf, sessionIdOf } from '../inputs/index.js';
import {
  AccountPayloadRef,
  GenerationFailedError,
  GenerationInProgressError,
  InvalidInputError,
  InvalidParameterError,
  MeterAmountRef,
  QuoteExpiredError,
  QuoteMismatchError,
  QuoteNotFoundError,
  UnknownFeatureError,
  meterAmountList,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
} from '../results/index.js';

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

type Generated = AccountPayload & {
  readonly generationId: string;
  readonly output: JsonValue;
  readonly charged: MeterAmounts;
  readonly reused: boolean;
  readonly sessionId: string | null;
};

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
    session: t.field({
      type: GenerationSessionRef,
      nullable: true,
      description: 'The session it was made in (`sessionId`), with its whole total so far, this generation included.',
      resolve: ({ accountId, sessionId }) => (sessionId === null ? null : accountKey(accountId, sessionId)),
    }),
  }),
});

builder.mutationField('generate', (t) =>
  t.field({
    type: GenerationSuccessRef,
    nullable: true,
    description:
      "Generates with a feature, charged to the caller's drawing account: the price is held, the work done, then charged (or the failure settled). Members and admins; idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: GenerateInput, required: true }) },
    errors: {
      types: [
        ...SPENDING_REFUSALS,
        GenerationFailedError,
        QuoteExpiredError,
        QuoteNotFoundError,
        QuoteMismatchError,
        InvalidParameterError,
        UnknownFeatureError,
        InvalidInputError,
        GenerationInProgressError,
      ],
      directResult: true,
      union: { name: 'GenerateResult' },
    },
    resolve: async (_root, { input }, context) => {
      // A service draws from no account of its own: it reserves and commits through the metering API.
      const viewer = authorize(context, canGenerate);
      const accountId = drawingAccountId(viewer);
      const feature = featureOf(input.feature);
      const { generation } = context.services;
      const request = {
        accountId,
        memberId: organizationOf(accountId) === null ? undefined : viewer.userId,
        feature,
        idempotencyKey: scopedKeyOf(viewer, input.idempotencyKey),
        sessionId: sessionIdOf(input.sessionId),
        assetId: assetIdOf(input.assetId),
        step: boundedText('step', input.step, INPUT_LIMITS.step),
        input: input.input as JsonValue,
        parameters: pricingParametersOf(feature, input.parameters),
        quoteId: boundedText('quoteId', input.quoteId, INPUT_LIMITS.quoteId),
      };
      const result = await withinSpendLimit(context, viewer, {
        applied: () => generation.hasRequest(accountId, request.idempotencyKey),
        spend: () => generation.generate(request),
      });
      if (!result.ok) throw resultErrorOf(result.error);
      const { generationId, output, charged, reused } = result;
      return { ...payloadOf(accountId, result), generationId, output, charged, reused, sessionId: request.sessionId ?? null };
    },
  }),
);
