import type { AccountState } from './account-state.js';
import { restartPeriods } from './advance.js';
import {
  effectiveRules,
  keepPolicy,
  MeterPolicySchema,
  policyOf,
  termDetails,
  type CreditPolicy,
  type MeterPolicy,
} from './credit-policy-terms.js';
import { setDailyLimit } from './daily-limits.js';
import type { Draft, EntrySpec } from './draft.js';
import { record } from './draft.js';
import type { EntryMetadata } from './entries.js';
import type { Result } from './errors.js';
import { fail, ok } from './errors.js';
import { METERS, type Meter } from './meters.js';
import type { ClockContext, RemoveCreditPolicyOperation, SetCreditPolicyOperation } from './operations.js';
import type { CreditPolicyStatus, OperationSuccess } from './outcomes.js';
import { changeAllowance } from './period-allowance.js';

type PolicyContext = ClockContext & { idempotencyKey: string };

/**
 * Gives the account its own terms on one meter, over its plan's: at once (`NOW`, see
 * `applyRulesNow`) or at the meter's next reset (`NEXT_RESET`); either replaces a change
 * scheduled before. Terms are checked like a plan's; a refusal changes nothing.
 */
export function setCreditPolicy(draft: Draft, operation: SetCreditPolicyOperation, context: PolicyContext): Result<OperationSuccess> {
  if (!METERS.includes(operation.meter)) return unknownMeter();
  const parsed = MeterPolicySchema.safeParse(operation.terms);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail({ code: 'VALIDATION_ERROR', field: ['terms', ...issue.path].join('.'), message: issue.message });
  }
  // Only the terms given: a term present as undefined would hide the plan's when laid over it.
  const terms = Object.fromEntries(Object.entries(parsed.data).filter(([, term]) => term !== undefined)) as MeterPolicy;
  return changePolicy(draft, operation, terms, context);
}

/**
 * Takes the account's own terms off a meter (back to the plan's), at once or at the meter's next
 * reset. With none in force the plan's terms apply already, so the answer is UNCHANGED, either way;
 * terms only scheduled are cancelled (a POLICY_CHANGE entry SCHEDULE_CANCELLED), as asking for the
 * current plan cancels a pending one: nothing is left for the reset to apply or remove. With terms
 * in force and others scheduled, a removal at the next reset replaces the scheduled terms, as any
 * change scheduled later does (the terms in force stay until the reset).
 */
export function removeCreditPolicy(draft: Draft, operation: RemoveCreditPolicyOperation, context: PolicyContext): Result<OperationSuccess> {
  const { meter } = operation;
  if (!METERS.includes(meter)) return unknownMeter();
  const policy = policyOf(draft.state, meter);
  if (policy.current !== null) return changePolicy(draft, operation, null, context);
  // With nothing scheduled either, no entry: the key is kept all the same (`recordUnmoved`).
  if (policy.scheduled !== null) {
    const details = { meter, status: 'SCHEDULE_CANCELLED', effectiveAt: context.now.toISOString(), ...termDetails(null) };
    record(draft, { kind: 'POLICY_CHANGE', at: context.now, idempotencyKey: context.idempotencyKey, metadata: operation.metadata ?? {}, details }, [], (state) => {
      keepPolicy(state, meter, { current: null, scheduled: null });
    });
  }
  return ok(changed(meter, 'UNCHANGED', context.now));
}

/** A meter the ledger does not know (the type allows none, but an operation may come from outside). */
function unknownMeter(): Result<OperationSuccess> {
  return fail({ code: 'VALIDATION_ERROR', field: 'meter', message: `must be one of ${METERS.join(', ')}` });
}

function changed(meter: Meter, status: CreditPolicyStatus, effectiveAt: Date): OperationSuccess {
  return { type: 'CREDIT_POLICY_CHANGED', meter, status, effectiveAt };
}

/** `terms` null: removal. */
function changePolicy(
  draft: Draft,
  operation: SetCreditPolicyOperation | RemoveCreditPolicyOperation,
  terms: MeterPolicy | null,
  context: PolicyContext,
): Result<OperationSuccess> {
  const { meter } = operation;
  const spec = { kind: 'POLICY_CHANGE' as const, at: context.now, idempotencyKey: context.idempotencyKey, metadata: operation.metadata ?? {} };
  const details = (status: CreditPolicyStatus, effectiveAt: Date): EntryMetadata => ({ meter, status, effectiveAt: effectiveAt.toISOString(), ...termDetails(terms) });

  if (operation.effective === 'NEXT_RESET') {
    const effectiveAt = draft.state.meters[meter].periodEnd;
    const status = terms ? 'SCHEDULED' : 'REMOVAL_SCHEDULED';
    record(draft, { ...spec, details: details(status, effectiveAt) }, [], (state) => {
      keepPolicy(state, meter, { current: policyOf(state, meter).current, scheduled: { terms, effectiveAt } });
    });
    return ok(changed(meter, status, effectiveAt));
  }

  const status = terms ? 'APPLIED' : 'REMOVED';
  applyRulesNow(draft, meter, { current: terms ? { terms, since: context.now } : null, scheduled: null }, { ...spec, details: details(status, context.now) }, context);
  return ok(changed(meter, status, context.now));
}

/**
 * A policy applied at once, as an upgrade applies. The period's terms become the new effective
 * ones (plan overlaid by the override): the rollover rules govern this period's end, the daily
 * limit counts from now (today's usage included), and the allowance changes by the difference,
 * as `changeAllowance` does (a cut takes back at most what the allowance grant still has, never
 * credits consumed or held). Two changes have no exact difference, so the meter's period starts
 * over at once, as an upgrade that changes a period kind does (the ending period's allowance
 * expires or rolls over per its terms, and the new one is granted in full until the new period
 * ends): a change of period kind, and a meter becoming limited, whose usage while unlimited never
 * drew on an allowance. A meter becoming unlimited simply stops consuming its allowance.
 */
function applyRulesNow(draft: Draft, meter: Meter, policy: CreditPolicy, spec: EntrySpec, context: PolicyContext): void {
  const ending = draft.state.meters[meter];
  const rules = effectiveRules(context.plans, withPolicy(draft.state, meter, policy), meter);
  const restart = rules.period !== ending.period || (ending.unlimited && !rules.unlimited);
  record(draft, spec, restart ? [] : [meter], (state, seq) => {
    keepPolicy(state, meter, policy);
    if (restart) return;
    const meterState = state.meters[meter];
    meterState.unlimited = rules.unlimited;
    changeAllowance(state, meter, rules.allowance - meterState.allowance, seq, context.now);
    meterState.rollover = rules.rollover;
    setDailyLimit(meterState, rules.dailyLimit);
  });
  if (restart) restartPeriods(draft, [meter], context.now, context.plans);
}

function withPolicy(state: AccountState, meter: Meter, policy: CreditPolicy): AccountState {
  return { ...state, policies: { ...state.policies, [meter]: policy } };
}
