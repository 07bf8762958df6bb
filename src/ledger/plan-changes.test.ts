import { describe, expect, it } from 'vitest';
import { meterFigures } from './account-state.js';
import type { LedgerEntry } from './entries.js';
import { METERS } from './meters.js';
import { parsePlanCatalog } from './plans.js';
import { replayEntries } from './replay.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

/** An entry as its kind and each meter's change of `available`. */
const kindAndDeltas = (entry: LedgerEntry) => [entry.kind, entry.changes.map((change) => [change.meter, change.delta])];

const T0 = '2025-03-10T00:00:00Z';

describe('plan changes', () => {
  it('upgrade at once: the difference joins the current allowance, top-ups untouched', () => {
    const account = TestAccount.open({ planId: 'rheos.free', billingAnchor: new Date('2025-03-01T00:00:00Z') }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 30, kind: 'TOP_UP' }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    expect(expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'rheos.pro' }))).toMatchObject({
      mode: 'IMMEDIATE',
      effectiveAt: new Date(T0),
    });
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_025, topUp: 30, used: 5 });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'PLAN_CHANGE',
      details: { status: 'APPLIED', fromPlanId: 'rheos.free', toPlanId: 'rheos.pro' },
      changes: [
        { meter: 'AI_CREDITS', delta: 950, allowanceAfter: 1_000, availableAfter: 1_025 },
        { meter: 'VIDEO_GENERATIONS', delta: 0 },
      ],
    });
    expect(account.state.grants.filter((grant) => grant.kind === 'ALLOWANCE')).toHaveLength(1);
  });

  it('upgrade meters whose allowance was spent with a new allowance grant on each', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'ai', meter: 'AI_CREDITS', amount: 20 }));
    expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'video', meter: 'VIDEO_GENERATIONS', amount: 3 }));
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'reelbot.starter' }));
    expect(account.state.grants.map((grant) => grant.id)).toEqual(['ALLOWANCE:5:AI_CREDITS', 'ALLOWANCE:5:VIDEO_GENERATIONS']);
    // The daily AI allowance expires at midnight; the monthly video one stays.
    account.at('2025-03-11T00:00:00Z').advance();
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 12, allowance: 15 });
  });

  it('upgrade to unlimited at once, and keep the meter unlimited until the period ends', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'reelbot.enterprise' }));
    expect(account.balance('AI_CREDITS')).toMatchObject({ unlimited: true, available: 20 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ allowance: 300, available: 300 });
  });

  it('downgrade at the next billing reset, keeping rolled-over and purchased credits', () => {
    const account = TestAccount.open({ planId: 'rheos.business', billingAnchor: new Date('2025-02-15T08:00:00Z') }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 30, kind: 'TOP_UP' }));
    expect(expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'down', planId: 'rheos.free' }))).toMatchObject({
      mode: 'SCHEDULED',
      effectiveAt: new Date('2025-03-15T08:00:00Z'),
    });
    expect(account.state.pendingPlan).toEqual({ planId: 'rheos.free', effectiveAt: new Date('2025-03-15T08:00:00Z') });
    expect(account.balance()).toMatchObject({ allowance: 5_000, available: 5_030 });

    account.at('2025-03-15T08:00:00Z').advance();
    expect(account.state).toMatchObject({ planId: 'rheos.free', pendingPlan: null });
    // Business's rollover applies to the business period that ended: 1,000 carried over.
    expect(account.balance()).toMatchObject({ allowance: 50, available: 1_080, topUp: 30 });
    expect(account.entries.slice(-4).map(kindAndDeltas)).toEqual([
      ['PLAN_CHANGE', []],
      ['EXPIRY', [['AI_CREDITS', -5_000]]],
      ['RESET', [['AI_CREDITS', 1_050]]],
      ['RESET', [['VIDEO_GENERATIONS', 0]]],
    ]);
    expect(account.entriesOfKind('PLAN_CHANGE').map((entry) => entry.details.status)).toEqual(['SCHEDULED', 'APPLIED']);
  });

  it('to the current plan cancel a pending downgrade', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'down', planId: 'rheos.free' }));
    expect(expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'stay', planId: 'rheos.pro' }))).toMatchObject({ mode: 'UNCHANGED' });
    expect(account.state.pendingPlan).toBeNull();
    expect(account.entries.at(-1)?.details).toMatchObject({ status: 'PENDING_CANCELLED' });
    account.at('2025-05-01T00:00:00Z');
    expect(account.balance()).toMatchObject({ allowance: 1_000 });
  });

  it('refuse unknown plans', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expect(expectError(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'x', planId: 'rheos.platinum' }))).toEqual({
      code: 'UNKNOWN_PLAN',
      planId: 'rheos.platinum',
    });
  });
});

describe('plan changes across products', () => {
  it('refuse a plan of another product, changing nothing (not even a pending downgrade)', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'down', planId: 'rheos.free' }));
    const [state, entries] = [structuredClone(account.state), account.entries.length];
    for (const planId of ['reelbot.pro', 'reelbot.free']) {
      expect(expectError(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: `to-${planId}`, planId }))).toEqual({
        code: 'PLAN_OF_ANOTHER_PRODUCT',
        currentPlanId: 'rheos.pro',
        currentProduct: 'rheos',
        planId,
        product: 'reelbot',
      });
    }
    expect(account.state).toEqual(state);
    expect(account.entries).toHaveLength(entries);
  });

  it('refuse rheos.free → reelbot.pro, which would keep the monthly period for a daily allowance', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expect(expectError(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'reelbot.pro' }))).toMatchObject({
      code: 'PLAN_OF_ANOTHER_PRODUCT',
      currentProduct: 'rheos',
      product: 'reelbot',
    });
    expect(account.state.planId).toBe('rheos.free');
    expect(account.balance()).toMatchObject({ allowance: 50, available: 50 });
  });
});

/**
 * One product whose plans differ in the period kind of AI credits: free is monthly (and rolls up
 * to 30 unused credits over), pro daily, max monthly again.
 */
const PERIOD_KIND_PLANS = parsePlanCatalog({
  plans: {
    free: {
      product: 'app',
      name: 'Free',
      tier: 0,
      meters: {
        AI_CREDITS: { allowance: 100, period: 'MONTH', rollover: { kind: 'CAPPED', maxCredits: 30 } },
        VIDEO_GENERATIONS: { allowance: 2, period: 'MONTH' },
      },
    },
    pro: {
      product: 'app',
      name: 'Pro',
      tier: 1,
      meters: { AI_CREDITS: { allowance: 40, period: 'DAY' }, VIDEO_GENERATIONS: { allowance: 10, period: 'MONTH' } },
    },
    max: {
      product: 'app',
      name: 'Max',
      tier: 2,
      meters: { AI_CREDITS: { allowance: 2_000, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 20, period: 'MONTH' } },
    },
  },
});

describe('plan changes that change a period kind', () => {
  // Billing months start on the 1st at 08:00 UTC, so a billing reset is never a midnight.
  const open = (planId: string, at: string) =>
    TestAccount.open({ planId, billingAnchor: new Date('2025-03-01T08:00:00Z') }, at, { plans: PERIOD_KIND_PLANS });
  const expectConserved = (account: TestAccount) => {
    const replayed = replayEntries(account.entries);
    for (const meter of METERS) expect(replayed.meters[meter]).toEqual(meterFigures(account.state, meter));
  };
  const resetDays = (account: TestAccount) =>
    account.entriesOfKind('RESET').filter((entry) => entry.changes[0]?.meter === 'AI_CREDITS').map((entry) => entry.at.toISOString());

  it('upgrade monthly → daily: the monthly period ends at the change, a daily one starts with the daily allowance, and it resets every day', () => {
    const account = open('free', '2025-03-10T15:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 5, kind: 'TOP_UP' }));
    expect(expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'pro' }))).toMatchObject({ mode: 'IMMEDIATE' });

    // 95 unused monthly credits: 30 roll over (free's terms, until the new period ends), 65 expire.
    expect(account.entries.slice(-3).map(kindAndDeltas)).toEqual([
      ['PLAN_CHANGE', [['AI_CREDITS', 0], ['VIDEO_GENERATIONS', 8]]],
      ['EXPIRY', [['AI_CREDITS', -95]]],
      ['RESET', [['AI_CREDITS', 70]]],
    ]);
    expect(account.state.meters.AI_CREDITS).toMatchObject({
      period: 'DAY',
      periodStart: new Date('2025-03-10T15:00:00Z'),
      periodEnd: new Date('2025-03-11T00:00:00Z'),
      allowance: 40,
      used: 0,
    });
    expect(account.balance()).toMatchObject({ allowance: 40, available: 75, topUp: 5, resetsAt: new Date('2025-03-11T00:00:00Z') });
    // Video generations keep their monthly period: the difference joins it, as for any upgrade.
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ allowance: 10, available: 10, resetsAt: new Date('2025-04-01T08:00:00Z') });

    expectOk(account.at('2025-03-10T20:00:00Z').apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'brand.analyze' }));
    account.at('2025-03-11T00:00:00Z').advance();
    expect(account.balance()).toMatchObject({ allowance: 40, available: 45, used: 0, resetsAt: new Date('2025-03-12T00:00:00Z') });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'c', feature: 'brand.analyze' }));
    account.at('2025-03-13T12:00:00Z').advance();
    expect(account.balance()).toMatchObject({ allowance: 40, available: 45, used: 0, resetsAt: new Date('2025-03-14T00:00:00Z') });
    expect(resetDays(account)).toEqual([
      '2025-03-10T15:00:00.000Z',
      '2025-03-10T15:00:00.000Z',
      '2025-03-11T00:00:00.000Z',
      '2025-03-12T00:00:00.000Z',
      '2025-03-13T00:00:00.000Z',
    ]);
    expectConserved(account);
  });

  it('upgrade daily → monthly: the day ends at the change and a monthly period starts, ending at the billing reset', () => {
    const account = open('pro', '2025-03-10T15:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'max' }));
    expect(account.entries.slice(-2).map((entry) => [entry.kind, entry.changes.map((change) => change.delta)])).toEqual([
      ['EXPIRY', [-35]],
      ['RESET', [2_000]],
    ]);
    expect(account.balance()).toMatchObject({
      allowance: 2_000,
      available: 2_000,
      used: 0,
      periodStart: new Date('2025-03-10T15:00:00Z'),
      resetsAt: new Date('2025-04-01T08:00:00Z'),
    });
    // No reset at midnight any more: the month's allowance stays.
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'brand.analyze' }));
    account.at('2025-03-12T00:00:00Z').advance();
    expect(account.balance()).toMatchObject({ available: 1_995, used: 5, resetsAt: new Date('2025-04-01T08:00:00Z') });
    expectConserved(account);
  });

  it('scheduled downgrade daily → monthly: at the billing reset the day ends and a monthly period starts from there', () => {
    const account = open('max', '2025-03-10T15:00:00Z');
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'to-pro', planId: 'pro' }));
    expect(account.state.pendingPlan).toEqual({ planId: 'pro', effectiveAt: new Date('2025-04-01T08:00:00Z') });
    account.at('2025-04-01T08:00:00Z').advance();
    // Max's month ended on time and pro's first day starts here, ending at midnight.
    expect(account.balance()).toMatchObject({ allowance: 40, available: 40, periodStart: new Date('2025-04-01T08:00:00Z'), resetsAt: new Date('2025-04-02T00:00:00Z') });

    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'to-free', planId: 'free' }));
    expect(account.state.pendingPlan).toEqual({ planId: 'free', effectiveAt: new Date('2025-05-01T08:00:00Z') });
    account.at('2025-05-01T07:00:00Z').advance();
    expect(account.balance()).toMatchObject({ allowance: 40, resetsAt: new Date('2025-05-02T00:00:00Z') });

    const before = account.entries.length;
    account.at('2025-05-01T08:00:00Z').advance();
    expect(account.state).toMatchObject({ planId: 'free', pendingPlan: null });
    // The day's allowance expires with the video generations' month, and both start over.
    expect(account.entries.slice(before).map(kindAndDeltas)).toEqual([
      ['PLAN_CHANGE', []],
      ['EXPIRY', [['VIDEO_GENERATIONS', -10]]],
      ['EXPIRY', [['AI_CREDITS', -40]]],
      ['RESET', [['AI_CREDITS', 100]]],
      ['RESET', [['VIDEO_GENERATIONS', 2]]],
    ]);
    expect(account.state.meters.AI_CREDITS).toMatchObject({
      period: 'MONTH',
      periodStart: new Date('2025-05-01T08:00:00Z'),
      periodEnd: new Date('2025-06-01T08:00:00Z'),
      allowance: 100,
    });
    // Midnight no longer resets: free's monthly allowance lasts the month.
    expectOk(account.at('2025-05-01T09:00:00Z').apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    account.at('2025-05-03T00:00:00Z').advance();
    expect(account.balance()).toMatchObject({ allowance: 100, available: 95, used: 5, resetsAt: new Date('2025-06-01T08:00:00Z') });
    expect(resetDays(account).slice(-3)).toEqual(['2025-04-30T00:00:00.000Z', '2025-05-01T00:00:00.000Z', '2025-05-01T08:00:00.000Z']);
    expectConserved(account);
  });
});
