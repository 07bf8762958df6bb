import type { AccountState } from './account-state.js';
import type { LedgerError } from './errors.js';
import { availableOn } from './grants.js';
import type { Meter } from './meters.js';
import type { PlanCatalog } from './plans.js';
import { firstResetWhere } from './resets-ahead.js';

/**
 * Refuses taking `needed` credits from the meter's period credits (allowance, rollover, top-ups)
 * when fewer are available: INSUFFICIENT_CREDITS with `limit: PERIOD`, freeing at the first reset
 * of the meter after which `fits` holds (usually the next), or never (null) when no reset gives enough.
 */
export function periodRefusal(
  state: AccountState,
  meter: Meter,
  needed: number,
  plans: PlanCatalog,
  fits: (future: AccountState) => boolean,
): Extract<LedgerError, { code: 'INSUFFICIENT_CREDITS' }> | null {
  const available = availableOn(state.grants, meter);
  if (available >= needed) return null;
  const resetsAt = state.meters[meter].periodEnd;
  return { code: 'INSUFFICIENT_CREDITS', meter, needed, available, resetsAt, limit: 'PERIOD', freesAt: firstResetWhere(state, meter, plans, fits) };
}
