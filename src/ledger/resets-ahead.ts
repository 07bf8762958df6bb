import type { AccountState } from './account-state.js';
import { advanceDraft } from './advance.js';
import { beginDraft } from './draft.js';
import type { Meter } from './meters.js';
import type { PlanCatalog } from './plans.js';

/**
 * More resets than any look-ahead needs: a meter settles (see `firstResetWhere`) once its holds
 * have expired (90 days at most, so about 92 resets of a daily meter) and a pending plan or
 * scheduled policy has applied (at the next billing reset at the latest).
 */
const MAX_RESETS_AHEAD = 400;

/**
 * The first of the meter's resets after which `fits` holds if nothing else happened: the account's
 * clock run forward on a copy, holds expiring, a pending plan or scheduled policy applying, grants
 * expiring and allowance rolling over as they would. What a refusal's `freesAt` promises. Null
 * when none would: once the meter has settled (no hold left to give credits back, nothing
 * scheduled to change its terms) at two resets in a row, every later reset gives the same terms,
 * allowance and rollover (a full allowance unused, capped) and no more other credits (they only
 * expire), so no later reset fits either.
 */
export function firstResetWhere(state: AccountState, meter: Meter, plans: PlanCatalog, fits: (future: AccountState, at: Date) => boolean): Date | null {
  const future = beginDraft(state);
  let settledResets = 0;
  for (let resets = 0; resets < MAX_RESETS_AHEAD && settledResets < 2; resets += 1) {
    const reset = future.state.meters[meter].periodEnd;
    advanceDraft(future, reset, plans);
    if (fits(future.state, reset)) return reset;
    const settled = future.state.holds.length === 0 && future.state.pendingPlan === null && !future.state.policies?.[meter]?.scheduled;
    settledResets = settled ? settledResets + 1 : 0;
  }
  if (settledResets < 2) throw new Error(`firstResetWhere: ${meter} did not settle within ${MAX_RESETS_AHEAD} resets`);
  return null;
}
