import { authorize, canAdministerCredits } from '../accounts/access.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { accountIdOf, ledgerKeyOf, positiveCredits, reasonOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  InvalidInputError,
  MeterAmountRef,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
  type MeterAmount,
} from '../results/index.js';
import { adminFields } from './admin-fields.js';

const RemoveCreditsInput = builder.inputType('RemoveCreditsInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account to take credits from.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    amount: t.int({ required: true, description: 'A positive number of credits, at most what the meter has available (held credits stay held).' }),
    reason: t.string({ required: true, description: adminFields.reason }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
  }),
});

type Removed = AccountPayload & { readonly removed: MeterAmount };

const RemoveCreditsSuccessRef = builder.objectRef<Removed>('RemoveCreditsSuccess').implement({
  description: 'The credits were taken away (or, `replayed`, had been by the first request with this key): an ADJUSTMENT entry, not usage.',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({ removed: t.field({ type: MeterAmountRef, resolve: ({ removed }) => removed }) }),
});

builder.mutationField('removeCredits', (t) =>
  t.field({
    type: RemoveCreditsSuccessRef,
    nullable: true,
    description:
      "Services only: takes credits away from an account, e.g. a refunded top-up or a grant made by mistake, in the order they would be spent (the period's allowance first, top-ups last). Not usage: summaries and member caps do not count it. Idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: RemoveCreditsInput, required: true }) },
    errors: {
      types: [InvalidInputError, InsufficientCreditsError, IdempotencyKeyReusedError, AccountNotFoundError],
      directResult: true,
      union: { name: 'RemoveCreditsResult' },
    },
    resolve: async (_root, { input }, context) => {
      const viewer = authorize(context, canAdministerCredits);
      const accountId = accountIdOf(input.accountId);
      const { meter } = input;
      const outcome = await context.services.metering.removeCredits(accountId, {
        idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
        meter,
        amount: positiveCredits('amount', input.amount),
        metadata: { reason: reasonOf(input.reason) },
      });
      if (!outcome.ok) throw resultErrorOf(outcome.error);
      return { ...payloadOf(accountId, outcome), removed: { meter, amount: outcome.amount } };
    },
  }),
);
