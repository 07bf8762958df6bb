import { describe, expect, it } from 'vitest';
import { parsePlanCatalog } from './plans.js';
import { replayEntries } from './replay.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

/** 1,000 AI credits a month, at most 100 a day; an unlimited meter capped per day beside it. */
const PLANS = parsePlanCatalog({
  plans: {
    layered: {
      name: 'Layered',
      tier: 0,
      meters: {
        AI_CREDITS: { allowance: 1_000, period: 'MONTH', dailyLimit: 100 },
        VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH', unlimited: true, dailyLimit: 3 },
      },
    },
    tight: { name: 'Tight', tier: 0, meters: { AI_CREDITS: { allowance: 150, period: 'MONTH', dailyLimit: 100 }, VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' } } },
    rolling: { name: 'Rolling', tier: 0, meters: { AI_CREDITS: { allowance: 100, period: 'MONTH', rollover: { kind: 'CAPPED', maxCredits: 50 } }, VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' } } },
  },
});

const open = (planId = 'layered', at = '2025-03-05T10:00:00Z', timeZone = 'UTC') =>
  TestAccount.open({ planId, billingAnchor: new Date('2025-03-01T00:00:00Z'), timeZone }, at, { plans: PLANS });
const spend = (account: TestAccount, key: string, amount: number, meter: 'AI_CREDITS' | 'VIDEO_GENERATIONS' = 'AI_CREDITS') =>
  account.apply({ type: 'DEBIT', idempotencyKey: key, amounts: { [meter]: amount } });

describe('daily limits inside a period', () => {
  it("refuse what the day's remainder cannot pay, saying DAILY and when the day ends; the next day frees it", () => {
    const account = open();
    expectOk(spend(account, 'a', 70));
    const before = account.state;
    expect(expectError(spend(account, 'b', 31))).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'AI_CREDITS',
      needed: 31,
      available: 30,
      resetsAt: new Date('2025-04-01T00:00:00Z'),
      limit: 'DAILY',
      freesAt: new Date('2025-03-06T00:00:00Z'),
    });
    expect(account.state).toEqual(before);
    expectOk(spend(account, 'c', 30));
    expect(account.balance()).toMatchObject({
      available: 900,
      used: 100,
      daily: { limit: 100, usedToday: 100, remainingToday: 0, dayResetsAt: new Date('2025-03-06T00:00:00Z') },
    });
    account.at('2025-03-06T00:00:00Z');
    expect(account.balance().daily).toEqual({ limit: 100, usedToday: 0, remainingToday: 100, dayResetsAt: new Date('2025-03-07T00:00:00Z') });
    expectOk(spend(account, 'b', 31));
    expect(account.balance()).toMatchObject({ available: 869, used: 131 });
  });

  it('refuse with PERIOD when the period has too few credits, and name the limit that frees later when both refuse', () => {
    const account = open('tight');
    expectOk(spend(account, 'a', 100));
    account.at('2025-03-06T10:00:00Z');
    expectOk(spend(account, 'b', 40));
    // 10 left this period, 60 today: the period refuses.
    expect(expectError(spend(account, 'c', 11))).toMatchObject({ limit: 'PERIOD', available: 10, freesAt: new Date('2025-04-01T00:00:00Z') });
    // 70 needs both to start afresh: the period frees later than the day.
    expect(expectError(spend(account, 'd', 70))).toMatchObject({ limit: 'PERIOD', available: 10, freesAt: new Date('2025-04-01T00:00:00Z') });
    expectOk(spend(account, 'e', 10));
  });

  it('refuse more than the daily limit itself as never freeing, unless a reset raises the limit: then at that reset', () => {
    const account = open();
    expect(expectError(spend(account, 'a', 150))).toMatchObject({ limit: 'DAILY', needed: 150, available: 100, freesAt: null });
    expectOk(account.apply({ type: 'SET_CREDIT_POLICY', idempotencyKey: 'p', meter: 'AI_CREDITS', terms: { dailyLimit: 200 }, effective: 'NEXT_RESET' }));
    expect(expectError(spend(account, 'a', 150))).toMatchObject({ limit: 'DAILY', freesAt: new Date('2025-04-01T00:00:00Z') });
    account.at('2025-04-01T00:00:00Z');
    expectOk(spend(account, 'a', 150));
  });

  it('refuse more than any period gives as never freeing, and free at the first reset that gives enough', () => {
    const account = open('rolling');
    // 100 a month and at most 50 of it rolled over: no period ever has 151.
    expect(expectError(spend(account, 'a', 151))).toMatchObject({ limit: 'PERIOD', available: 100, freesAt: null });
    expectOk(spend(account, 'b', 80));
    // 20 roll over on 1 April (120), a whole unused month's 50 on 1 May (150).
    expect(expectError(spend(account, 'c', 140))).toMatchObject({ limit: 'PERIOD', available: 20, resetsAt: new Date('2025-04-01T00:00:00Z'), freesAt: new Date('2025-05-01T00:00:00Z') });
    expect(expectError(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'r', meter: 'AI_CREDITS', amount: 151 }))).toMatchObject({ limit: 'PERIOD', freesAt: null });
    account.at('2025-05-01T00:00:00Z');
    expectOk(spend(account, 'c', 140));
  });

  it('count a hold on the day it is taken: a commit adds nothing, a release that day gives it back, a release on a later day does not', () => {
    const account = open();
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h1', amounts: { AI_CREDITS: 60 } }));
    expect(account.balance().daily).toMatchObject({ usedToday: 60 });
    expect(expectError(account.apply({ type: 'HOLD', idempotencyKey: 'h2', amounts: { AI_CREDITS: 41 } }))).toMatchObject({ limit: 'DAILY', available: 40 });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId: held.type === 'HELD' ? held.holdId : '', amounts: { AI_CREDITS: 50 } }));
    // 50 consumed, 10 released the same day: the day counts 50.
    expect(account.balance()).toMatchObject({ used: 50, daily: { usedToday: 50 } });

    const late = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h3', amounts: { AI_CREDITS: 40 }, ttlMs: 2 * 86_400_000 }));
    account.at('2025-03-06T09:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd', amounts: { AI_CREDITS: 20 } }));
    expectOk(account.apply({ type: 'RELEASE', idempotencyKey: 'r3', holdId: late.type === 'HELD' ? late.holdId : '' }));
    // The hold counted on the 5th; releasing it on the 6th gives the 6th nothing.
    expect(account.balance().daily).toMatchObject({ usedToday: 20, remainingToday: 80 });
    expect(account.balance()).toMatchObject({ used: 70, reserved: 0, available: 930 });
  });

  it("count days at midnight in the account's time zone, across a daylight-saving change", () => {
    // New York springs forward on 9 March 2025: that day lasts 23 hours, 05:00Z to 04:00Z.
    const account = open('layered', '2025-03-10T03:30:00Z', 'America/New_York');
    expectOk(spend(account, 'a', 100));
    expect(expectError(spend(account, 'b', 1))).toMatchObject({ limit: 'DAILY', freesAt: new Date('2025-03-10T04:00:00Z') });
    account.at('2025-03-10T04:00:00Z');
    expectOk(spend(account, 'b', 1));
    expect(account.balance().daily).toMatchObject({ usedToday: 1, dayResetsAt: new Date('2025-03-11T04:00:00Z') });
  });

  it('cap an unlimited meter per day, and announce once a day that the limit is reached', () => {
    const account = open();
    expectOk(spend(account, 'a', 2, 'VIDEO_GENERATIONS'));
    expectOk(spend(account, 'b', 1, 'VIDEO_GENERATIONS'));
    expect(expectError(spend(account, 'c', 1, 'VIDEO_GENERATIONS'))).toMatchObject({ limit: 'DAILY', meter: 'VIDEO_GENERATIONS', available: 0 });
    const changes = account.entriesOfKind('DEBIT').map((entry) => entry.changes[0]!.daily);
    expect(changes).toEqual([
      { limit: 3, usedToday: 2, dayResetsAt: new Date('2025-03-06T00:00:00Z'), limitReached: false },
      { limit: 3, usedToday: 3, dayResetsAt: new Date('2025-03-06T00:00:00Z'), limitReached: true },
    ]);
    // Credits back the same day and spent again: no second notice that day.
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', amounts: { AI_CREDITS: 100 } }));
    expect(account.entries.at(-1)!.changes[0]!.daily).toMatchObject({ usedToday: 100, limitReached: true });
    expectOk(account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId: held.type === 'HELD' ? held.holdId : '' }));
    expectOk(spend(account, 'd', 100));
    expect(account.entries.at(-1)!.changes[0]!.daily).toMatchObject({ usedToday: 100, limitReached: false });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ unlimited: true, used: 3 });
    expect(replayEntries(account.entries).meters.AI_CREDITS).toMatchObject({ used: 100, available: 900 });
  });

  it('carry the day across a period reset in the middle of it: a day is a calendar day', () => {
    const account = TestAccount.open({ planId: 'layered', billingAnchor: new Date('2025-03-01T12:00:00Z'), timeZone: 'UTC' }, '2025-04-01T10:00:00Z', { plans: PLANS });
    expectOk(spend(account, 'a', 80));
    account.at('2025-04-01T13:00:00Z');
    expect(account.balance()).toMatchObject({ used: 0, available: 1_000, daily: { usedToday: 80, remainingToday: 20 } });
    expect(expectError(spend(account, 'b', 21))).toMatchObject({ limit: 'DAILY', freesAt: new Date('2025-04-02T00:00:00Z') });
  });
});
