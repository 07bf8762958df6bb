import { z } from 'zod';
import type { AccountState } from './account-state.js';
import type { Draft } from './draft.js';
import { record } from './draft.js';
import type { EntryMetadata } from './entries.js';
import type { Meter } from './meters.js';
import { PeriodKindSchema } from './periods.js';
import { creditCount, requirePlan, RolloverPolicySchema, type MeterRules, type Plan, type PlanCatalog } from './plans.js';

/**
 * One account's own terms for one meter ("enterprise plans may have custom credit policies"):
 * any of the plan's terms, each replacing the plan's, bounded like a plan's (`MAX_PLAN_CREDITS`).
 */
export const MeterPolicySchema = z
  .strictObject({
    allowance: creditCount.optional(),
    period: PeriodKindSchema.optional(),
    unlimited: z.boolean().optional(),
    rollover: RolloverPolicySchema.optional(),
    dailyLimit: creditCount.min(1, 'must be positive').optional(),
  })
  .refine((terms) => Object.values(terms).some((term) => term !== undefined), { message: 'must name at least one term' })
  .refine((terms) => !(terms.unlimited === true && terms.rollover?.kind === 'CAPPED'), {
    message: 'an unlimited meter has nothing to roll over: use rollover { kind: NONE }',
    path: ['rollover'],
  });
export type MeterPolicy = z.output<typeof MeterPolicySchema>;

/** When a policy change applies: at once, or at the meter's next reset. */
export type PolicyEffect = 'NOW' | 'NEXT_RESET';

/**
 * A meter's override, as the account keeps it: the terms in force (since when) and what the
 * meter's next reset does (apply `terms`, or with null terms remove the override). A meter with
 * neither is not kept.
 */
export type CreditPolicy = {
  current: { terms: MeterPolicy; since: Date } | null;
  scheduled: { terms: MeterPolicy | null; effectiveAt: Date } | null;
};
export type CreditPolicies = Partial<Record<Meter, CreditPolicy>>;

/** The override in force on `meter`, if any. */
function policyTermsOf(state: AccountState, meter: Meter): MeterPolicy | null {
  return state.policies?.[meter]?.current?.terms ?? null;
}

/**
 * A meter's terms under `plan` with the account's override laid over them, term by term. An
 * unlimited meter rolls nothing over (its allowance is never consumed), whichever side made it
 * unlimited, so the pair stays one a plan could state.
 */
export function rulesUnder(plan: Plan, state: AccountState, meter: Meter): MeterRules {
  const rules: MeterRules = { ...plan.meters[meter], ...policyTermsOf(state, meter) };
  return rules.unlimited ? { ...rules, rollover: { kind: 'NONE' } } : rules;
}

/** The terms the meter runs on now: the account's plan, overlaid by its override. */
export function effectiveRules(plans: PlanCatalog, state: AccountState, meter: Meter): MeterRules {
  return rulesUnder(requirePlan(plans, state.planId), state, meter);
}

/** Sets what the account keeps of a meter's policy, forgetting the meter when nothing is left. */
export function keepPolicy(state: AccountState, meter: Meter, policy: CreditPolicy): void {
  const policies = { ...state.policies };
  if (policy.current === null && policy.scheduled === null) delete policies[meter];
  else policies[meter] = policy;
  state.policies = policies;
}

export function policyOf(state: AccountState, meter: Meter): CreditPolicy {
  return state.policies?.[meter] ?? { current: null, scheduled: null };
}

/** What a POLICY_CHANGE entry records of its terms: one flat scalar per term, null where the plan's applies. */
export function termDetails(terms: MeterPolicy | null): EntryMetadata {
  return {
    allowance: terms?.allowance ?? null,
    period: terms?.period ?? null,
    unlimited: terms?.unlimited ?? null,
    rollover: terms?.rollover?.kind ?? null,
    rolloverMaxCredits: terms?.rollover?.kind === 'CAPPED' ? terms.rollover.maxCredits : null,
    dailyLimit: terms?.dailyLimit ?? null,
  };
}

/**
 * At a meter's reset, before its new period starts, the policy scheduled for it takes over (or
 * the override is removed): a POLICY_CHANGE entry moving no credit, dated at the reset.
 */
export function applyScheduledPolicy(draft: Draft, meter: Meter, at: Date): void {
  const { scheduled } = policyOf(draft.state, meter);
  if (!scheduled) return;
  const status = scheduled.terms ? 'APPLIED' : 'REMOVED';
  const details = { meter, status, effectiveAt: at.toISOString(), ...termDetails(scheduled.terms) };
  record(draft, { kind: 'POLICY_CHANGE', at, details }, [], (state) => {
    keepPolicy(state, meter, { current: scheduled.terms ? { terms: scheduled.terms, since: at } : null, scheduled: null });
  });
}
