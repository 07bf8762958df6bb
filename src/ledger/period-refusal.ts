import type { AccountState } from './account-state.js';
import type { LedgerError } from './errors.js';
import { availableOn } from './grants.js';
import type { Meter } from './meters.js';
import type { PlanCatalog } from './plans.js';
import { firstFitAfter } from './resets-ahead.js';

/** A refusal by a limit, before its `freesAt` is looked for. */
export type Shortfall = Omit<Extract<LedgerError, { code: 'INSUFFICIENT_CREDITS' }>, 'freesAt'>;

/** Taking `needed` credits from the meter's period credits (allowance, rollover, top-ups) when fewer are available: PERIOD. */
export function periodShortfall(state: AccountState, meter: Meter, needed: number): Shortfall | null {
  const available = availableOn(state.grants, meter);
  if (available >= needed) return null;
  return { code: 'INSUFFICIENT_CREDITS', meter, needed, available, resetsAt: state.meters[meter].periodEnd, limit: 'PERIOD' };
}

/**
 * Refuses taking `needed` period credits of one meter when fewer are available, freeing at the
 * first reset after which they would be (usually the next), or never (null).
 */
export function periodRefusal(state: AccountState, meter: Meter, needed: number, plans: PlanCatalog, now: Date): Extract<LedgerError, { code: 'INSUFFICIENT_CREDITS' }> | null {
  const shortfall = periodShortfall(state, meter, needed);
  if (!shortfall) return null;
  const window = { from: now, notBefore: shortfall.resetsAt };
  return { ...shortfall, freesAt: firstFitAfter(state, [meter], plans, window, () => null, (future) => availableOn(future.grants, meter) >= needed) };
}
