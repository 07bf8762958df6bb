import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { spenderOn } from '../accounts/spenders.js';
import { accountIdOf, assetIdOf, entryMetadataOf, ledgerKeyOf, positiveCredits, recordedFeatureOf, sessionIdOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  InvalidInputError,
  MeterAmountRef,
  UnknownFeatureError,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
  type MeterAmount,
} from '../results/index.js';
import { attributionFields } from './attribution.js';
import { SPENDING_REFUSALS, withinSpendLimit } from './spend-limit.js';

const ConsumeCreditsInput = builder.inputType('ConsumeCreditsInput', {
  description: "Credits a backend consumed for work already done, charged at once from the account's balance.",
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account to charge: any for a service, the drawing account for a member.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    amount: t.int({ required: true, description: 'A positive number of credits.' }),
    idempotencyKey: t.string({ required: true, description: 'Names this request (e.g. a UUID): a retry with the same key returns the first result and charges nothing more.' }),
    feature: t.string({ description: attributionFields.feature }),
    memberId: t.id({ description: attributionFields.memberId }),
    sessionId: t.string({ description: attributionFields.sessionId }),
    assetId: t.string({ description: attributionFields.assetId }),
    metadata: t.field({ type: 'JSON', description: attributionFields.metadata }),
  }),
});

type Consumed = AccountPayload & { readonly consumed: MeterAmount };

const ConsumeCreditsSuccessRef = builder.objectRef<Consumed>('ConsumeCreditsSuccess').implement({
  description: 'The credits were consumed (or, `replayed`, had been by the first request with this key).',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({ consumed: t.field({ type: MeterAmountRef, resolve: ({ consumed }) => consumed }) }),
});

builder.mutationField('consumeCredits', (t) =>
  t.field({
    type: ConsumeCreditsSuccessRef,
    nullable: true,
    description: 'Metering API: consumes a number of credits at once, all or nothing. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: ConsumeCreditsInput, required: true }) },
    errors: {
      types: [InvalidInputError, UnknownFeatureError, ...SPENDING_REFUSALS, AccountNotFoundError],
      directResult: true,
      union: { name: 'ConsumeCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const { metering, catalogs } = context.services;
      const accountId = accountIdOf(input.accountId);
      const { viewer, memberId } = spenderOn(context, accountId, input.memberId);
      const { meter } = input;
      const request = {
        idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
        feature: recordedFeatureOf(catalogs.pricing, input.feature),
        amounts: { [meter]: positiveCredits('amount', input.amount) },
        memberId,
        sessionId: sessionIdOf(input.sessionId),
        assetId: assetIdOf(input.assetId),
        metadata: entryMetadataOf(input.metadata),
      };
      const outcome = await withinSpendLimit(context, viewer, {
        applied: () => metering.remembersKey(accountId, request.idempotencyKey),
        spend: () => metering.consumeCredits(accountId, request),
      });
      if (!outcome.ok) throw resultErrorOf(outcome.error);
      return { ...payloadOf(accountId, outcome), consumed: { meter, amount: outcome.charged[meter] ?? 0 } };
    },
  }),
);
