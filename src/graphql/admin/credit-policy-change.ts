/** What setCreditPolicy and removeCreditPolicy share: when a change applies, what it did, and their refusals. */
import type { CreditPolicyStatus, EntryMetadata, Meter, PolicyEffect } from '../../ledger/index.js';
import type { Written } from '../../metering/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { reasonOf } from '../inputs/index.js';
import { AccountNotFoundError, AccountPayloadRef, CreditLimitExceededError, IdempotencyKeyReusedError, InvalidInputError, LimitReachedError, type AccountPayload } from '../results/index.js';
import type { AdminWrite } from './admin-mutation.js';

type PolicyChange = Written<'CREDIT_POLICY_CHANGED'>;

export const PolicyEffectEnum = builder.enumType('CreditPolicyEffect', {
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
    UNCHANGED: { description: "There was no override in force to remove: the plan's terms applied already (a policy only scheduled is cancelled)." },
  } satisfies Record<CreditPolicyStatus, { description: string }>,
});

type PolicyChanged = AccountPayload & Pick<PolicyChange, 'meter' | 'status' | 'effectiveAt'>;

export const CreditPolicyChangeRef = builder.objectRef<PolicyChanged>('CreditPolicyChange').implement({
  description: "A meter's credit policy was changed (or, `replayed`, had been by the first request with this key); `account.creditPolicies` shows the account's policies now.",
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    status: t.field({ type: PolicyStatusEnum, resolve: ({ status }) => status }),
    effectiveAt: t.field({ type: 'DateTime', description: 'When the change applies (or applied).', resolve: ({ effectiveAt }) => effectiveAt }),
  }),
});

type PolicyInput = { readonly accountId: string; readonly meter: Meter; readonly effective: PolicyEffect; readonly reason: string; readonly idempotencyKey: string };

/** The parts of either mutation that are the same: its refusals, the request's common fields and the answer. */
export const policyChange = {
  refusals: [InvalidInputError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
  request: ({ idempotencyKey, input }: AdminWrite<PolicyInput>): { idempotencyKey: string; meter: Meter; effective: PolicyEffect; metadata: EntryMetadata } => ({
    idempotencyKey,
    meter: input.meter,
    effective: input.effective,
    metadata: { reason: reasonOf(input.reason) },
  }),
  answer: ({ meter, status, effectiveAt }: PolicyChange) => ({ meter, status, effectiveAt }),
} as const;
