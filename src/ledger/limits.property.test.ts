import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meterFigures, type AccountState } from './account-state.js';
import { applyOperation } from './apply-operation.js';
import type { LedgerEntry } from './entries.js';
import { MAX_BALANCE, MAX_FIGURE, MAX_PLAN_CREDITS } from './limits.js';
import { METERS } from './meters.js';
import { openAccount } from './open-account.js';
import { parsePlanCatalog } from './plans.js';
import { parsePricingCatalog } from './pricing.js';
import { asTester, contextAt, type TestOperation } from './test-support.js';

const DAY = 86_400_000;

/** The largest plans a catalog may have: the clock adds as much as it ever can at each reset. */
const PLANS = parsePlanCatalog({
  plans: {
    huge: {
      name: 'Huge',
      tier: 0,
      meters: {
        AI_CREDITS: { allowance: MAX_PLAN_CREDITS, period: 'DAY', rollover: { kind: 'CAPPED', maxCredits: MAX_PLAN_CREDITS } },
        VIDEO_GENERATIONS: { allowance: MAX_PLAN_CREDITS, period: 'DAY' },
      },
    },
    unlimited: {
      name: 'Unlimited',
      tier: 1,
      meters: {
        AI_CREDITS: { allowance: 0, period: 'MONTH', unlimited: true },
        VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH', unlimited: true },
      },
    },
  },
});

// Amounts an attacker would send: the largest ones GraphQL's Int lets through, and some just below the bound.
const amount = fc.oneof(fc.constant(MAX_FIGURE), fc.constant(MAX_BALANCE), fc.integer({ min: 1, max: MAX_FIGURE }));
const meter = fc.constantFrom(...METERS);
const member = fc.constantFrom('ana', 'bo');
let keys = 0;

const write: fc.Arbitrary<{ wait: number; build: (state: AccountState) => TestOperation }> = fc.record({
  wait: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * DAY })),
  build: fc.oneof(
    fc.tuple(meter, amount).map(([on, credits]) => () => ({ type: 'GRANT', idempotencyKey: `k${keys++}`, meter: on, amount: credits, kind: 'TOP_UP' }) as const),
    fc.tuple(member, amount).map(([memberId, credits]) => () => ({ type: 'DEBIT', idempotencyKey: `k${keys++}`, feature: 'raw', parameters: { amount: credits }, memberId }) as const),
    fc.tuple(member, amount).map(([memberId, credits]) => () => ({ type: 'HOLD', idempotencyKey: `k${keys++}`, feature: 'raw', parameters: { amount: credits }, memberId }) as const),
    fc.nat().map((index) => (state: AccountState) => ({ type: 'COMMIT', idempotencyKey: `k${keys++}`, holdId: state.holds[index % Math.max(1, state.holds.length)]?.id ?? 'none' }) as const),
    fc.tuple(member, meter, amount).map(([memberId, on, cap]) => () => ({ type: 'SET_MEMBER_CAP', idempotencyKey: `k${keys++}`, memberId, meter: on, cap }) as const),
    fc.constantFrom('huge', 'unlimited').map((planId) => () => ({ type: 'CHANGE_PLAN', idempotencyKey: `k${keys++}`, planId }) as const),
  ),
});

/** A feature priced at whatever amount the request names, as the metering API's raw amounts are. */
const PRICING = parsePricingCatalog({
  features: { raw: { counts: { amount: { max: MAX_FIGURE } }, meters: { AI_CREDITS: { baseCost: 1, scaledBy: ['amount'], chargeOnProviderFailure: 'NONE' } } } },
});

function expectReadable(state: AccountState, entries: readonly LedgerEntry[]): void {
  for (const on of METERS) {
    const figures = meterFigures(state, on);
    for (const value of [figures.available, figures.used, figures.reserved, figures.allowance]) expect(value).toBeLessThanOrEqual(MAX_FIGURE);
  }
  for (const { used, caps } of state.members) for (const value of [...Object.values(used), ...Object.values(caps)]) expect(value).toBeLessThanOrEqual(MAX_FIGURE);
  for (const entry of entries) {
    for (const change of entry.changes) {
      for (const value of [change.availableAfter, change.usedAfter, change.reservedAfter, change.allowanceAfter, Math.abs(change.delta)]) {
        expect(value).toBeLessThanOrEqual(MAX_FIGURE);
      }
    }
  }
}

describe('credit limits', () => {
  it('keep every figure within GraphQL Int, whatever amounts are sent and however the clock adds allowance', () => {
    fc.assert(
      fc.property(fc.constantFrom('huge', 'unlimited'), fc.array(write, { minLength: 5, maxLength: 40 }), (planId, writes) => {
        let now = new Date('2026-01-30T22:00:00Z');
        const opened = openAccount({ accountId: 'a', accountType: 'ORGANIZATION', planId }, { now, plans: PLANS });
        if (!opened.ok) throw new Error('open failed');
        let state = opened.state;
        for (const { wait, build } of writes) {
          now = new Date(now.getTime() + wait);
          const result = applyOperation(state, asTester(build(state)), contextAt(now, { plans: PLANS, pricing: PRICING }));
          expectReadable(result.state, result.entries);
          if (!result.outcome.ok) expect(['VALIDATION_ERROR', 'INSUFFICIENT_CREDITS', 'CREDIT_LIMIT_EXCEEDED', 'HOLD_NOT_FOUND', 'MEMBER_CAP_EXCEEDED', 'INVALID_PARAMETER']).toContain(result.outcome.error.code);
          state = result.state;
        }
      }),
      { numRuns: 200 },
    );
  });
});
