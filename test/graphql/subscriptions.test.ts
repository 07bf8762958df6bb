import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPIRY_LEEWAY_SECONDS } from '../../src/auth/index.js';
import { MISSING_CONNECTION_TOKEN_MESSAGE } from '../../src/graphql/websocket.js';
import { organizationAccountId, userAccountId } from '../../src/store/directory.js';
import { debitMany, expectQuiet, render, take, topic } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { userGlobalId } from './ledger-fixture.js';
import { BalanceChangedDocument, CreditUsageDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger, type Tick } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// reelbot.pro: 500 AI credits a day and 60 video generations a month. The ledger's clock stands
// still, so no period ends during a test; tokens live in real time.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' }, now: clock.now });
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

/** A user of its own and its token, after a first request that opened its accounts. */
async function newMember(claims: { org?: string; role?: 'member' | 'admin' } = {}) {
  const userId = `u-${randomUUID()}`;
  const token = await server.token({ sub: userId, ...claims });
  expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
  return { userId, accountId: userAccountId(userId), token };
}

async function ticks(results: AsyncIterator<{ data?: { creditUsage: Tick } | null }>, count: number): Promise<Tick[]> {
  return dataOf(await take(results, count)).map((data) => data!.creditUsage);
}

describe('Subscription.creditUsage over WebSocket', () => {
  it('sends a tick for each of 100 debits, in seq order, with the values the ledger wrote', async () => {
    const { accountId, token } = await newMember();
    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: 0 });
    // The account's opening entries first: once one arrived the subscription is live.
    const { store } = server.app;
    const opening = await ticksInLedger(store, accountId, 0);
    expect(await ticks(usage, opening.length)).toEqual(opening);
    const lastOpening = opening.at(-1)!.seq;

    await debitMany(store, accountId, 100);
    const received = await ticks(usage, 100);
    expect(received.map((tick) => tick.seq)).toEqual(Array.from({ length: 100 }, (_, index) => lastOpening + 1 + index));
    expect(received).toEqual(await ticksInLedger(store, accountId, lastOpening));
    expect(received.every((tick) => tick.kind === 'DEBIT' && tick.delta === -1 && tick.feature === 'topic.generate')).toBe(true);
    expect(received[0]).toMatchObject({ meter: 'AI_CREDITS', previousAvailable: 500, available: 499, used: 1, member: { id: userGlobalId('m1') }, sessionId: 's1' });

    const [state] = await store.loadAccounts([accountId]);
    const fresh = store.balances(state!).find((balance) => balance.meter === 'AI_CREDITS')!;
    expect(received.at(-1)).toMatchObject({ available: fresh.available, used: fresh.used });
    expect(fresh.available).toBe(400);
    await expectQuiet(usage);
  });

  it('after a disconnection, resumes with afterSeq: exactly the missed ticks, then live ones, none twice', async () => {
    const { accountId, token } = await newMember();
    const { store } = server.app;
    const first = await sockets.connectWith(token);
    const before = first.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: 0 });
    const opening = await ticksInLedger(store, accountId, 0);
    await ticks(before, opening.length);
    await debitMany(store, accountId, 5);
    const lastSeen = (await ticks(before, 5)).at(-1)!.seq;
    await first.dispose();

    await debitMany(store, accountId, 20);
    const again = await sockets.connectWith(token);
    const after = again.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: lastSeen });
    const missed = await ticks(after, 20);
    expect(missed.map((tick) => tick.seq)).toEqual(Array.from({ length: 20 }, (_, index) => lastSeen + 1 + index));
    await debitMany(store, accountId, 5);
    const live = await ticks(after, 5);
    expect(live.map((tick) => tick.seq)).toEqual(Array.from({ length: 5 }, (_, index) => lastSeen + 21 + index));
    expect([...missed, ...live]).toEqual(await ticksInLedger(store, accountId, lastSeen));
    await expectQuiet(after);
  });

  it("sends only the ticks of the meter asked for; an entry on two meters gives one tick per meter", async () => {
    const { accountId, token } = await newMember();
    const { store } = server.app;
    const socket = await sockets.connectWith(token);
    const videos = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), meter: 'VIDEO_GENERATIONS', afterSeq: 0 });
    const credits = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', afterSeq: 0 });
    const openingVideos = await ticksInLedger(store, accountId, 0, 'VIDEO_GENERATIONS');
    const openingCredits = await ticksInLedger(store, accountId, 0, 'AI_CREDITS');
    await ticks(videos, openingVideos.length);
    await ticks(credits, openingCredits.length);

    for (const operation of [render('r1'), topic('t1'), render('r2'), topic('t2')]) {
      const outcome = await store.execute(accountId, operation);
      expect(outcome.ok).toBe(true);
    }
    const videoTicks = await ticks(videos, 2);
    expect(videoTicks.map((tick) => [tick.meter, tick.feature, tick.delta])).toEqual([
      ['VIDEO_GENERATIONS', 'video.render', -1],
      ['VIDEO_GENERATIONS', 'video.render', -1],
    ]);
    const creditTicks = await ticks(credits, 4);
    expect(creditTicks.map((tick) => tick.feature)).toEqual(['video.render', 'topic.generate', 'video.render', 'topic.generate']);
    expect(videoTicks.map((tick) => tick.seq)).toEqual([creditTicks[0]!.seq, creditTicks[2]!.seq]);
    await expectQuiet(videos);
  });
});

describe('Subscription.balanceChanged over WebSocket', () => {
  it("sends the account's balances now, then after each write", async () => {
    const { accountId, token } = await newMember();
    const socket = await sockets.connectWith(token);
    const balances = socket.subscribe(BalanceChangedDocument, { accountId: accountGlobalId(accountId) });
    const [now] = dataOf(await take(balances, 1));
    expect(now!.balanceChanged.map((balance) => [balance.meter, balance.available, balance.used])).toEqual([
      ['AI_CREDITS', 500, 0],
      ['VIDEO_GENERATIONS', 60, 0],
    ]);
    expect((await server.app.store.execute(accountId, render('r1'))).ok).toBe(true);
    const [after] = dataOf(await take(balances, 1));
    expect(after!.balanceChanged.map((balance) => [balance.meter, balance.available, balance.used])).toEqual([
      ['AI_CREDITS', 498, 2],
      ['VIDEO_GENERATIONS', 59, 1],
    ]);
  });
});

describe('which accounts a subscription may watch', () => {
  /** The single result of a refused subscription: its errors, and then it completes. */
  async function refusal(results: AsyncIterator<{ data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>) {
    const [result] = await take(results, 1);
    expect(await results.next()).toEqual({ done: true, value: undefined });
    expect(result!.data ?? null).toBeNull();
    return result!.errors!.map((error) => ({ message: error.message, code: error.extensions?.code }));
  }
  const FORBIDDEN = [{ message: 'Your access token does not allow this.', code: 'FORBIDDEN' }];

  it("lets a member watch its own account and its organization's pool", async () => {
    const organizationId = `o-${randomUUID()}`;
    const { token } = await newMember({ org: organizationId });
    const socket = await sockets.connectWith(token);
    const pool = socket.subscribe(BalanceChangedDocument, { accountId: accountGlobalId(organizationAccountId(organizationId)) });
    expect(dataOf(await take(pool, 1))[0]!.balanceChanged).toHaveLength(2);
  });

  it("names who spent from a pool to its admins, but shows a plain member only its own spending as its own", async () => {
    const organizationId = `o-${randomUUID()}`;
    const admin = await newMember({ org: organizationId, role: 'admin' });
    const member = await newMember({ org: organizationId });
    const pool = accountGlobalId(organizationAccountId(organizationId));
    // The pool opened with one RESET per meter (seq 1 and 2): everything after is replayed or live.
    const watch = { accountId: pool, meter: 'AI_CREDITS' as const, afterSeq: 2 };
    const asAdmin = (await sockets.connectWith(admin.token)).subscribe(CreditUsageDocument, watch);
    const asMember = (await sockets.connectWith(member.token)).subscribe(CreditUsageDocument, watch);
    for (const [key, spender] of [['by-admin', admin.userId], ['by-member', member.userId]] as const) {
      const outcome = await server.app.store.execute(organizationAccountId(organizationId), {
        type: 'DEBIT', idempotencyKey: key, feature: 'topic.generate', memberId: spender,
      });
      expect(outcome.ok).toBe(true);
    }
    expect((await ticks(asAdmin, 2)).map((tick) => tick.member?.id)).toEqual([userGlobalId(admin.userId), userGlobalId(member.userId)]);
    expect((await ticks(asMember, 2)).map((tick) => [tick.member?.id ?? null, tick.delta])).toEqual([
      [null, -1],
      [userGlobalId(member.userId), -1],
    ]);
  });

  it('refuses a member of another organization, someone else’s account and an unknown account alike with FORBIDDEN, keeping the socket', async () => {
    const organizationId = `o-${randomUUID()}`;
    const poolMember = await newMember({ org: organizationId });

    const outsider = await newMember({ org: `o-${randomUUID()}`, role: 'admin' });
    const socket = await sockets.connectWith(outsider.token);
    const pool = accountGlobalId(organizationAccountId(organizationId));
    expect(await refusal(socket.subscribe(CreditUsageDocument, { accountId: pool }))).toEqual(FORBIDDEN);
    expect(await refusal(socket.subscribe(BalanceChangedDocument, { accountId: pool }))).toEqual(FORBIDDEN);
    expect(await refusal(socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(poolMember.accountId) }))).toEqual(FORBIDDEN);
    expect(await refusal(socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId('org:never-seen') }))).toEqual(FORBIDDEN);

    const service = await sockets.connectWith(await server.token({ sub: 'svc:billing', role: 'service' }));
    expect(await refusal(service.subscribe(CreditUsageDocument, { accountId: accountGlobalId('org:never-seen') }))).toEqual(FORBIDDEN);
    const watched = service.subscribe(BalanceChangedDocument, { accountId: pool });
    expect(dataOf(await take(watched, 1))[0]!.balanceChanged).toHaveLength(2);

    // The refusals ended those subscriptions only.
    const own = socket.subscribe(BalanceChangedDocument, { accountId: accountGlobalId(outsider.accountId) });
    expect(dataOf(await take(own, 1))).toHaveLength(1);
  });

  it('watches the account the caller draws from when no accountId is given: its pool, or its own without an organization', async () => {
    const organizationId = `o-${randomUUID()}`;
    // An admin: it sees who spent from the pool, as `ticksInLedger` shows it.
    const poolMember = await newMember({ org: organizationId, role: 'admin' });
    const loner = await newMember();
    const pool = organizationAccountId(organizationId);
    const { store } = server.app;
    const poolUsage = (await sockets.connectWith(poolMember.token)).subscribe(CreditUsageDocument, { afterSeq: 2 });
    const ownUsage = (await sockets.connectWith(loner.token)).subscribe(CreditUsageDocument, { afterSeq: 2 });
    const poolBalances = (await sockets.connectWith(poolMember.token)).subscribe(BalanceChangedDocument, {});
    expect(dataOf(await take(poolBalances, 1))[0]!.balanceChanged[0]).toMatchObject({ meter: 'AI_CREDITS', available: 500 });

    expect((await store.execute(pool, topic('into-the-pool'))).ok).toBe(true);
    expect((await store.execute(loner.accountId, topic('into-its-own'))).ok).toBe(true);
    expect(await ticks(poolUsage, 1)).toEqual(await ticksInLedger(store, pool, 2));
    expect(await ticks(ownUsage, 1)).toEqual(await ticksInLedger(store, loner.accountId, 2));
    expect(dataOf(await take(poolBalances, 1))[0]!.balanceChanged[0]).toMatchObject({ meter: 'AI_CREDITS', available: 499 });
  });

  it('refuses a service that names no account with BAD_USER_INPUT: it draws from none', async () => {
    const service = await sockets.connectWith(await server.token({ sub: 'svc:billing', role: 'service' }));
    const expected = [{ message: 'accountId: is required for a service, which draws from no account of its own', code: 'BAD_USER_INPUT' }];
    expect(await refusal(service.subscribe(CreditUsageDocument, {}))).toEqual(expected);
    expect(await refusal(service.subscribe(BalanceChangedDocument, {}))).toEqual(expected);
  });

  it('refuses what is not the ID of an Account with BAD_USER_INPUT', async () => {
    const { token } = await newMember();
    const socket = await sockets.connectWith(token);
    const expected = [{ message: 'accountId: must be an ID of type Account', code: 'BAD_USER_INPUT' }];
    expect(await refusal(socket.subscribe(CreditUsageDocument, { accountId: Buffer.from('Plan:rheos.free').toString('base64') }))).toEqual(expected);
    expect(await refusal(socket.subscribe(CreditUsageDocument, { accountId: 'user:u1' }))).toEqual(expected);
    const negative = await refusal(socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId('user:u1'), afterSeq: -1 }));
    expect(negative.map((error) => error.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('authenticating a WebSocket', () => {
  it('acknowledges a valid token in connection_init, as an Authorization value or as a token, with when it expires', async () => {
    const { token } = await newMember();
    const byHeader = sockets.connect({ authorization: `Bearer ${token}` });
    const ack = await byHeader.acknowledged;
    expect(Date.parse(String(ack!.expiresAt)) - Date.now()).toBeGreaterThan(59 * 60_000);
    const byToken = sockets.connect({ token });
    await byToken.acknowledged;
    const both = sockets.connect({ token, authorization: `Bearer ${token}` });
    await both.acknowledged;
  });

  it.each([
    ['no connection_init payload', undefined, MISSING_CONNECTION_TOKEN_MESSAGE],
    ['no token in it', { other: 'x' }, MISSING_CONNECTION_TOKEN_MESSAGE],
    ['an Authorization value that is not a bearer token', { authorization: 'Basic dTE6cGFzcw==' }, 'The access token is invalid.'],
    ['something that is not a token', { token: 'not-a-token' }, 'The access token is invalid.'],
    ['a token that is not a string', { token: 42 }, 'The access token is invalid.'],
  ])('closes the socket with 4401 for %s', async (_case, connectionParams, reason) => {
    const socket = sockets.connect(connectionParams);
    expect(await socket.closed).toEqual({ code: 4401, reason });
    await expect(socket.acknowledged).rejects.toBeDefined();
  });

  it('closes with 4401 for two different tokens and for an expired one, saying that it expired', async () => {
    const { token } = await newMember();
    const other = await server.token({ sub: 'u-other' });
    expect(await sockets.connect({ token, authorization: `Bearer ${other}` }).closed).toEqual({ code: 4401, reason: 'The access token is invalid.' });
    const expired = await server.token({ sub: 'u-late' }, '-1m');
    expect(await sockets.connect({ token: expired }).closed).toEqual({ code: 4401, reason: 'The access token has expired.' });
  });

  it('closes with 4401 when the token expires, as HTTP refuses it (exp plus the leeway): every subscription ends, and nothing written after is sent', async () => {
    const { accountId, userId } = await newMember();
    const token = await server.token({ sub: userId }, '1s');
    const socket = sockets.connect({ token });
    // The token's exp, as the acknowledgement says; it is accepted for the leeway after it.
    const expiresAt = Date.parse(String((await socket.acknowledged)!.expiresAt)) + EXPIRY_LEEWAY_SECONDS * 1000;
    const { store } = server.app;
    const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: 0 });
    const balances = socket.subscribe(BalanceChangedDocument, { accountId: accountGlobalId(accountId) });
    const opening = await ticksInLedger(store, accountId, 0);
    await ticks(usage, opening.length);
    await take(balances, 1);

    // Debits every 50 ms from before the expiry to after it; what each subscription receives is
    // recorded as it arrives, until it ends.
    const received: { seq: number; arrivedAt: number }[] = [];
    const balancesArrivedAt: number[] = [];
    const ending = (results: AsyncIterable<unknown>, record: (result: unknown) => void) =>
      (async () => {
        for await (const result of results) record(result);
      })().then(
        () => 'completed',
        (error: unknown) => error,
      );
    const usageEnded = ending(usage, (result) =>
      received.push({ seq: (result as { data: { creditUsage: Tick } }).data.creditUsage.seq, arrivedAt: Date.now() }),
    );
    const balancesEnded = ending(balances, () => balancesArrivedAt.push(Date.now()));
    const writtenAfterExpiry: number[] = [];
    for (let index = 0; Date.now() < expiresAt + 500; index += 1) {
      const startedAt = Date.now();
      expect((await store.execute(accountId, topic(`expiring-${index}`))).ok).toBe(true);
      if (startedAt > expiresAt) writtenAfterExpiry.push((await store.loadAccounts([accountId]))[0]!.lastSeq);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const closed = await socket.closed;
    expect(closed).toEqual({ code: 4401, reason: 'The access token has expired.' });
    expect(await usageEnded).toMatchObject({ code: 4401, reason: 'The access token has expired.' });
    expect(await balancesEnded).toMatchObject({ code: 4401, reason: 'The access token has expired.' });
    expect(received.length).toBeGreaterThan(0);
    expect(balancesArrivedAt.length).toBeGreaterThan(0);
    // Anything sent before the expiry arrives at once; the margin is for a busy machine.
    expect([...received.map((tick) => tick.arrivedAt), ...balancesArrivedAt].every((arrivedAt) => arrivedAt < expiresAt + 500)).toBe(true);
    expect(writtenAfterExpiry.length).toBeGreaterThan(0);
    expect(received.filter((tick) => writtenAfterExpiry.includes(tick.seq))).toEqual([]);
  });
});
