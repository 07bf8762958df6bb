import { describe, expect, it } from 'vitest';
import { expectError, expectOk, TestAccount } from './test-support.js';

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
    expect(account.entries.slice(-4).map((entry) => [entry.kind, entry.changes.map((change) => [change.meter, change.delta])])).toEqual([
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
