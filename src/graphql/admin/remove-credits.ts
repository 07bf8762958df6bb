import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { positiveCredits, reasonOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  InvalidInputError,
  MeterAmountRef,
  type AccountPayload,
  type MeterAmount,
} from '../results/index.js';
import { adminFields } from './admin-fields.js';
import { adminMutation } from './admin-mutation.js';

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

adminMutation('removeCredits', {
  type: RemoveCreditsSuccessRef,
  input: RemoveCreditsInput,
  description:
    "Services only: takes credits away from an account, e.g. a refunded top-up or a grant made by mistake, in the order they would be spent (the period's allowance first, top-ups last). Not usage: summaries and member caps do not count it. Idempotent by `idempotencyKey`.",
  refusals: [InvalidInputError, InsufficientCreditsError, IdempotencyKeyReusedError, AccountNotFoundError],
  write: ({ context, accountId, idempotencyKey, input }) =>
    context.services.metering.removeCredits(accountId, { idempotencyKey, meter: input.meter, amount: positiveCredits('amount', input.amount), metadata: { reason: reasonOf(input.reason) } }),
  answer: (outcome, { meter }) => ({ removed: { meter, amount: outcome.amount } }),
});
