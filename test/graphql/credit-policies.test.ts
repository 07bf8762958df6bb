import { afterEach, describe, expect, it } from 'vitest';
import { START, useAdminServer } from './admin-fixture.js';
import { execute } from './client.js';
import {
  AccountCreditPoliciesDocument,
  ConsumeCreditsUnderLimitsDocument,
  CreditUsageDailyDocument,
  GenerateUnderLimitsDocument,
  RemoveCreditPolicyDocument,
  SetCreditPolicyDocument,
  type ConsumeCreditsInput,
  type RemoveCreditPolicyInput,
  type SetCreditPolicyInput,
} from './generated/graphql.js';
import { take } from '../realtime/realtime-fixture.js';
import { dataOf, Sockets, ticksInLedger } from './subscription-client.js';
import { accountGlobalId } from './ledger-fixture.js';
import { as, byMeter, resultOf } from './write-fixture.js';

const { server, probe, caller, service, at } = useAdminServer();
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

const setPolicy = async (input: SetCreditPolicyInput, token?: string) => resultOf(server.url, SetCreditPolicyDocument, token ?? (await service()), { input });
const removePolicy = async (input: RemoveCreditPolicyInput) => resultOf(server.url, RemoveCreditPolicyDocument, await service(), { input });
const consume = (token: string, input: ConsumeCreditsInput) => resultOf(server.url, ConsumeCreditsUnderLimitsDocument, token, { input });
const policiesOf = async (accountId: string, token?: string) =>
  (await execute(server.url, AccountCreditPoliciesDocument, { token: token ?? (await service()), variables: { id: accountId } })).data?.account;

describe('setCreditPolicy and removeCreditPolicy', () => {
  it('are for services only: a member and an organization admin are FORBIDDEN, and nothing changes', async () => {
    const member = await caller({ sub: 'cp-member' });
    const admin = await caller({ sub: 'cp-admin', org: 'cp-org', role: 'admin' });
    for (const [token, account] of [
      [member, 'user:cp-member'],
      [admin, 'org:cp-org'],
    ] as const) {
      const input = { accountId: accountGlobalId(account), meter: 'AI_CREDITS', allowance: 10_000, effective: 'NOW', reason: 'self-service', idempotencyKey: `cp-${account}` } as const;
      const entries = await probe.entryCount(account);
      const answer = await execute(server.url, SetCreditPolicyDocument, { token, variables: { input } });
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      const removal = await execute(server.url, RemoveCreditPolicyDocument, { token, variables: { input: { ...input, allowance: undefined } } });
      expect(removal.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await probe.entryCount(account)).toBe(entries);
      expect((await probe.balances(account)).AI_CREDITS).toMatchObject({ allowance: 50 });
    }
  });

  it('give an account its own terms now, shown on Account and MeterBalance, recorded in the ledger, replayed for a retry', async () => {
    const token = await caller({ sub: 'cp-1' });
    const accountId = accountGlobalId('user:cp-1');
    const input = { accountId, meter: 'AI_CREDITS', allowance: 1_000, dailyLimit: 100, effective: 'NOW', reason: 'enterprise contract 42', idempotencyKey: 'cp-1-contract' } as const;
    const applied = as(await setPolicy(input), 'CreditPolicyChange');
    expect(applied).toMatchObject({ replayed: false, meter: 'AI_CREDITS', status: 'APPLIED', effectiveAt: START });
    expect(byMeter(applied.balances).AI_CREDITS).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(applied.account).toEqual({
      plan: { key: 'rheos.free' },
      creditPolicies: [
        {
          meter: 'AI_CREDITS',
          terms: { allowance: 1_000, period: null, unlimited: null, rollover: null, dailyLimit: 100 },
          effectiveAt: START,
          scheduled: null,
        },
      ],
      balances: [
        expect.objectContaining({ meter: 'AI_CREDITS', allowance: 1_000, dailyLimit: 100, usedToday: 0, remainingToday: 100, dayResetsAt: '2026-03-11T00:00:00.000Z' }),
        expect.objectContaining({ meter: 'VIDEO_GENERATIONS', dailyLimit: null, usedToday: null, remainingToday: null, dayResetsAt: null }),
      ],
    });
    const [entry] = (await probe.store.listEntries('user:cp-1', { kinds: ['POLICY_CHANGE'] }, { first: 1 })).entries;
    expect(entry).toMatchObject({ kind: 'POLICY_CHANGE', metadata: { reason: 'enterprise contract 42' }, details: { meter: 'AI_CREDITS', status: 'APPLIED', allowance: 1_000, dailyLimit: 100 } });

    // The account's owner reads its overrides too.
    expect((await policiesOf(accountId, token))?.creditPolicies).toHaveLength(1);
    const retried = as(await setPolicy(input), 'CreditPolicyChange');
    expect(retried).toMatchObject({ replayed: true, status: 'APPLIED', effectiveAt: START });
    expect(byMeter(retried.balances).AI_CREDITS).toMatchObject({ allowance: 1_000, available: 1_000 });
    expect(as(await setPolicy({ ...input, dailyLimit: 200 }), 'IdempotencyKeyReusedError').idempotencyKey).toBe('cp-1-contract');
  });

  it('refuse spending past the daily limit with DAILY and when the day frees up; the next day spends again', async () => {
    const token = await caller({ sub: 'cp-2' });
    const accountId = accountGlobalId('user:cp-2');
    as(await setPolicy({ accountId, meter: 'AI_CREDITS', allowance: 1_000, dailyLimit: 100, effective: 'NOW', reason: 'contract', idempotencyKey: 'cp-2-1' }), 'CreditPolicyChange');
    const spend = { accountId, meter: 'AI_CREDITS', amount: 80, idempotencyKey: 'cp-2-a' } as const;
    const spent = as(await consume(token, spend), 'ConsumeCreditsSuccess');
    expect(byMeter(spent.balances).AI_CREDITS).toMatchObject({ used: 80, dailyLimit: 100, usedToday: 80, remainingToday: 20 });
    const entries = await probe.entryCount('user:cp-2');
    const refused = as(await consume(token, { ...spend, amount: 21, idempotencyKey: 'cp-2-b' }), 'InsufficientCreditsError');
    expect(refused).toMatchObject({ code: 'INSUFFICIENT_CREDITS', meter: 'AI_CREDITS', needed: 21, available: 20, limit: 'DAILY', freesAt: '2026-03-11T00:00:00.000Z', upgrade: null });
    expect(refused.message).toContain('left today');
    expect(await probe.entryCount('user:cp-2')).toBe(entries);
    // More than any day allows frees up never: no freesAt, and the message says why.
    const never = as(await consume(token, { ...spend, amount: 1_000, idempotencyKey: 'cp-2-c' }), 'InsufficientCreditsError');
    expect(never).toMatchObject({ limit: 'DAILY', available: 20, freesAt: null });
    expect(never.message).toContain('more than the daily limit allows in a day');
    const nextDay = await at('2026-03-11T00:00:00.000Z', async () => as(await consume(token, { ...spend, amount: 21, idempotencyKey: 'cp-2-b' }), 'ConsumeCreditsSuccess'));
    expect(byMeter(nextDay.balances).AI_CREDITS).toMatchObject({ used: 101, usedToday: 21, dayResetsAt: '2026-03-12T00:00:00.000Z' });
  });

  it('accept a daily limit below what the day used already: nothing more today (DAILY, freeing at midnight), the limit again tomorrow', async () => {
    const token = await caller({ sub: 'cp-below' });
    const accountId = accountGlobalId('user:cp-below');
    const policy = { accountId, meter: 'AI_CREDITS', effective: 'NOW', reason: 'fair use' } as const;
    as(await setPolicy({ ...policy, allowance: 1_000, idempotencyKey: 'cp-below-1' }), 'CreditPolicyChange');
    as(await consume(token, { accountId, meter: 'AI_CREDITS', amount: 80, idempotencyKey: 'cp-below-a' }), 'ConsumeCreditsSuccess');

    const applied = as(await setPolicy({ ...policy, allowance: 1_000, dailyLimit: 50, idempotencyKey: 'cp-below-2' }), 'CreditPolicyChange');
    expect(applied.status).toBe('APPLIED');
    const dayEnd = '2026-03-11T00:00:00.000Z';
    expect(applied.account?.balances[0]).toMatchObject({ meter: 'AI_CREDITS', available: 920, dailyLimit: 50, usedToday: 80, remainingToday: 0, dayResetsAt: dayEnd });
    const refused = as(await consume(token, { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'cp-below-b' }), 'InsufficientCreditsError');
    expect(refused).toMatchObject({ needed: 1, available: 0, limit: 'DAILY', freesAt: dayEnd });
    expect(refused.message).toContain('left today');
    // The policy's own tick is the one that took the day to its limit: the day's notice is on it.
    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDailyDocument, { accountId, meter: 'AI_CREDITS', afterSeq: 0 });
    const ticks = dataOf(await take(usage, (await ticksInLedger(server.app.store, 'user:cp-below', 0, 'AI_CREDITS')).length)).map((data) => data.creditUsage);
    expect(ticks.at(-1)).toMatchObject({ kind: 'POLICY_CHANGE', dailyLimit: 50, usedToday: 80, remainingToday: 0, dailyLimitReached: true });

    const tomorrow = await at(dayEnd, async () => {
      const spent = as(await consume(token, { accountId, meter: 'AI_CREDITS', amount: 50, idempotencyKey: 'cp-below-c' }), 'ConsumeCreditsSuccess');
      const over = as(await consume(token, { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'cp-below-d' }), 'InsufficientCreditsError');
      return { spent: byMeter(spent.balances).AI_CREDITS, over };
    });
    expect(tomorrow.spent).toMatchObject({ used: 130, usedToday: 50, remainingToday: 0 });
    expect(tomorrow.over).toMatchObject({ limit: 'DAILY', freesAt: '2026-03-12T00:00:00.000Z' });
  });

  it('refuse a generation past the daily limit at its hold, with DAILY and freesAt', async () => {
    const token = await caller({ sub: 'cp-gen' });
    const accountId = accountGlobalId('user:cp-gen');
    as(await setPolicy({ accountId, meter: 'AI_CREDITS', dailyLimit: 6, effective: 'NOW', reason: 'fair use', idempotencyKey: 'cp-gen-1' }), 'CreditPolicyChange');
    const generate = (idempotencyKey: string) => resultOf(server.url, GenerateUnderLimitsDocument, token, { input: { feature: 'brand.analyze', input: { brand: 'acme' }, idempotencyKey } });
    const first = as(await generate('cp-gen-a'), 'GenerationSuccess');
    expect(byMeter(first.balances).AI_CREDITS).toMatchObject({ usedToday: 5, remainingToday: 1 });
    expect(as(await generate('cp-gen-b'), 'InsufficientCreditsError')).toEqual({
      __typename: 'InsufficientCreditsError',
      meter: 'AI_CREDITS',
      needed: 5,
      available: 1,
      limit: 'DAILY',
      freesAt: '2026-03-11T00:00:00.000Z',
    });
  });

  it('schedule terms for the next reset and removal, shown as scheduled; bad terms are refused as INVALID_INPUT, changing nothing', async () => {
    await caller({ sub: 'cp-3' });
    const accountId = accountGlobalId('user:cp-3');
    const base = { accountId, meter: 'AI_CREDITS', effective: 'NEXT_RESET', reason: 'renewal', idempotencyKey: 'cp-3-1' } as const;
    const entries = await probe.entryCount('user:cp-3');
    for (const [input, field] of [
      [base, 'input'],
      [{ ...base, allowance: -1 }, 'allowance'],
      [{ ...base, allowance: 500_000_001 }, 'allowance'],
      [{ ...base, dailyLimit: 0 }, 'dailyLimit'],
      [{ ...base, rollover: { kind: 'CAPPED' } }, 'rollover.maxCredits'],
      [{ ...base, allowance: 5, rollover: { kind: 'NONE', maxCredits: 5 } }, 'rollover.maxCredits'],
      [{ ...base, unlimited: true, rollover: { kind: 'CAPPED', maxCredits: 5 } }, 'rollover'],
      [{ ...base, allowance: 5, reason: ' ' }, 'reason'],
    ] as const) {
      expect(as(await setPolicy(input as SetCreditPolicyInput), 'InvalidInputError'), JSON.stringify(input)).toMatchObject({ field });
    }
    expect(await probe.entryCount('user:cp-3')).toBe(entries);

    const scheduled = as(await setPolicy({ ...base, allowance: 300, rollover: { kind: 'CAPPED', maxCredits: 30 } }), 'CreditPolicyChange');
    const resetsAt = byMeter(scheduled.balances).AI_CREDITS!.resetsAt;
    expect(scheduled).toMatchObject({ status: 'SCHEDULED', effectiveAt: resetsAt });
    expect(byMeter(scheduled.balances).AI_CREDITS).toMatchObject({ allowance: 50 });
    expect(scheduled.account?.creditPolicies).toEqual([
      { meter: 'AI_CREDITS', terms: null, effectiveAt: null, scheduled: { effectiveAt: resetsAt, terms: { allowance: 300, period: null, unlimited: null, rollover: { kind: 'CAPPED', maxCredits: 30 }, dailyLimit: null } } },
    ]);
    await at(resetsAt, async () => {
      const atReset = await policiesOf(accountId);
      expect(atReset?.creditPolicies).toMatchObject([{ terms: { allowance: 300 }, effectiveAt: resetsAt, scheduled: null }]);
      expect(atReset?.balances[0]).toMatchObject({ meter: 'AI_CREDITS', allowance: 300, available: 300 });
      const removal = as(await removePolicy({ accountId, meter: 'AI_CREDITS', effective: 'NOW', reason: 'contract ended', idempotencyKey: 'cp-3-2' }), 'CreditPolicyChange');
      expect(removal).toMatchObject({ status: 'REMOVED', account: { creditPolicies: [] } });
      expect(byMeter(removal.balances).AI_CREDITS).toMatchObject({ allowance: 50, available: 50 });
    });
  });
});

describe('live ticks under a daily limit', () => {
  it("report the day's figures, and the tick that reaches the limit says so once", async () => {
    const token = await caller({ sub: 'cp-ticks' });
    const accountId = accountGlobalId('user:cp-ticks');
    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDailyDocument, { accountId, meter: 'AI_CREDITS', afterSeq: 0 });
    const ticks = async (count: number) => dataOf(await take(usage, count)).map((data) => data.creditUsage);
    const opening = await ticks((await ticksInLedger(server.app.store, 'user:cp-ticks', 0, 'AI_CREDITS')).length);
    expect(opening.every((tick) => tick.dailyLimit === null && !tick.dailyLimitReached)).toBe(true);

    as(await setPolicy({ accountId, meter: 'AI_CREDITS', dailyLimit: 10, effective: 'NOW', reason: 'fair use', idempotencyKey: 'cp-ticks-1' }), 'CreditPolicyChange');
    for (const [key, amount] of [
      ['cp-ticks-a', 6],
      ['cp-ticks-b', 4],
    ] as const) {
      as(await consume(token, { accountId, meter: 'AI_CREDITS', amount, idempotencyKey: key }), 'ConsumeCreditsSuccess');
    }
    const dayEnd = '2026-03-11T00:00:00.000Z';
    expect((await ticks(3)).map(({ seq: _seq, ...tick }) => tick)).toEqual([
      { kind: 'POLICY_CHANGE', used: 0, dailyLimit: 10, usedToday: 0, remainingToday: 10, dayResetsAt: dayEnd, dailyLimitReached: false },
      { kind: 'DEBIT', used: 6, dailyLimit: 10, usedToday: 6, remainingToday: 4, dayResetsAt: dayEnd, dailyLimitReached: false },
      { kind: 'DEBIT', used: 10, dailyLimit: 10, usedToday: 10, remainingToday: 0, dayResetsAt: dayEnd, dailyLimitReached: true },
    ]);
  });
});
