import type { AccountState } from './account-state.js';
import type { Draft } from './draft.js';
import { record } from './draft.js';
import type { Result } from './errors.js';
import { fail, ok } from './errors.js';
import { grantIdFor } from './grants.js';
import { METERS } from './meters.js';
import type { ChangePlanOperation, ClockContext } from './operations.js';
import type { OperationSuccess } from './outcomes.js';
import { periodContaining } from './periods.js';
import { findPlan, requirePlan } from './plans.js';

/** A downgrade waits for the next billing reset: the end of the current billing month. */
export function nextBillingReset(state: AccountState, now: Date): Date {
  return periodContaining('MONTH', state, now).end;
}

/**
 * An upgrade (a higher tier) applies at once: each meter's allowance grant for the current period
 * grows by the difference, a meter the new plan makes unlimited becomes unlimited, and the new
 * rollover rules govern this period's end. Nothing is taken away mid-period. Other changes wait
 * for the next billing reset as `pendingPlan`; asking for the current plan cancels a pending one.
 * Top-ups and rolled-over credits are separate grants and never touched.
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
    record(draft, { ...spec, details: details('APPLIED') }, METERS, (draftState, seq) => {
      draftState.planId = operation.planId;
      draftState.pendingPlan = null;
      for (const meter of METERS) {
        const rules = target.meters[meter];
        const meterState = draftState.meters[meter];
        const raise = Math.max(0, rules.allowance - meterState.allowance);
        meterState.unlimited ||= rules.unlimited;
        meterState.rollover = rules.rollover;
        meterState.allowance += raise;
        if (raise === 0 || meterState.unlimited) continue;
        const allowanceGrant = draftState.grants.find(
          (grant) =>
            grant.meter === meter && grant.kind === 'ALLOWANCE' && grant.expiresAt?.getTime() === meterState.periodEnd.getTime(),
        );
        if (allowanceGrant) {
          allowanceGrant.amount += raise;
          allowanceGrant.remaining += raise;
        } else {
          draftState.grants.push({
            id: grantIdFor(seq, 'ALLOWANCE', meter),
            meter,
            kind: 'ALLOWANCE',
            amount: raise,
            remaining: raise,
            createdAt: context.now,
            expiresAt: meterState.periodEnd,
          });
        }
      }
    });
    return ok({ type: 'PLAN_CHANGED', planId: operation.planId, mode: 'IMMEDIATE', effectiveAt: context.now });
  }

  const effectiveAt = nextBillingReset(state, context.now);
  record(draft, { ...spec, details: { ...details('SCHEDULED'), effectiveAt: effectiveAt.toISOString() } }, [], (draftState) => {
    draftState.pendingPlan = { planId: operation.planId, effectiveAt };
  });
  return ok({ type: 'PLAN_CHANGED', planId: operation.planId, mode: 'SCHEDULED', effectiveAt });
}

/** At the billing reset a scheduled downgrade becomes the plan; the meters' own resets then use it. */
export function applyPendingPlan(draft: Draft, at: Date): void {
  const pending = draft.state.pendingPlan;
  if (!pending) return;
  record(draft, { kind: 'PLAN_CHANGE', at, details: { status: 'APPLIED', fromPlanId: draft.state.planId, toPlanId: pending.planId } }, [], (state) => {
    state.planId = pending.planId;
    state.pendingPlan = null;
  });
}
