import { INPUT_LIMITS, type Meter } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { viewerOf } from '../context.js';
import { MeterEnum } from '../catalog/index.js';
import { accountIdOf, ledgerKeyOf, positiveCredits } from '../metering/inputs.js';
import { AccountPayloadRef, payloadOf, type AccountPayload } from '../metering/payloads.js';
import { refusalOn } from '../metering/refusals.js';
import { AccountNotFoundError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, InvalidInputError, MeterAmountRef, type MeterAmount } from '../metering/results.js';

const GrantCreditsKindEnum = builder.enumType('GrantCreditsKind', {
  description: 'What granted credits are; it decides when they are spent.',
  values: {
    ADJUSTMENT: { description: 'A correction or goodwill credit: spent after the allowance and rollover, before top-ups.' },
    TOP_UP: { description: 'Purchased credits: spent last, and shown in `MeterBalance.topUp`.' },
  },
});

const GrantCreditsInput = builder.inputType('GrantCreditsInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account to credit.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    amount: t.int({ required: true, description: 'A positive number of credits.' }),
    reason: t.string({ required: true, description: 'Why, for the account history (e.g. an order number or a support ticket).' }),
    kind: t.field({ type: GrantCreditsKindEnum, required: true, defaultValue: 'ADJUSTMENT' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When unspent credits of this grant expire; never when omitted.' }),
    idempotencyKey: t.string({ required: true, description: 'Names this request: a retry with the same key grants nothing more.' }),
  }),
});

type Granted = AccountPayload & { readonly granted: MeterAmount; readonly kind: 'ADJUSTMENT' | 'TOP_UP'; readonly expiresAt: Date | null };

const GrantCreditsSuccessRef = builder.objectRef<Granted>('GrantCreditsSuccess').implement({
  description: 'The credits were added to the account (or, `replayed`, had been by the first request with this key).',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    granted: t.field({ type: MeterAmountRef, resolve: ({ granted }) => granted }),
    kind: t.field({ type: GrantCreditsKindEnum, resolve: ({ kind }) => kind }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ expiresAt }) => expiresAt }),
  }),
});


builder.mutationField('grantCredits', (t) =>
  t.field({
    type: GrantCreditsSuccessRef,
    description: 'Services only: adds credits to an account, a top-up or an adjustment. Idempotent by `idempotencyKey`.',
    authScopes: { service: true },
    args: { input: t.arg({ type: GrantCreditsInput, required: true }) },
    errors: {
      types: [InvalidInputError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'GrantCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const { store } = context.services;
      const accountId = accountIdOf(input.accountId);
      const reason = input.reason.trim();
      if (reason.length === 0 || reason.length > INPUT_LIMITS.reason) throw new InvalidInputError('reason', `must be 1 to ${INPUT_LIMITS.reason} characters`);
      const meter: Meter = input.meter;
      const outcome = await store.execute(accountId, {
        type: 'GRANT',
        idempotencyKey: ledgerKeyOf(viewerOf(context), input.idempotencyKey),
        meter,
        amount: positiveCredits('amount', input.amount),
        kind: input.kind,
        expiresAt: input.expiresAt ?? null,
        metadata: { reason },
      });
      if (!outcome.ok) throw await refusalOn(context.services, accountId, outcome.error);
      if (outcome.type !== 'GRANTED') throw new Error(`GRANT answered ${outcome.type}`);
      const { amount, expiresAt } = outcome;
      return { ...payloadOf(accountId, outcome), granted: { meter, amount }, kind: input.kind, expiresAt };
    },
  }),
);
