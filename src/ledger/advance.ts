import type { AccountState, MeterState } from './account-state.js';
import { dropIdleMembers, dropSpentGrants } from './account-state.js';
import { applyScheduledPolicy, effectiveRules, rulesUnder } from './credit-policy-terms.js';
import type { Draft } from './draft.js';
import { beginDraft, record } from './draft.js';
import { grantIdFor, type Grant } from './grants.js';
import type { LedgerEntry } from './entries.js';
import { settleHold } from './hold-settlement.js';
import { METERS, recordOfMeters, type Meter } from './meters.js';
import type { ClockContext } from './operations.js';
import { periodContaining } from './periods.js';
import { requirePlan, type Plan, type PlanCatalog } from './plans.js';

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
  dropSpentGrants(draft.state);
  dropIdleMembers(draft.state);
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

/**
 * When something next falls due on the account without any write: a hold's TTL, a grant's
 * expiry, a period's end or a scheduled plan (null: nothing ever does).
 */
export function nextDueAt(state: AccountState): Date | null {
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
 * under the plan now in force. A meter whose period kind the scheduled plan changes (a monthly
 * meter becoming daily, or back) ends its period here too, whenever it was due to end.
 */
function processDueAt(draft: Draft, at: Date, plans: PlanCatalog): void {
  const isDue = (when: Date): boolean => when.getTime() <= at.getTime();

  for (const hold of draft.state.holds.filter((candidate) => isDue(candidate.expiresAt))) {
    settleHold(draft, hold.id, {}, 'RELEASED', { at, details: { reason: 'HOLD_EXPIRED' } });
  }

  const restarting = draft.state.pendingPlan && isDue(draft.state.pendingPlan.effectiveAt) ? applyPendingPlan(draft, at, plans) : [];
  const ending = METERS.filter((meter) => isDue(draft.state.meters[meter].periodEnd) || restarting.includes(meter));
  const unusedAllowance = expireGrants(
    draft,
    at,
    draft.state.grants.filter(
      (candidate) => (candidate.expiresAt && isDue(candidate.expiresAt)) || (candidate.kind === 'ALLOWANCE' && restarting.includes(candidate.meter)),
    ),
  );
  for (const meter of ending) resetMeter(draft, meter, at, plans, unusedAllowance[meter]);
}

/** Removes `grants` at `at`, each with an EXPIRY entry unless spent; answers the unused allowance per meter (for rollover). */
function expireGrants(draft: Draft, at: Date, grants: readonly Grant[]): Record<Meter, number> {
  const unusedAllowance = recordOfMeters(() => 0);
  for (const grant of grants) {
    if (grant.kind === 'ALLOWANCE') unusedAllowance[grant.meter] += grant.remaining;
    const forget = (state: AccountState): void => {
      state.grants = state.grants.filter((candidate) => candidate.id !== grant.id);
    };
    if (grant.remaining === 0) forget(draft.state);
    else record(draft, { kind: 'EXPIRY', at, details: { grantId: grant.id, grantKind: grant.kind } }, [grant.meter], forget);
  }
  return unusedAllowance;
}

/** The meters whose period kind differs under `plan` (e.g. monthly AI credits becoming daily), the account's overrides laid over it. */
export function periodKindChanges(state: AccountState, plan: Plan): Meter[] {
  return METERS.filter((meter) => rulesUnder(plan, state, meter).period !== state.meters[meter].period);
}

/**
 * Ends the current period of each of `meters` at `at`, before its time, and starts a new one
 * under the account's plan (which a plan change has just set): the ending period's allowance
 * expires, rolling over per that period's terms, as at any reset, and the new period starts at
 * `at` and ends where its kind says. Other grants (top-ups, adjustments, rolled-over credits)
 * keep their own expiry.
 */
export function restartPeriods(draft: Draft, meters: readonly Meter[], at: Date, plans: PlanCatalog): void {
  if (meters.length === 0) return;
  const allowances = draft.state.grants.filter((grant) => grant.kind === 'ALLOWANCE' && meters.includes(grant.meter));
  const unusedAllowance = expireGrants(draft, at, allowances);
  for (const meter of meters) resetMeter(draft, meter, at, plans, unusedAllowance[meter]);
}

/**
 * At the billing reset a scheduled downgrade becomes the plan; the meters' own resets then use it.
 * Answers the meters whose period kind the new plan changes: their periods start over at `at`.
 */
function applyPendingPlan(draft: Draft, at: Date, plans: PlanCatalog): Meter[] {
  const pending = draft.state.pendingPlan;
  if (!pending) return [];
  record(draft, { kind: 'PLAN_CHANGE', at, details: { status: 'APPLIED', fromPlanId: draft.state.planId, toPlanId: pending.planId } }, [], (state) => {
    state.planId = pending.planId;
    state.pendingPlan = null;
  });
  return periodKindChanges(draft.state, requirePlan(plans, pending.planId));
}

/**
 * Starts a meter's new period under the current plan and the account's credit policy (a policy
 * scheduled for this reset takes over first): used goes back to zero (for the account and each
 * member), the allowance is granted until the period ends, and with a CAPPED rollover policy on
 * the period that ended, up to its cap of unused allowance is granted as ROLLOVER until the new
 * period ends. Rolled-over credits are not allowance, so they never roll over again. The day's
 * usage carries on: a daily limit counts calendar days, whatever period they fall in.
 */
function resetMeter(draft: Draft, meter: Meter, at: Date, plans: PlanCatalog, unusedAllowance: number): void {
  applyScheduledPolicy(draft, meter, at);
  const ending = draft.state.meters[meter];
  const rules = effectiveRules(plans, draft.state, meter);
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
    ...(rules.dailyLimit !== undefined && { dailyLimit: rules.dailyLimit }),
    ...(ending.today && { today: ending.today }),
  };
  const details = {
    planId: draft.state.planId,
    periodStart: at.toISOString(),
    periodEnd: periodEnd.toISOString(),
    rolledOver,
  };
  record(draft, { kind: 'RESET', at, details }, [meter], (state, seq) => {
    state.meters[meter] = { ...next, periodSeq: seq };
    for (const member of state.members) delete member.used[meter];
    const grant = (kind: 'ALLOWANCE' | 'ROLLOVER', amount: number): void => {
      if (amount === 0) return;
      state.grants.push({ id: grantIdFor(seq, kind, meter), meter, kind, amount, remaining: amount, createdAt: at, expiresAt: periodEnd });
    };
    if (!rules.unlimited) grant('ALLOWANCE', rules.allowance);
    grant('ROLLOVER', rolledOver);
  });
}
