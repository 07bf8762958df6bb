import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { adminFields } from './admin-fields.js';
import { adminMutation } from './admin-mutation.js';
import { CreditPolicyChangeRef, PolicyEffectEnum, policyChange } from './credit-policy-change.js';

const RemoveCreditPolicyInput = builder.inputType('RemoveCreditPolicyInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    effective: t.field({ type: PolicyEffectEnum, required: true }),
    reason: t.string({ required: true, description: adminFields.reason }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
  }),
});

adminMutation('removeCreditPolicy', {
  type: CreditPolicyChangeRef,
  input: RemoveCreditPolicyInput,
  description: "Services only: takes an account's own terms off a meter, back to its plan's, now or at the meter's next reset. Idempotent by `idempotencyKey`.",
  refusals: policyChange.refusals,
  write: (write) => write.context.services.metering.removeCreditPolicy(write.accountId, policyChange.request(write)),
  answer: policyChange.answer,
});
