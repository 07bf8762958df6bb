import type { Meter } from './meters.js';
import type { RolloverPolicy } from './plans.js';

export const GRANT_KINDS = ['ALLOWANCE', 'ROLLOVER', 'ADJUSTMENT', 'TOP_UP'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

/**
 * A batch of credits on one meter. ALLOWANCE and ROLLOVER grants are made by period resets,
 * TOP_UP (purchased) and ADJUSTMENT (given by an admin) by GRANT operations. Grants are always
 * positive: an admin takes credits away with a REMOVE_CREDITS operation (an ADJUSTMENT entry),
 * which burns grants like a debit, so every grant's history stays "amount in, remaining out".
 */
export type Grant = {
  id: string;
  meter: Meter;
  kind: GrantKind;
  amount: number;
  remaining: number;
  createdAt: Date;
  /** Exclusive: at this instant the remaining credits expire. `null` never expires. */
  expiresAt: Date | null;
};

/**
 * Named after the entry that made the grant, its kind and its meter (one entry may grant on
 * several meters): unique within the account, and the same whenever the entry is recomputed.
 */
export function grantIdFor(seq: number, kind: GrantKind, meter: Meter): string {
  return `${kind}:${seq}:${meter}`;
}

/** Grants live in creation order in the account, which makes that order the final tie-breaker. */
export type Allocation = { grantId: string; amount: number };

const KIND_BURN_RANK: Record<GrantKind, number> = { ALLOWANCE: 0, ROLLOVER: 1, ADJUSTMENT: 2, TOP_UP: 3 };
/** After every kind: the allowance of a meter that rolls over. */
const ROLLING_ALLOWANCE_RANK = 4;

/**
 * The order in which one meter's credits are spent, the one that leaves the user the most
 * (`rollover` is that meter's policy for the current period, `state.meters[meter].rollover`):
 * - whatever expires soonest first, so that nothing expires while credits that would have
 *   lasted are spent; grants that never expire last;
 * - among grants expiring together, what is simply lost at that instant before what can still
 *   roll over: on a meter that rolls over (CAPPED), the plan's allowance is spent last, because
 *   its unused part becomes rollover at the reset while rolled-over, admin-given and purchased
 *   credits expiring with it are lost (5,000 allowance + 1,000 rollover, 5,500 spent: 500 roll
 *   over, not 0). Otherwise the allowance first, then rolled-over, then admin-given, then
 *   purchased credits (what a customer paid for is kept longest);
 * - and otherwise oldest first.
 * `burn-order.property.test.ts` checks that no other order leaves the user more after the reset.
 */
export function burnDownOrder(grants: readonly Grant[], rollover: RolloverPolicy): Grant[] {
  const expiry = (grant: Grant): number => grant.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const rank = (grant: Grant): number =>
    grant.kind === 'ALLOWANCE' && rollover.kind === 'CAPPED' ? ROLLING_ALLOWANCE_RANK : KIND_BURN_RANK[grant.kind];
  // Array.prototype.sort is stable, so equal grants keep their creation order.
  return [...grants].sort((a, b) => expiry(a) - expiry(b) || rank(a) - rank(b));
}

export function availableOn(grants: readonly Grant[], meter: Meter): number {
  return sumRemaining(grants.filter((grant) => grant.meter === meter));
}

export function topUpRemainingOn(grants: readonly Grant[], meter: Meter): number {
  return sumRemaining(grants.filter((grant) => grant.meter === meter && grant.kind === 'TOP_UP'));
}

function sumRemaining(grants: readonly Grant[]): number {
  return grants.reduce((sum, grant) => sum + grant.remaining, 0);
}

export function totalOf(allocations: readonly Allocation[]): number {
  return allocations.reduce((sum, allocation) => sum + allocation.amount, 0);
}

/**
 * Takes `amount` credits from the meter's grants in burn order under the meter's `rollover`
 * policy, changing the (draft) grants in place, and says which grant gave how much. The caller
 * has checked that enough is available.
 */
export function takeFromGrants(grants: Grant[], meter: Meter, amount: number, rollover: RolloverPolicy): Allocation[] {
  const allocations: Allocation[] = [];
  let missing = amount;
  for (const grant of burnDownOrder(grants.filter((candidate) => candidate.meter === meter), rollover)) {
    if (missing === 0) break;
    const taken = Math.min(grant.remaining, missing);
    if (taken === 0) continue;
    grant.remaining -= taken;
    missing -= taken;
    allocations.push({ grantId: grant.id, amount: taken });
  }
  if (missing > 0) throw new Error(`takeFromGrants: ${missing} ${meter} credits short; check availability first`);
  return allocations;
}

/** Splits allocations into the first `amount` credits (in the order they were taken) and the rest. */
export function splitAllocations(allocations: readonly Allocation[], amount: number): [Allocation[], Allocation[]] {
  const first: Allocation[] = [];
  const rest: Allocation[] = [];
  let wanted = amount;
  for (const allocation of allocations) {
    const taken = Math.min(wanted, allocation.amount);
    wanted -= taken;
    if (taken > 0) first.push({ grantId: allocation.grantId, amount: taken });
    if (allocation.amount > taken) rest.push({ grantId: allocation.grantId, amount: allocation.amount - taken });
  }
  return [first, rest];
}
