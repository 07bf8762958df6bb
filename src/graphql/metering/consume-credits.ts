import type { Meter, PricingCatalog } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { viewerOf } from '../context.js';
import { accountIdOf, assetIdOf, catalogFeatureOf, entryMetadataOf, ledgerKeyOf, positiveCredits, sessionIdOf } from './inputs.js';
import { AccountPayloadRef, payloadOf, type AccountPayload } from './payloads.js';
import { refusalOn } from './refusals.js';
import {
  AccountNotFoundError,
  CreditLimitExceededError,
  LimitReachedError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  InvalidInputError,
  MemberCapExceededError,
  MeterAmountRef,
  UnknownFeatureError,
  type MeterAmount,
} from './results.js';
import { spenderOn } from './spenders.js';

/** Input fields the raw-amount writes share: who is charged, what for, and the caller's notes. */
export const attributionFields = {
  memberId: 'Services only: the member of an organization pool the credits are for, by its `User.id`; held to its cap. A member or admin always spends as itself.',
  feature: 'The catalog feature the credits were used for; recorded as the feature of the entries.',
  sessionId: 'The generation session the credits were used in; recorded with the entries.',
  assetId: 'The asset the credits were spent on (a video, an image, a project: at most 200 characters); recorded with the entries, so usage can be told per asset.',
  metadata: 'Notes recorded with the entries: a flat JSON object of strings, numbers, booleans and nulls (at most 32 keys).',
} as const;

/** The catalog feature a raw amount was used for, recorded as the entries' feature; null when none is named. */
export function recordedFeatureOf(pricing: PricingCatalog, feature: string | null | undefined): string | null {
  return feature === null || feature === undefined ? null : catalogFeatureOf(pricing, feature);
}

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
    description: 'Metering API: consumes a number of credits at once, all or nothing. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: ConsumeCreditsInput, required: true }) },
    errors: {
      types: [InvalidInputError, UnknownFeatureError, InsufficientCreditsError, MemberCapExceededError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'ConsumeCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const { store, catalogs } = context.services;
      const accountId = accountIdOf(input.accountId);
      const memberId = spenderOn(viewerOf(context), accountId, input.memberId);
      const meter: Meter = input.meter;
      const amount = positiveCredits('amount', input.amount);
      const outcome = await store.execute(accountId, {
        type: 'DEBIT',
        idempotencyKey: ledgerKeyOf(viewerOf(context), input.idempotencyKey),
        feature: recordedFeatureOf(catalogs.pricing, input.feature),
        amounts: { [meter]: amount },
        memberId,
        sessionId: sessionIdOf(input.sessionId),
        assetId: assetIdOf(input.assetId),
        metadata: entryMetadataOf(input.metadata),
      });
      if (!outcome.ok) throw await refusalOn(context.services, accountId, outcome.error);
      if (outcome.type !== 'DEBITED') throw new Error(`DEBIT answered ${outcome.type}`);
      return { ...payloadOf(accountId, outcome), consumed: { meter, amount: outcome.charged[meter] ?? 0 } };
    },
  }),
);
