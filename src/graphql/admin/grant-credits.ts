import { authorize, canAdministerCredits } from '../accounts/access.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { adminFields } from './admin-fields.js';
import { accountIdOf, ledgerKeyOf, positiveCredits, reasonOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  MeterAmountRef,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
  type MeterAmount,
} from '../results/index.js';

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
    reason: t.string({ required: true, description: adminFields.reason }),
    kind: t.field({ type: GrantCreditsKindEnum, required: true, defaultValue: 'ADJUSTMENT' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When unspent credits of this grant expire; never when omitted.' }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
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
    nullable: true,
    description: 'Services only: adds credits to an account, a top-up or an adjustment. Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: GrantCreditsInput, required: true }) },
    errors: {
      types: [InvalidInputError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'GrantCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const viewer = authorize(context, canAdministerCredits);
      const accountId = accountIdOf(input.accountId);
      const { meter, kind } = input;
      const outcome = await context.services.metering.grantCredits(accountId, {
        idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
        meter,
        amount: positiveCredits('amount', input.amount),
        kind,
        expiresAt: input.expiresAt ?? null,
        metadata: { reason: reasonOf(input.reason) },
      });
      if (!outcome.ok) throw resultErrorOf(outcome.error);
      return { ...payloadOf(accountId, outcome), granted: { meter, amount: outcome.amount }, kind, expiresAt: outcome.expiresAt };
    },
  }),
);
