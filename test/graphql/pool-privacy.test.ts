import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { organizationAccountId } from '../../src/store/directory.js';
import { take } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { userGlobalId } from './ledger-fixture.js';
import {
  BalanceChangedDocument,
  ConsumeCreditsDocument,
  CreditUsageDocument,
  GenerateDocument,
  UsageHistoryDocument,
  ViewerDocument,
  type BalanceChangedSubscription,
  type CreditUsageSubscription,
} from './generated/graphql.js';
import { SseStreams } from './sse-client.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger, type Tick } from './subscription-client.js';
import { useTestServer } from './test-server.js';
import { as, resultOf } from './write-fixture.js';

// reelbot.pro: 500 AI credits a day. The ledger's clock stands still; tokens live in real time.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' }, now: clock.now });
const sockets = new Sockets(() => server.url);
const streams = new SseStreams(() => server.url);
afterEach(async () => {
  streams.abortAll();
  await sockets.disposeAll();
});

/** Everything member 1 sends with its requests carries this, so a leak shows wherever it lands. */
const SECRET = 'member-one-private';

type Caller = { userId: string; token: string };

/** A pool with an admin and two plain members, each after a first request (which provisions it). */
async function pool() {
  const organizationId = `o-${randomUUID()}`;
  const join = async (role: 'admin' | 'member'): Promise<Caller> => {
    const userId = `u-${randomUUID()}`;
    const token = await server.token({ sub: userId, org: organizationId, role });
    expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
    return { userId, token };
  };
  const accountId = organizationAccountId(organizationId);
  const [admin, first, second] = [await join('admin'), await join('member'), await join('member')];
  return { accountId, id: accountGlobalId(accountId), admin, first, second };
}

async function lastSeq(accountId: string): Promise<number> {
  const [state] = await server.app.store.loadAccounts([accountId]);
  return state!.lastSeq;
}

/** Credits consumed through the API by a member, on its pool, with a session and notes of its own. */
async function consume(caller: Caller, pool: string, label: string, amount = 1) {
  const consumed = await resultOf(server.url, ConsumeCreditsDocument, caller.token, {
    input: {
      accountId: pool,
      meter: 'AI_CREDITS',
      amount,
      idempotencyKey: `${label}-key-${randomUUID()}`,
      feature: 'topic.generate',
      sessionId: `${label}-session`,
      metadata: { note: `${label} note` },
    },
  });
  as(consumed, 'ConsumeCreditsSuccess');
}

/** What member 1 does through the API: a generation (a hold, then its commit) in a session of its own, and raw credits with notes. */
async function spendAsFirstMember(caller: Caller, pool: string): Promise<void> {
  const generated = await resultOf(server.url, GenerateDocument, caller.token, {
    input: {
      feature: 'image.generate',
      idempotencyKey: `${SECRET}-generation-${randomUUID()}`,
      sessionId: `${SECRET}-session`,
      step: `${SECRET}-step`,
      input: { prompt: `${SECRET} prompt` },
      parameters: { resolution: 'HD' },
    },
  });
  as(generated, 'GenerationSuccess');
  await consume(caller, pool, SECRET, 3);
}

/** The rule under test, stated once: a plain member sees another's tick move the pool, and nothing of whose, what or which session. */
const seenByPlainMember = (userId: string) => (tick: Tick) => (tick.member?.id === userGlobalId(userId) ? tick : { ...tick, feature: null, sessionId: null, member: null });

async function ticks(results: AsyncIterator<FormattedExecutionResult<CreditUsageSubscription>>, count: number): Promise<Tick[]> {
  return dataOf(await take(results, count)).map((data) => data.creditUsage);
}

/** Balances until they show `expected`: the feed coalesces, so intermediate values may be skipped. */
async function balancesUntil(results: AsyncIterator<FormattedExecutionResult<BalanceChangedSubscription>>, expected: unknown) {
  const seen: BalanceChangedSubscription[] = [];
  for (;;) {
    const [data] = dataOf(await take(results, 1));
    seen.push(data!);
    if (JSON.stringify(data!.balanceChanged) === JSON.stringify(expected)) return seen;
  }
}

async function balancesInStore(accountId: string) {
  const { store } = server.app;
  const [state] = await store.loadAccounts([accountId]);
  return store.balances(state!).map(({ meter, available, used, reserved, allowance, unlimited, topUp, resetsAt }) => ({
    meter,
    available,
    used,
    reserved,
    allowance,
    unlimited,
    topUp,
    resetsAt: resetsAt.toISOString(),
  }));
}

describe("a plain member's live view of its pool", () => {
  it("over WebSocket: another member's ticks move the balances but carry none of its detail; the admin sees all, the spender its own", async () => {
    const { accountId, id, admin, first, second } = await pool();
    const before = await lastSeq(accountId);
    const watch = { accountId: id, meter: 'AI_CREDITS' as const, afterSeq: before };
    const asAdmin = (await sockets.connectWith(admin.token)).subscribe(CreditUsageDocument, watch);
    const asFirst = (await sockets.connectWith(first.token)).subscribe(CreditUsageDocument, watch);
    const asSecond = (await sockets.connectWith(second.token)).subscribe(CreditUsageDocument, watch);
    // Member 2's own spending first: once its tick arrived everywhere, every subscription is live.
    await consume(second, id, 'member-two');
    for (const results of [asAdmin, asFirst, asSecond]) await ticks(results, 1);

    await spendAsFirstMember(first, id);
    const all = await ticksInLedger(server.app.store, accountId, before, 'AI_CREDITS');
    expect(all.map((tick) => [tick.kind, tick.member?.id])).toEqual([
      ['DEBIT', userGlobalId(second.userId)],
      ['HOLD', userGlobalId(first.userId)],
      ['COMMIT', userGlobalId(first.userId)],
      ['DEBIT', userGlobalId(first.userId)],
    ]);
    expect(all.slice(1).every((tick) => tick.sessionId === `${SECRET}-session` && tick.feature !== null)).toBe(true);
    const live = all.slice(1);

    expect(await ticks(asAdmin, 3)).toEqual(live);
    expect(await ticks(asFirst, 3)).toEqual(live);
    const secondSees = await ticks(asSecond, 3);
    expect(secondSees).toEqual(live.map(seenByPlainMember(second.userId)));
    // The numbers a usage card animates are all there.
    expect(secondSees.map(({ kind, delta, previousAvailable, available, used, reserved }) => ({ kind, delta, previousAvailable, available, used, reserved }))).toEqual(
      live.map(({ kind, delta, previousAvailable, available, used, reserved }) => ({ kind, delta, previousAvailable, available, used, reserved })),
    );
    expect(JSON.stringify(secondSees)).not.toContain(SECRET);

    // Replayed from the database (afterSeq) by the same rule, member 2's own tick in full.
    const replay = (await sockets.connectWith(second.token)).subscribe(CreditUsageDocument, watch);
    expect(await ticks(replay, 4)).toEqual(all.map(seenByPlainMember(second.userId)));
    const replayToFirst = (await sockets.connectWith(first.token)).subscribe(CreditUsageDocument, watch);
    expect(await ticks(replayToFirst, 4)).toEqual(all.map(seenByPlainMember(first.userId)));
  });

  it('shows in detail exactly the entries its usage history lists', async () => {
    const { accountId, id, admin, first, second } = await pool();
    const before = await lastSeq(accountId);
    await consume(second, id, 'member-two');
    await spendAsFirstMember(first, id);
    await consume(second, id, 'member-two-again');

    const history = async (caller: Caller) => {
      const { data, errors } = await execute(server.url, UsageHistoryDocument, { token: caller.token, variables: { id, first: 100 } });
      expect(errors).toBeUndefined();
      return data!.account!.usage.edges.map(({ node }) => node).filter((entry) => entry.seq > before);
    };
    const watched = async (caller: Caller) => {
      const socket = await sockets.connectWith(caller.token);
      return ticks(socket.subscribe(CreditUsageDocument, { accountId: id, afterSeq: before }), (await lastSeq(accountId)) - before);
    };
    const detailed = (list: readonly Tick[]) => list.filter((tick) => tick.member !== null || tick.feature !== null || tick.sessionId !== null);

    for (const caller of [admin, first, second]) {
      const listed = await history(caller);
      const live = await watched(caller);
      expect(detailed(live).map((tick) => tick.seq)).toEqual(listed.map((entry) => entry.seq).reverse());
      for (const tick of detailed(live)) {
        const entry = listed.find((candidate) => candidate.seq === tick.seq)!;
        expect({ feature: tick.feature, sessionId: tick.sessionId, member: tick.member?.id ?? null }).toEqual({
          feature: entry.feature,
          sessionId: entry.sessionId,
          member: entry.member?.id ?? null,
        });
      }
    }
    const secondsHistory = await history(second);
    expect(secondsHistory.map((entry) => entry.member?.externalId)).toEqual([second.userId, second.userId]);
    expect(JSON.stringify(secondsHistory)).not.toContain(SECRET);
    expect(JSON.stringify(await watched(second))).not.toContain(SECRET);
  });

  it('balanceChanged: the pool balances, which every member reads, and nothing else', async () => {
    const { accountId, id, admin, first, second } = await pool();
    const asSecond = (await sockets.connectWith(second.token)).subscribe(BalanceChangedDocument, { accountId: id });
    const asAdmin = (await sockets.connectWith(admin.token)).subscribe(BalanceChangedDocument, { accountId: id });
    await take(asSecond, 1);
    await take(asAdmin, 1);
    await spendAsFirstMember(first, id);
    const expected = await balancesInStore(accountId);
    expect(expected.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 495, used: 5 });
    const secondSaw = await balancesUntil(asSecond, expected);
    await balancesUntil(asAdmin, expected);
    expect(JSON.stringify(secondSaw)).not.toContain(SECRET);
  });

  it('over server-sent events, by the same rule', async () => {
    const { accountId, id, admin, first, second } = await pool();
    const before = await lastSeq(accountId);
    await spendAsFirstMember(first, id);
    const all = await ticksInLedger(server.app.store, accountId, before, 'AI_CREDITS');
    const watch = { accountId: id, meter: 'AI_CREDITS' as const, afterSeq: before };

    const asSecond = await streams.subscribe(CreditUsageDocument, watch, `Bearer ${second.token}`);
    expect(await ticks(asSecond.results, 3)).toEqual(all.map(seenByPlainMember(second.userId)));
    const asAdmin = await streams.subscribe(CreditUsageDocument, watch, `Bearer ${admin.token}`);
    expect(await ticks(asAdmin.results, 3)).toEqual(all);

    // And live: member 1 spends again while both watch.
    await consume(first, id, SECRET);
    const [next] = await ticksInLedger(server.app.store, accountId, before + 3, 'AI_CREDITS');
    expect(await ticks(asSecond.results, 1)).toEqual([seenByPlainMember(second.userId)(next!)]);
    expect(await ticks(asAdmin.results, 1)).toEqual([next]);

    const balances = await streams.subscribe(BalanceChangedDocument, { accountId: id }, `Bearer ${second.token}`);
    const [now] = dataOf(await take(balances.results, 1));
    expect(now!.balanceChanged).toEqual(await balancesInStore(accountId));
  });
});
