import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { positiveCredits, reasonOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  MeterAmountRef,
  type AccountPayload,
  type MeterAmount,
} from '../results/index.js';
import { adminFields } from './admin-fields.js';
import { adminMutation } from './admin-mutation.js';

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

adminMutation('grantCredits', {
  type: GrantCreditsSuccessRef,
  input: GrantCreditsInput,
  description: 'Services only: adds credits to an account, a top-up or an adjustment. Idempotent by `idempotencyKey`.',
  refusals: [InvalidInputError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
  write: ({ context, accountId, idempotencyKey, input }) =>
    context.services.metering.grantCredits(accountId, {
      idempotencyKey,
      meter: input.meter,
      amount: positiveCredits('amount', input.amount),
      kind: input.kind,
      expiresAt: input.expiresAt ?? null,
      metadata: { reason: reasonOf(input.reason) },
    }),
  answer: (outcome, { meter, kind }) => ({ granted: { meter, amount: outcome.amount }, kind, expiresAt: outcome.expiresAt }),
});
