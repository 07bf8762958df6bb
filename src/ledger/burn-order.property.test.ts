/**
 * The burn-down order leaves the user the most: for a random set of grants on one meter and a
 * random spend, no other order of spending keeps more credits through the next reset (the
 * rollover it grants included, with its cap). What is kept is measured by the ledger itself:
 * the account is advanced to the reset with `advanceTo`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountState } from './account-state.js';
import { advanceTo } from './advance.js';
import { availableOn, takeFromGrants, GRANT_KINDS, type Grant } from './grants.js';
import { openAccount } from './open-account.js';
import { parsePlanCatalog } from './plans.js';
import { contextAt } from './test-support.js';

const OPENED = '2025-03-01T00:00:00Z';
/** The end of the first monthly period: the next reset. */
const RESET = '2025-04-01T00:00:00Z';
const DAY = 86_400_000;
const NEW_ALLOWANCE = 10;

const meters = (rollover: unknown) => ({
  AI_CREDITS: { allowance: NEW_ALLOWANCE, period: 'MONTH', rollover },
  VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' },
});
const PLANS = parsePlanCatalog({
  plans: {
    expires: { name: 'No rollover', tier: 0, meters: meters({ kind: 'NONE' }) },
    'capped-3': { name: 'Rollover up to 3', tier: 0, meters: meters({ kind: 'CAPPED', maxCredits: 3 }) },
    'capped-12': { name: 'Rollover up to 12', tier: 0, meters: meters({ kind: 'CAPPED', maxCredits: 12 }) },
    'capped-100': { name: 'Rollover up to 100', tier: 0, meters: meters({ kind: 'CAPPED', maxCredits: 100 }) },
  },
});

/** Before the reset, after it or never; most often at it, with the allowance, where order matters most. */
const expiry = fc.oneof(
  { arbitrary: fc.constant(new Date(RESET)), weight: 4 },
  {
    arbitrary: fc.constantFrom<Date | null>(
      new Date(Date.parse(OPENED) + 10 * DAY),
      new Date(Date.parse(RESET) - 1),
      new Date(Date.parse(RESET) + 1),
      new Date(Date.parse(RESET) + 45 * DAY),
      null,
    ),
    weight: 3,
  },
);
const grantSpec = fc.record({ kind: fc.constantFrom(...GRANT_KINDS), expiresAt: expiry, remaining: fc.integer({ min: 1, max: 20 }) });
const scenario = fc.record({
  planId: fc.constantFrom(...Object.keys(PLANS.plans)),
  grants: fc.array(grantSpec, { minLength: 1, maxLength: 6 }),
  spendShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** The account at its opening with exactly these AI credit grants (the plan's allowance replaced). */
function accountWith(planId: string, specs: readonly { kind: Grant['kind']; expiresAt: Date | null; remaining: number }[]): AccountState {
  const opened = openAccount({ accountId: 'burn', accountType: 'USER', planId }, { now: new Date(OPENED), plans: PLANS });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  const grants = specs.map((spec, index): Grant => ({
    id: `g${index}`,
    meter: 'AI_CREDITS',
    kind: spec.kind,
    amount: spec.remaining,
    remaining: spec.remaining,
    createdAt: new Date(OPENED),
    expiresAt: spec.expiresAt,
  }));
  return { ...opened.state, grants };
}

/** The AI credits available right after the reset: what survived the expiries, the rollover and the new allowance. */
function keptThroughReset(state: AccountState, remaining: readonly number[]): number {
  const grants = state.grants.map((grant, index) => ({ ...grant, remaining: remaining[index] ?? 0 }));
  const advanced = advanceTo({ ...state, grants }, contextAt(RESET, { plans: PLANS }));
  return availableOn(advanced.state.grants, 'AI_CREDITS');
}

/** Spends `amount` from the grants in the given order of their indexes: what each has left. */
function spendInOrder(grants: readonly Grant[], order: readonly number[], amount: number): number[] {
  const remaining = grants.map((grant) => grant.remaining);
  let missing = amount;
  for (const index of order) {
    const taken = Math.min(remaining[index] ?? 0, missing);
    remaining[index] = (remaining[index] ?? 0) - taken;
    missing -= taken;
  }
  return remaining;
}

function* permutations(items: readonly number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (const [index, item] of items.entries()) {
    for (const rest of permutations([...items.slice(0, index), ...items.slice(index + 1)])) yield [item, ...rest];
  }
}

describe('burn-down order', () => {
  it('keeps at least as many credits through the next reset as any other order of spending', () => {
    fc.assert(
      fc.property(scenario, ({ planId, grants: specs, spendShare }) => {
        const state = accountWith(planId, specs);
        const total = availableOn(state.grants, 'AI_CREDITS');
        const spend = Math.floor(spendShare * total);

        const burned = structuredClone(state.grants);
        takeFromGrants(burned, 'AI_CREDITS', spend, state.meters.AI_CREDITS.rollover);
        const kept = keptThroughReset(state, burned.map((grant) => grant.remaining));

        // Many orders leave the same grants behind: measure each distinct outcome once.
        const outcomes = new Map<string, number[]>();
        for (const order of permutations(state.grants.map((_, index) => index))) {
          const remaining = spendInOrder(state.grants, order, spend);
          outcomes.set(remaining.join(','), remaining);
        }
        for (const remaining of outcomes.values()) {
          const other = keptThroughReset(state, remaining);
          if (other > kept) {
            expect.fail(`spending to leave [${remaining.join(', ')}] keeps ${other}, the burn-down order keeps ${kept}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
