import type { AccountState } from './account-state.js';
import { grantIdFor } from './grants.js';
import type { Meter } from './meters.js';

/**
 * Changes the current period's allowance of a limited meter by `difference` in the middle of the
 * period (an upgrade, a credit policy applied at once): the period's ALLOWANCE grant grows by a
 * raise (a new one until the period ends if it was spent and dropped), and shrinks by a cut at
 * most by what it still has, so credits already consumed or held are never taken back.
 */
export function changeAllowance(state: AccountState, meter: Meter, difference: number, seq: number, at: Date): void {
  const meterState = state.meters[meter];
  meterState.allowance = Math.max(0, meterState.allowance + difference);
  if (difference === 0 || meterState.unlimited) return;
  const allowanceGrant = state.grants.find(
    (grant) => grant.meter === meter && grant.kind === 'ALLOWANCE' && grant.expiresAt?.getTime() === meterState.periodEnd.getTime(),
  );
  if (allowanceGrant) {
    const change = Math.max(difference, -allowanceGrant.remaining);
    allowanceGrant.amount += change;
    allowanceGrant.remaining += change;
  } else if (difference > 0) {
    state.grants.push({ id: grantIdFor(seq, 'ALLOWANCE', meter), meter, kind: 'ALLOWANCE', amount: difference, remaining: difference, createdAt: at, expiresAt: meterState.periodEnd });
  }
}
