import { MeterPolicySchema, type CreditPolicyStatus, type EntryMetadata, type Meter, type MeterPolicy, type PolicyEffect } from '../../ledger/index.js';
import type { MeteringResult, Written } from '../../metering/index.js';
import { authorize, canAdministerCredits } from '../accounts/access.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { MeterEnum, PeriodEnum, RolloverKindEnum } from '../catalog/index.js';
import { accountIdOf, ledgerKeyOf, reasonOf } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  payloadOf,
  resultErrorOf,
  type AccountPayload,
} from '../results/index.js';
import { adminFields } from './admin-fields.js';

type PolicyChange = Written<'CREDIT_POLICY_CHANGED'>;

const PolicyEffectEnum = builder.enumType('CreditPolicyEffect', {
  description: 'When a credit policy change applies.',
  values: {
    NOW: {
      description:
        "At once, as an upgrade: this period's allowance changes by the difference (a cut takes back only what is still unspent), the rollover rules govern this period's end and a daily limit counts today's usage; " +
        'a change of period kind, or a meter becoming limited again, starts a new period now with the full allowance.',
    },
    NEXT_RESET: { description: "At the meter's next reset: nothing changes before; a later change replaces it." },
  } satisfies Record<PolicyEffect, { description: string }>,
});

const PolicyStatusEnum = builder.enumType('CreditPolicyStatus', {
  values: {
    APPLIED: { description: 'The terms are in force now.' },
    SCHEDULED: { description: "The terms apply at the meter's next reset (`effectiveAt`)." },
    REMOVED: { description: "The override is gone: the plan's terms apply now." },
    REMOVAL_SCHEDULED: { description: "The plan's terms apply again from the meter's next reset (`effectiveAt`)." },
    UNCHANGED: { description: "There was no override to remove: the plan's terms applied already." },
  } satisfies Record<CreditPolicyStatus, { description: string }>,
});

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

const RemoveCreditPolicyInput = builder.inputType('RemoveCreditPolicyInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account.' }),
    meter: t.field({ type: MeterEnum, required: true }),
    effective: t.field({ type: PolicyEffectEnum, required: true }),
    reason: t.string({ required: true, description: adminFields.reason }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
  }),
});

type PolicyChanged = AccountPayload & Pick<PolicyChange, 'meter' | 'status' | 'effectiveAt'>;

const CreditPolicyChangeRef = builder.objectRef<PolicyChanged>('CreditPolicyChange').implement({
  description: "A meter's credit policy was changed (or, `replayed`, had been by the first request with this key); `account.creditPolicies` shows the account's policies now.",
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    status: t.field({ type: PolicyStatusEnum, resolve: ({ status }) => status }),
    effectiveAt: t.field({ type: 'DateTime', description: 'When the change applies (or applied).', resolve: ({ effectiveAt }) => effectiveAt }),
  }),
});

type TermsInput = { allowance?: number | null; period?: MeterPolicy['period'] | null; unlimited?: boolean | null; rollover?: { kind: 'NONE' | 'CAPPED'; maxCredits?: number | null } | null; dailyLimit?: number | null };

/** The terms given, checked by the ledger's own rule (`MeterPolicySchema`), naming the input field at fault. */
function termsOf(input: TermsInput): MeterPolicy {
  const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
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

type PolicyInput = { readonly accountId: string; readonly meter: Meter; readonly effective: PolicyEffect; readonly reason: string; readonly idempotencyKey: string };
type PolicyRequest = { idempotencyKey: string; meter: Meter; effective: PolicyEffect; metadata: EntryMetadata };

/**
 * What both writes do around their own: authorize a service, parse what they share, run the
 * write (`write`, which parses its own terms after authorization) and answer from its outcome.
 */
async function writePolicy(context: Context, input: PolicyInput, write: (accountId: string, request: PolicyRequest) => Promise<MeteringResult<PolicyChange>>): Promise<PolicyChanged> {
  const viewer = authorize(context, canAdministerCredits);
  const accountId = accountIdOf(input.accountId);
  const outcome = await write(accountId, {
    idempotencyKey: ledgerKeyOf(viewer, input.idempotencyKey),
    meter: input.meter,
    effective: input.effective,
    metadata: { reason: reasonOf(input.reason) },
  });
  if (!outcome.ok) throw resultErrorOf(outcome.error);
  return { ...payloadOf(accountId, outcome), meter: outcome.meter, status: outcome.status, effectiveAt: outcome.effectiveAt };
}

/** The refusals of both writes, in a result union named `union`. */
const policyErrors = (union: string) => ({
  types: [InvalidInputError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
  directResult: true,
  union: { name: union },
});

builder.mutationField('setCreditPolicy', (t) =>
  t.field({
    type: CreditPolicyChangeRef,
    nullable: true,
    description:
      "Services only: gives an account its own terms for one meter over its plan's (allowance, period, rollover, unlimited, a daily limit), now or at the meter's next reset; " +
      'they stay through resets and plan changes until removed. Recorded in the ledger (a POLICY_CHANGE entry). Idempotent by `idempotencyKey`.',
    args: { input: t.arg({ type: SetCreditPolicyInput, required: true }) },
    errors: policyErrors('SetCreditPolicyResult'),
    resolve: (_root, { input }, context) =>
      writePolicy(context, input, (accountId, request) => context.services.metering.setCreditPolicy(accountId, { ...request, terms: termsOf(input) })),
  }),
);

builder.mutationField('removeCreditPolicy', (t) =>
  t.field({
    type: CreditPolicyChangeRef,
    nullable: true,
    description: "Services only: takes an account's own terms off a meter, back to its plan's, now or at the meter's next reset. Idempotent by `idempotencyKey`.",
    args: { input: t.arg({ type: RemoveCreditPolicyInput, required: true }) },
    errors: policyErrors('RemoveCreditPolicyResult'),
    resolve: (_root, { input }, context) => writePolicy(context, input, (accountId, request) => context.services.metering.removeCreditPolicy(accountId, request)),
  }),
);
