import { MeterPolicySchema, type MeterPolicy } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum, PeriodEnum, RolloverKindEnum } from '../catalog/index.js';
import { InvalidInputError } from '../results/index.js';
import { adminFields } from './admin-fields.js';
import { adminMutation } from './admin-mutation.js';
import { CreditPolicyChangeRef, PolicyEffectEnum, policyChange } from './credit-policy-change.js';

const RolloverInput = builder.inputType('RolloverInput', {
  fields: (t) => ({
    kind: t.field({ type: RolloverKindEnum, required: true }),
    maxCredits: t.int({ description: 'With CAPPED: the most unused allowance credits that carry over (1 or more).' }),
  }),
});

const SetCreditPolicyInput = builder.inputType('SetCreditPolicyInput', {
  description: "An account's own terms for one meter; each term given replaces the plan's, one left out stays the plan's. At least one.",
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    allowance: t.int({ description: 'Credits granted each period, 0 to 500,000,000.' }),
    period: t.field({ type: PeriodEnum, description: 'How often the allowance is granted again.' }),
    unlimited: t.boolean({ description: 'Usage is recorded but never refused (a daily limit still applies).' }),
    rollover: t.field({ type: RolloverInput, description: 'What happens to unused allowance at a reset.' }),
    dailyLimit: t.int({ description: "At most this many credits consumed or reserved per day (in the account's time zone) inside the period, 1 to 500,000,000." }),
    effective: t.field({ type: PolicyEffectEnum, required: true }),
    reason: t.string({ required: true, description: adminFields.reason }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
  }),
});

type TermsInput = { allowance?: number | null; period?: MeterPolicy['period'] | null; unlimited?: boolean | null; rollover?: { kind: 'NONE' | 'CAPPED'; maxCredits?: number | null } | null; dailyLimit?: number | null };

/** The terms given, checked by the ledger's own rule (`MeterPolicySchema`), naming the input field at fault. */
function termsOf(input: TermsInput): MeterPolicy {
  const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
  // A cap on what carries over means nothing without rollover: refused rather than dropped.
  if (input.rollover?.kind === 'NONE' && (input.rollover.maxCredits ?? null) !== null) {
    throw new InvalidInputError({ field: 'rollover.maxCredits', problem: 'only with kind CAPPED' });
  }
  const rollover = input.rollover && (input.rollover.kind === 'CAPPED' ? { kind: 'CAPPED' as const, maxCredits: given(input.rollover.maxCredits) } : { kind: 'NONE' as const });
  const parsed = MeterPolicySchema.safeParse({
    allowance: given(input.allowance),
    period: given(input.period),
    unlimited: given(input.unlimited),
    rollover: given(rollover),
    dailyLimit: given(input.dailyLimit),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InvalidInputError({ field: issue.path.length > 0 ? issue.path.join('.') : 'input', problem: issue.message });
}

adminMutation('setCreditPolicy', {
  type: CreditPolicyChangeRef,
  input: SetCreditPolicyInput,
  description:
    "Services only: gives an account its own terms for one meter over its plan's (allowance, period, rollover, unlimited, a daily limit), now or at the meter's next reset; " +
    'they stay through resets and plan changes until removed. Recorded in the ledger (a POLICY_CHANGE entry). Idempotent by `idempotencyKey`.',
  refusals: policyChange.refusals,
  // The terms are read after authorization, with the rest of the request.
  write: (write) => write.context.services.metering.setCreditPolicy(write.accountId, { ...policyChange.request(write), terms: termsOf(write.input) }),
  answer: policyChange.answer,
});
