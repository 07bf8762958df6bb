import { METERS, type CreditPolicy, type Meter, type MeterPolicy } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum, PeriodEnum, RolloverRef } from '../catalog/index.js';
import { AccountRef } from './account.js';

type MeterCreditPolicy = CreditPolicy & { readonly meter: Meter };

export const CreditPolicyTermsRef = builder.objectRef<MeterPolicy>('CreditPolicyTerms').implement({
  description: "An account's own terms for a meter, each replacing the plan's; a null term is the plan's.",
  fields: (t) => ({
    allowance: t.int({ nullable: true, description: 'Credits granted each period.', resolve: (terms) => terms.allowance ?? null }),
    period: t.field({ type: PeriodEnum, nullable: true, description: 'How often the allowance is granted again.', resolve: (terms) => terms.period ?? null }),
    unlimited: t.boolean({ nullable: true, description: 'Usage is recorded but never refused (a daily limit still applies).', resolve: (terms) => terms.unlimited ?? null }),
    rollover: t.field({ type: RolloverRef, nullable: true, description: 'What happens to unused allowance at a reset.', resolve: (terms) => terms.rollover ?? null }),
    dailyLimit: t.int({ nullable: true, description: 'At most this many credits consumed or reserved per day inside the period.', resolve: (terms) => terms.dailyLimit ?? null }),
  }),
});

const ScheduledCreditPolicyRef = builder.objectRef<NonNullable<CreditPolicy['scheduled']>>('ScheduledCreditPolicy').implement({
  description: "A change of a meter's credit policy waiting for the meter's next reset.",
  fields: (t) => ({
    terms: t.field({ type: CreditPolicyTermsRef, nullable: true, description: "The terms that apply then; null: the override is removed then (back to the plan's).", resolve: ({ terms }) => terms }),
    effectiveAt: t.field({ type: 'DateTime', description: "The meter's next reset, when the change applies.", resolve: ({ effectiveAt }) => effectiveAt }),
  }),
});

const CreditPolicyRef = builder.objectRef<MeterCreditPolicy>('CreditPolicy').implement({
  description: "An account's own terms for one meter over its plan's (custom enterprise terms): in force, and/or scheduled for the next reset.",
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    terms: t.field({ type: CreditPolicyTermsRef, nullable: true, description: "The override in force; null while only a change is scheduled.", resolve: ({ current }) => current?.terms ?? null }),
    effectiveAt: t.field({ type: 'DateTime', nullable: true, description: 'Since when the override is in force; null while only a change is scheduled.', resolve: ({ current }) => current?.since ?? null }),
    scheduled: t.field({ type: ScheduledCreditPolicyRef, nullable: true, description: "A change waiting for the meter's next reset; null when none.", resolve: ({ scheduled }) => scheduled }),
  }),
});

builder.objectField(AccountRef, 'creditPolicies', (t) =>
  t.field({
    type: [CreditPolicyRef],
    description: "The account's own credit policies over its plan (`plan`), one per meter that has one, in meter order; empty when the plan's terms apply throughout.",
    resolve: (account) => METERS.flatMap((meter) => (account.policies?.[meter] ? [{ ...account.policies[meter], meter }] : [])),
  }),
);
