import type { AccountState, MeterState } from './account-state.js';
import { dropSpentGrants } from './account-state.js';
import type { Draft } from './draft.js';
import { beginDraft, record } from './draft.js';
import { grantIdFor } from './grants.js';
import type { LedgerEntry } from './entries.js';
import { settleHold } from './hold-settlement.js';
import { forgetExpiredKeys } from './idempotency.js';
import { METERS, recordOfMeters, type Meter } from './meters.js';
import type { ClockContext } from './operations.js';
import { applyPendingPlan } from './plan-changes.js';
import { periodContaining } from './periods.js';
import { requirePlan, type PlanCatalog } from './plans.js';

/**
 * Brings an account up to `now` without a scheduler: every hold TTL, scheduled downgrade, grant
 * expiry and period reset that fell due since the account was last touched happens now, in time
 * order, each with its entries dated when it fell due. Each period is reset exactly once, however
 * long the account was idle. A `now` earlier than the account's clock (a server behind another)
 * changes nothing: the clock never runs backwards.
 */
export function advanceTo(state: AccountState, context: ClockContext): { state: AccountState; entries: LedgerEntry[] } {
  const draft = beginDraft(state);
  advanceDraft(draft, context.now, context.plans);
  forgetExpiredKeys(draft.state, draft.state.clock, context.settings);
  dropSpentGrants(draft.state);
  return { state: draft.state, entries: draft.entries };
}

export function advanceDraft(draft: Draft, now: Date, plans: PlanCatalog): void {
  if (Number.isNaN(now.getTime())) throw new TypeError('advanceTo: now is an invalid Date');
  // A meter added to METERS after the account was stored starts its first period now.
  for (const meter of METERS) draft.state.meters[meter] ??= unstartedMeter(draft.state.clock);
  for (let due = nextDueAt(draft.state); due !== null && due.getTime() <= now.getTime(); due = nextDueAt(draft.state)) {
    processDueAt(draft, due, plans);
  }
  if (now.getTime() > draft.state.clock.getTime()) draft.state.clock = now;
}

/** A meter whose first period is due at `at`: zero everywhere, so its first RESET grants the allowance. */
export function unstartedMeter(at: Date): MeterState {
  return { period: 'MONTH', periodStart: at, periodEnd: at, unlimited: false, allowance: 0, rollover: { kind: 'NONE' }, used: 0 };
}

function nextDueAt(state: AccountState): Date | null {
  const candidates = [
    ...state.holds.map((hold) => hold.expiresAt),
    ...state.grants.flatMap((grant) => (grant.expiresAt ? [grant.expiresAt] : [])),
    ...METERS.map((meter) => state.meters[meter].periodEnd),
    ...(state.pendingPlan ? [state.pendingPlan.effectiveAt] : []),
  ];
  return candidates.reduce<Date | null>((earliest, at) => (earliest === null || at < earliest ? at : earliest), null);
}

/**
 * What falls due at one instant, in an order that matters: expired holds go back first (credits
 * returned to a grant that expires at the same instant expire with it), then a scheduled plan
 * takes over, then grants expire (remembering unused allowance for rollover), then periods reset
 * under the plan now in force.
 */
function processDueAt(draft: Draft, at: Date, plans: PlanCatalog): void {
  const isDue = (when: Date): boolean => when.getTime() <= at.getTime();

  for (const hold of draft.state.holds.filter((candidate) => isDue(candidate.expiresAt))) {
    settleHold(draft, hold.id, {}, 'RELEASED', { at, details: { reason: 'HOLD_EXPIRED' } });
  }

  if (draft.state.pendingPlan && isDue(draft.state.pendingPlan.effectiveAt)) applyPendingPlan(draft, at);

  const unusedAllowance = recordOfMeters(() => 0);
  for (const grant of draft.state.grants.filter((candidate) => candidate.expiresAt && isDue(candidate.expiresAt))) {
    if (grant.kind === 'ALLOWANCE') unusedAllowance[grant.meter] += grant.remaining;
    const forget = (state: AccountState): void => {
      state.grants = state.grants.filter((candidate) => candidate.id !== grant.id);
    };
    if (grant.remaining === 0) forget(draft.state);
    else record(draft, { kind: 'EXPIRY', at, details: { grantId: grant.id, grantKind: grant.kind } }, [grant.meter], forget);
  }

  for (const meter of METERS) {
    if (isDue(draft.state.meters[meter].periodEnd)) resetMeter(draft, meter, at, plans, unusedAllowance[meter]);
  }
}

/**
 * Starts a meter's new period under the current plan: used goes back to zero (for the account
 * and each member), the plan's allowance is granted until the period ends, and with a CAPPED
 * rollover policy on the period that ended, up to its cap of unused allowance is granted as
 * ROLLOVER until the new period ends. Rolled-over credits are not allowance, so they never roll
 * over again.
 */
function resetMeter(draft: Draft, meter: Meter, at: Date, plans: PlanCatalog, unusedAllowance: number): void {
  const ending = draft.state.meters[meter];
  const rules = requirePlan(plans, draft.state.planId).meters[meter];
  const periodEnd = periodContaining(rules.period, draft.state, at).end;
  const rolledOver =
    ending.rollover.kind === 'CAPPED' && !rules.unlimited ? Math.min(ending.rollover.maxCredits, unusedAllowance) : 0;
  const next: MeterState = {
    period: rules.period,
    periodStart: at,
    periodEnd,
    unlimited: rules.unlimited,
    allowance: rules.allowance,
    rollover: rules.rollover,
    used: 0,
  };
  const details = {
    planId: draft.state.planId,
    periodStart: at.toISOString(),
    periodEnd: periodEnd.toISOString(),
    rolledOver,
  };
  record(draft, { kind: 'RESET', at, details }, [meter], (state, seq) => {
    state.meters[meter] = next;
    for (const member of state.members) delete member.used[meter];
    const grant = (kind: 'ALLOWANCE' | 'ROLLOVER', amount: number): void => {
      if (amount === 0) return;
      state.grants.push({ id: grantIdFor(seq, kind, meter), meter, kind, amount, remaining: amount, createdAt: at, expiresAt: periodEnd });
    };
    if (!rules.unlimited) grant('ALLOWANCE', rules.allowance);
    grant('ROLLOVER', rolledOver);
  });
}
