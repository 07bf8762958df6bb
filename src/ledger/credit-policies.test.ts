import { describe, expect, it } from 'vitest';
import { meterFigures } from './account-state.js';
import { METERS } from './meters.js';
import { parsePlanCatalog } from './plans.js';
import { replayEntries } from './replay.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

const PLANS = parsePlanCatalog({
  plans: {
    pro: { name: 'Pro', tier: 1, meters: { AI_CREDITS: { allowance: 1_000, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 10, period: 'MONTH' } } },
    business: { name: 'Business', tier: 2, meters: { AI_CREDITS: { allowance: 5_000, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 20, period: 'MONTH' } } },
  },
});
const RESET = new Date('2025-04-01T00:00:00Z');

const open = (planId = 'pro') => TestAccount.open({ planId, billingAnchor: new Date('2025-03-01T00:00:00Z') }, '2025-03-10T00:00:00Z', { plans: PLANS });
const spend = (account: TestAccount, key: string, amount: number) => account.apply({ type: 'DEBIT', idempotencyKey: key, amounts: { AI_CREDITS: amount } });
const setPolicy = (account: TestAccount, key: string, terms: object, effective: 'NOW' | 'NEXT_RESET' = 'NOW') =>
  account.apply({ type: 'SET_CREDIT_POLICY', idempotencyKey: key, meter: 'AI_CREDITS', terms, effective });
const removePolicy = (account: TestAccount, key: string, effective: 'NOW' | 'NEXT_RESET' = 'NOW') =>
  account.apply({ type: 'REMOVE_CREDIT_POLICY', idempotencyKey: key, meter: 'AI_CREDITS', effective });

const expectReplayed = (account: TestAccount) => {
  const projection = replayEntries(account.entries);
  for (const meter of METERS) expect(projection.meters[meter]).toEqual(meterFigures(account.state, meter));
};

describe('per-account credit policies', () => {
  it('applied now, change the period allowance by the difference, recorded as POLICY_CHANGE', () => {
    const account = open();
    expectOk(spend(account, 'a', 300));
    expect(expectOk(setPolicy(account, 'p', { allowance: 3_000 }))).toMatchObject({ type: 'CREDIT_POLICY_CHANGED', meter: 'AI_CREDITS', status: 'APPLIED', effectiveAt: new Date('2025-03-10T00:00:00Z') });
    expect(account.balance()).toMatchObject({ allowance: 3_000, available: 2_700, used: 300 });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'POLICY_CHANGE',
      idempotencyKey: 'p',
      details: { meter: 'AI_CREDITS', status: 'APPLIED', allowance: 3_000, period: null, unlimited: null, rollover: null, dailyLimit: null },
      changes: [{ meter: 'AI_CREDITS', delta: 2_000, allowanceAfter: 3_000 }],
    });
    // The override outlives resets until removed.
    account.at(RESET).advance();
    expect(account.balance()).toMatchObject({ allowance: 3_000, available: 3_000, used: 0 });
    expect(account.state.policies?.AI_CREDITS).toEqual({ current: { terms: { allowance: 3_000 }, since: new Date('2025-03-10T00:00:00Z') }, scheduled: null });
    expectReplayed(account);
  });

  it('lowered now, take back at most what the allowance still has: nothing consumed or held', () => {
    const account = open();
    expectOk(spend(account, 'a', 700));
    expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', amounts: { AI_CREDITS: 200 } }));
    expectOk(setPolicy(account, 'p', { allowance: 500 }));
    expect(account.balance()).toMatchObject({ allowance: 500, available: 0, used: 700, reserved: 200 });
    expectReplayed(account);
  });

  it('scheduled for the next reset, change nothing before it and apply at it', () => {
    const account = open();
    expect(expectOk(setPolicy(account, 'p', { allowance: 200, rollover: { kind: 'CAPPED', maxCredits: 50 } }, 'NEXT_RESET'))).toMatchObject({
      status: 'SCHEDULED',
      effectiveAt: RESET,
    });
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(account.state.policies?.AI_CREDITS).toEqual({ current: null, scheduled: { terms: { allowance: 200, rollover: { kind: 'CAPPED', maxCredits: 50 } }, effectiveAt: RESET } });
    account.at(RESET).advance();
    expect(account.balance()).toMatchObject({ allowance: 200, available: 200 });
    expect(account.entriesOfKind('POLICY_CHANGE').at(-1)).toMatchObject({ at: RESET, idempotencyKey: null, details: { status: 'APPLIED', allowance: 200, rollover: 'CAPPED', rolloverMaxCredits: 50 } });
    // Its rollover governs the end of the period it started: 50 of the 200 roll over.
    account.at('2025-05-01T00:00:00Z');
    expect(account.balance()).toMatchObject({ allowance: 200, available: 250 });
    expectReplayed(account);
  });

  it('removed now go back to the plan, removed at the next reset keep the override until then', () => {
    const account = open();
    expectOk(setPolicy(account, 'p', { allowance: 3_000 }));
    expect(expectOk(removePolicy(account, 'r1', 'NEXT_RESET'))).toMatchObject({ status: 'REMOVAL_SCHEDULED', effectiveAt: RESET });
    expect(account.balance()).toMatchObject({ allowance: 3_000 });
    account.at(RESET).advance();
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(account.state.policies).toEqual({});
    expect(account.entriesOfKind('POLICY_CHANGE').at(-1)).toMatchObject({ at: RESET, details: { status: 'REMOVED', allowance: null } });

    expectOk(setPolicy(account, 'p2', { allowance: 2_000 }));
    expect(expectOk(removePolicy(account, 'r2'))).toMatchObject({ status: 'REMOVED' });
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(expectOk(removePolicy(account, 'r3'))).toMatchObject({ status: 'UNCHANGED' });
    expectReplayed(account);
  });

  it('only scheduled, removed at either time cancel the schedule: UNCHANGED, and the reset applies and removes nothing', () => {
    for (const effective of ['NEXT_RESET', 'NOW'] as const) {
      const account = open();
      expectOk(setPolicy(account, 'p', { allowance: 999 }, 'NEXT_RESET'));
      expect(expectOk(removePolicy(account, 'r', effective))).toMatchObject({ status: 'UNCHANGED', effectiveAt: new Date('2025-03-10T00:00:00Z') });
      expect(account.entries.at(-1)).toMatchObject({ kind: 'POLICY_CHANGE', idempotencyKey: 'r', details: { meter: 'AI_CREDITS', status: 'SCHEDULE_CANCELLED', allowance: null } });
      expect(account.state.policies).toEqual({});
      const written = account.entries.length;
      account.at(RESET).advance();
      expect(account.entries.slice(written).map((entry) => entry.kind)).not.toContain('POLICY_CHANGE');
      expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000 });
      expectReplayed(account);
    }
  });

  it('in force with others scheduled, removed at the next reset keep the terms in force until it, then the plan\'s', () => {
    const account = open();
    expectOk(setPolicy(account, 'p1', { allowance: 3_000 }));
    expectOk(setPolicy(account, 'p2', { allowance: 4_000 }, 'NEXT_RESET'));
    expect(expectOk(removePolicy(account, 'r', 'NEXT_RESET'))).toMatchObject({ status: 'REMOVAL_SCHEDULED', effectiveAt: RESET });
    expect(account.state.policies?.AI_CREDITS).toEqual({ current: { terms: { allowance: 3_000 }, since: new Date('2025-03-10T00:00:00Z') }, scheduled: { terms: null, effectiveAt: RESET } });
    expect(account.balance()).toMatchObject({ allowance: 3_000 });
    account.at(RESET).advance();
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(account.entriesOfKind('POLICY_CHANGE').at(-1)).toMatchObject({ at: RESET, details: { status: 'REMOVED' } });
    expectReplayed(account);
  });

  it('made unlimited now stop consuming the allowance; made limited again, start the period over', () => {
    const account = open();
    expectOk(spend(account, 'a', 400));
    expectOk(setPolicy(account, 'p', { unlimited: true }));
    expectOk(spend(account, 'b', 5_000));
    expect(account.balance()).toMatchObject({ unlimited: true, used: 5_400 });
    expectOk(removePolicy(account, 'r'));
    // Usage while unlimited drew on no allowance: a fresh period of the plan's terms is the exact account.
    expect(account.balance()).toMatchObject({ unlimited: false, allowance: 1_000, available: 1_000, used: 0, resetsAt: RESET });
    expect(account.entries.slice(-3).map((entry) => entry.kind)).toEqual(['POLICY_CHANGE', 'EXPIRY', 'RESET']);
    expectReplayed(account);
  });

  it('with another period kind start a period of that kind now', () => {
    const account = open();
    expectOk(spend(account, 'a', 400));
    expectOk(setPolicy(account, 'p', { period: 'DAY', allowance: 50 }));
    expect(account.balance()).toMatchObject({ allowance: 50, available: 50, used: 0, resetsAt: new Date('2025-03-11T00:00:00Z') });
    account.at('2025-03-11T00:00:00Z');
    expect(account.balance()).toMatchObject({ allowance: 50, available: 50, periodStart: new Date('2025-03-11T00:00:00Z') });
    expectReplayed(account);
  });

  it('set a daily limit inside the period that counts what the day consumed already', () => {
    const account = open();
    expectOk(spend(account, 'a', 80));
    expectOk(setPolicy(account, 'p', { dailyLimit: 100 }));
    expect(account.balance().daily).toEqual({ limit: 100, usedToday: 80, remainingToday: 20, dayResetsAt: new Date('2025-03-11T00:00:00Z') });
    expect(expectError(spend(account, 'b', 21))).toMatchObject({ limit: 'DAILY', available: 20 });
  });

  it('keep the plan\'s terms for every term left out, even one given as undefined', () => {
    const account = open();
    expectOk(setPolicy(account, 'p', { allowance: 2_000, period: undefined, unlimited: undefined }, 'NEXT_RESET'));
    account.at(RESET).advance();
    expect(account.balance()).toMatchObject({ allowance: 2_000, unlimited: false, resetsAt: new Date('2025-05-01T00:00:00Z') });
    expect(account.state.policies?.AI_CREDITS?.current?.terms).toEqual({ allowance: 2_000 });
  });

  it('survive an upgrade: the override still lies over the new plan', () => {
    const account = open();
    expectOk(setPolicy(account, 'p', { allowance: 8_000 }));
    expectOk(account.apply({ type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'business' }));
    expect(account.balance()).toMatchObject({ allowance: 8_000 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ allowance: 20 });
  });

  it('refuse bad terms, changing nothing', () => {
    const account = open();
    const before = account.state;
    expect(expectError(setPolicy(account, 'p', {}))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms', message: 'must name at least one term' });
    expect(expectError(setPolicy(account, 'p', { allowance: -1 }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms.allowance' });
    expect(expectError(setPolicy(account, 'p', { allowance: 500_000_001 }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms.allowance' });
    expect(expectError(setPolicy(account, 'p', { allowance: 1.5 }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms.allowance' });
    expect(expectError(setPolicy(account, 'p', { dailyLimit: 0 }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms.dailyLimit' });
    expect(expectError(setPolicy(account, 'p', { unlimited: true, rollover: { kind: 'CAPPED', maxCredits: 5 } }))).toMatchObject({ field: 'terms.rollover' });
    expect(expectError(setPolicy(account, 'p', { grants: 5 }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'terms' });
    expect(
      expectError(account.apply({ type: 'SET_CREDIT_POLICY', idempotencyKey: 'p', meter: 'TOKENS' as 'AI_CREDITS', terms: { allowance: 5 }, effective: 'NOW' })),
    ).toMatchObject({ code: 'VALIDATION_ERROR', field: 'meter' });
    expect(account.state).toEqual(before);
  });

  it('replay the first answer for a repeated key, and refuse the key for other terms', () => {
    const account = open();
    const first = expectOk(setPolicy(account, 'p', { allowance: 2_000 }));
    expectOk(spend(account, 'a', 10));
    expect(setPolicy(account, 'p', { allowance: 2_000 })).toEqual({ ...first, replayed: true });
    expect(expectError(setPolicy(account, 'p', { allowance: 2_500 }))).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(account.entriesOfKind('POLICY_CHANGE')).toHaveLength(1);
  });
});
