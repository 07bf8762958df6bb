import type { AccountState } from './account-state.js';
import { periodKindChanges, restartPeriods } from './advance.js';
import { rulesUnder } from './credit-policy-terms.js';
import { setDailyLimit } from './daily-limits.js';
import type { Draft } from './draft.js';
import { record } from './draft.js';
import type { Result } from './errors.js';
import { fail, ok } from './errors.js';
import { METERS } from './meters.js';
import type { ChangePlanOperation, ClockContext } from './operations.js';
import type { OperationSuccess } from './outcomes.js';
import { changeAllowance } from './period-allowance.js';
import { periodContaining } from './periods.js';
import { findPlan, requirePlan } from './plans.js';

/** A downgrade waits for the next billing reset: the end of the current billing month. */
export function nextBillingReset(state: AccountState, now: Date): Date {
  return periodContaining('MONTH', state, now).end;
}

/**
 * Plans compare only within a product: a plan of another product is refused
 * (PLAN_OF_ANOTHER_PRODUCT), changing nothing. An upgrade (a higher tier) applies at once: each
 * meter's allowance grant for the current period grows by the difference, a meter the new plan
 * makes unlimited becomes unlimited, and the new rollover rules govern this period's end. Nothing
 * is taken away mid-period, except on a meter whose period kind the new plan changes (monthly to
 * daily, or back): its period ends at the change (the allowance expires or rolls over per the
 * ending period's terms) and one of the new kind starts with the new allowance. Other changes
 * wait for the next billing reset as `pendingPlan` (where a change of period kind starts the new
 * kind's period); asking for the current plan cancels a pending one. Top-ups and rolled-over
 * credits are separate grants and never touched.
 */
export function changePlan(
  draft: Draft,
  operation: ChangePlanOperation,
  context: ClockContext & { idempotencyKey: string },
): Result<OperationSuccess> {
  const { state } = draft;
  const target = findPlan(context.plans, operation.planId);
  if (!target) return fail({ code: 'UNKNOWN_PLAN', planId: operation.planId });
  const current = requirePlan(context.plans, state.planId);
  if (target.product !== current.product) {
    return fail({ code: 'PLAN_OF_ANOTHER_PRODUCT', currentPlanId: state.planId, currentProduct: current.product, planId: operation.planId, product: target.product });
  }
  const spec = {
    kind: 'PLAN_CHANGE' as const,
    at: context.now,
    idempotencyKey: context.idempotencyKey,
    metadata: operation.metadata ?? {},
  };
  const details = (status: string) => ({ status, fromPlanId: state.planId, toPlanId: operation.planId });

  if (operation.planId === state.planId) {
    if (state.pendingPlan) {
      record(draft, { ...spec, details: details('PENDING_CANCELLED') }, [], (draftState) => {
        draftState.pendingPlan = null;
      });
    }
    return ok({ type: 'PLAN_CHANGED', planId: operation.planId, mode: 'UNCHANGED', effectiveAt: context.now });
  }

  if (target.tier > current.tier) {
    const restarting = periodKindChanges(state, target);
    record(draft, { ...spec, details: details('APPLIED') }, METERS, (draftState, seq) => {
      draftState.planId = operation.planId;
      draftState.pendingPlan = null;
      for (const meter of METERS) {
        if (restarting.includes(meter)) continue;
        // The account's own credit policy, if any, still overrides the new plan's terms.
        const rules = rulesUnder(target, draftState, meter);
        const meterState = draftState.meters[meter];
        meterState.unlimited ||= rules.unlimited;
        meterState.rollover = rules.rollover;
        setDailyLimit(meterState, rules.dailyLimit);
        changeAllowance(draftState, meter, Math.max(0, rules.allowance - meterState.allowance), seq, context.now);
      }
    });
    restartPeriods(draft, restarting, context.now, context.plans);
    return ok({ type: 'PLAN_CHANGED', planId: operation.planId, mode: 'IMMEDIATE', effectiveAt: context.now });
  }

  const effectiveAt = nextBillingReset(state, context.now);
  record(draft, { ...spec, details: { ...details('SCHEDULED'), effectiveAt: effectiveAt.toISOString() } }, [], (draftState) => {
    draftState.pendingPlan = { planId: operation.planId, effectiveAt };
  });
  return ok({ type: 'PLAN_CHANGED', planId: operation.planId, mode: 'SCHEDULED', effectiveAt });
}
