import { describe, expect, it } from 'vitest';
import { meterBalance } from './balances.js';
import { parsePlanCatalog } from './plans.js';
import { expectOk, TestAccount } from './test-support.js';

const DAY = 86_400_000;

describe('period resets', () => {
  it('happen lazily, exactly once per period, at the billing anchor', () => {
    const account = TestAccount.open({ planId: 'rheos.free', billingAnchor: new Date('2025-01-31T09:00:00Z') }, '2025-02-10T00:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    expect(account.balance()).toMatchObject({ used: 5, available: 45, resetsAt: new Date('2025-02-28T09:00:00Z') });

    account.at('2025-02-28T08:59:59.999Z');
    expect(account.balance()).toMatchObject({ used: 5, available: 45 });
    account.at('2025-02-28T09:00:00Z');
    expect(account.balance()).toMatchObject({
      used: 0,
      available: 50,
      periodStart: new Date('2025-02-28T09:00:00Z'),
      resetsAt: new Date('2025-03-31T09:00:00Z'),
    });

    // Idle for three months: each period reset once, in order, dated when it fell due.
    account.at('2025-06-15T00:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'brand.analyze' }));
    const aiResets = account.entriesOfKind('RESET').filter((entry) => entry.changes[0]?.meter === 'AI_CREDITS');
    expect(aiResets.map((entry) => entry.at.toISOString())).toEqual([
      '2025-02-10T00:00:00.000Z',
      '2025-02-28T09:00:00.000Z',
      '2025-03-31T09:00:00.000Z',
      '2025-04-30T09:00:00.000Z',
      '2025-05-31T09:00:00.000Z',
    ]);
  });

  it('forfeit unused allowance with an EXPIRY entry when the plan has no rollover', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, '2025-03-01T00:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    account.at('2025-04-01T00:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'topic.generate' }));
    const boundary = account.entries.filter((entry) => entry.at.getTime() === Date.parse('2025-04-01T00:00:00Z') && entry.changes[0]?.meter === 'AI_CREDITS');
    expect(boundary.map((entry) => [entry.kind, entry.changes[0]?.delta, entry.changes[0]?.availableAfter])).toEqual([
      ['EXPIRY', -995, 0],
      ['RESET', 1000, 1000],
      ['DEBIT', -1, 999],
    ]);
    expect(boundary[1]?.changes[0]).toMatchObject({ usedDelta: -5, usedAfter: 0 });
  });

  it('roll over unused allowance up to the cap, for one period only', () => {
    const account = TestAccount.open({ planId: 'rheos.business' }, '2025-03-01T00:00:00Z');
    expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'spend', meter: 'AI_CREDITS', amount: 4_500 }));
    account.at('2025-04-01T00:00:00Z').advance();
    expect(account.balance()).toMatchObject({ available: 5_500, allowance: 5_000 });
    const aiReset = account.entriesOfKind('RESET').findLast((entry) => entry.changes[0]?.meter === 'AI_CREDITS');
    expect(aiReset?.details).toMatchObject({ rolledOver: 500 });
    expect(aiReset?.changes[0]).toMatchObject({ delta: 5_500, allowanceAfter: 5_000 });

    account.at('2025-05-01T00:00:00Z').advance();
    // 1,000 of April's 5,000 roll over; March's 500 rolled-over credits expire unused.
    expect(account.balance()).toMatchObject({ available: 6_000 });
    expect(account.state.grants.map((grant) => [grant.kind, grant.remaining, grant.expiresAt?.toISOString()])).toEqual([
      ['ALLOWANCE', 5_000, '2025-06-01T00:00:00.000Z'],
      ['ROLLOVER', 1_000, '2025-06-01T00:00:00.000Z'],
    ]);
  });

  it('reset daily meters at local midnight independently of monthly ones', () => {
    const account = TestAccount.open({ planId: 'reelbot.free', timeZone: 'America/New_York' }, '2024-03-09T15:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'render', feature: 'video.render' }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'animate', feature: 'video.animate', parameters: { resolution: '4K' } }));
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 2, resetsAt: new Date('2024-03-10T05:00:00Z') });

    account.at('2024-03-10T05:00:00Z');
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 20, used: 0, resetsAt: new Date('2024-03-11T04:00:00Z') });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 2, used: 1 });
  });

  it('expire top-ups at their expiry with an EXPIRY entry, spending them first meanwhile', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, '2025-03-01T00:00:00Z');
    const expiresAt = new Date(Date.parse('2025-03-01T00:00:00Z') + 7 * DAY);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'promo', meter: 'AI_CREDITS', amount: 10, kind: 'ADJUSTMENT', expiresAt }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze' }));
    expect(account.state.grants.map((grant) => [grant.kind, grant.remaining])).toEqual([
      ['ALLOWANCE', 50],
      ['ADJUSTMENT', 5],
    ]);
    account.at(expiresAt);
    expect(account.balance()).toMatchObject({ available: 50 });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'topic.generate' }));
    expect(account.entriesOfKind('EXPIRY').at(-1)).toMatchObject({
      at: expiresAt,
      details: { grantKind: 'ADJUSTMENT' },
      changes: [{ delta: -5, availableAfter: 50 }],
    });
  });

  it('take the allowance from the plan catalog in force at each reset', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, '2025-03-01T00:00:00Z');
    const edited = parsePlanCatalog({
      plans: {
        'rheos.free': {
          name: 'Free',
          tier: 0,
          meters: { AI_CREDITS: { allowance: 70, period: 'MONTH' }, VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' } },
        },
      },
    });
    const balanceWith = (now: string) => meterBalance(account.state, 'AI_CREDITS', { ...account.context, now: new Date(now), plans: edited });
    expect(balanceWith('2025-03-31T00:00:00Z')).toMatchObject({ allowance: 50 });
    expect(balanceWith('2025-04-01T00:00:00Z')).toMatchObject({ allowance: 70, available: 70 });
  });

  it('start the first period of a meter the stored account does not have yet', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, '2025-03-01T00:00:00Z');
    const { VIDEO_GENERATIONS: _dropped, ...olderMeters } = account.state.meters;
    const grants = account.state.grants.filter((grant) => grant.meter !== 'VIDEO_GENERATIONS');
    account.state = { ...account.state, grants, meters: olderMeters as typeof account.state.meters };
    account.at('2025-03-01T06:00:00Z').advance();
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 3, periodStart: new Date('2025-03-01T00:00:00Z') });
    expect(account.entries.at(-1)).toMatchObject({ kind: 'RESET', at: new Date('2025-03-01T00:00:00Z') });
  });

  it('catch up on a long idle time quickly', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, '2025-03-01T00:00:00Z');
    const started = performance.now();
    account.at('2027-03-01T00:00:00Z').advance();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(account.entriesOfKind('RESET').filter((entry) => entry.changes[0]?.meter === 'AI_CREDITS')).toHaveLength(731);
  });
});
