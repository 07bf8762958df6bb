import type { AccountState } from './account-state.js';
import { advanceDraft } from './advance.js';
import { beginDraft } from './draft.js';
import type { Meter } from './meters.js';
import type { PlanCatalog } from './plans.js';

/**
 * More steps than any look-ahead needs: the account settles once its holds have expired (90 days
 * at most, so about 92 resets of a daily meter, or as many day ends) and a pending plan or
 * scheduled policy has applied (at the next billing reset at the latest).
 */
const MAX_STEPS_AHEAD = 2_000;

/**
 * The first instant, after `from` and not before `notBefore`, at which `fits` holds if nothing
 * else happened: each of the `meters`' resets and, under a daily limit, the ends of its days
 * (`dayEndAfter`), on a copy of the account run forward: holds expiring, a pending plan or
 * scheduled policy applying, grants expiring and allowance rolling over as they would. What a
 * refusal's `freesAt` promises: every meter of the request fits at once, its period credits and
 * its day. Null when no instant would: once the account has settled (no hold left to give credits
 * back, nothing scheduled to change terms) and every meter has reset twice since, every later
 * reset gives the same terms, allowance and rollover and no more other credits (they only expire).
 */
export function firstFitAfter(
  state: AccountState,
  meters: readonly Meter[],
  plans: PlanCatalog,
  window: { from: Date; notBefore: Date },
  dayEndAfter: (future: AccountState, meter: Meter, at: Date) => Date | null,
  fits: (future: AccountState, at: Date) => boolean,
): Date | null {
  const future = beginDraft(state);
  // Nothing before `notBefore` counts: run the copy forward to it at once rather than a day at a time.
  const jump = window.notBefore.getTime() > window.from.getTime();
  let at = jump ? window.notBefore : window.from;
  if (jump) {
    advanceDraft(future, at, plans);
    if (fits(future.state, at)) return at;
  }
  const settledResets = new Map<Meter, number>(meters.map((meter) => [meter, 0]));
  for (let steps = 0; steps < MAX_STEPS_AHEAD && [...settledResets.values()].some((count) => count < 2); steps += 1) {
    const candidates = meters.flatMap((meter) => [future.state.meters[meter].periodEnd, dayEndAfter(future.state, meter, at)]);
    at = new Date(Math.min(...candidates.flatMap((candidate) => (candidate ? [candidate.getTime()] : []))));
    const resetting = meters.filter((meter) => future.state.meters[meter].periodEnd.getTime() === at.getTime());
    advanceDraft(future, at, plans);
    if (at.getTime() >= window.notBefore.getTime() && fits(future.state, at)) return at;
    if (resetting.length === 0) continue;
    const settled = future.state.holds.length === 0 && future.state.pendingPlan === null && meters.every((meter) => !future.state.policies?.[meter]?.scheduled);
    for (const meter of settled ? resetting : meters) settledResets.set(meter, settled ? settledResets.get(meter)! + 1 : 0);
  }
  return null;
}
