import { randomUUID } from 'node:crypto';
import { execute as executeLocally, type FormattedExecutionResult } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { schema } from '../../src/graphql/schema.js';
import type { LedgerOperation, MeterBalance } from '../../src/ledger/index.js';
import { ticksOf } from '../../src/realtime/index.js';
import { organizationAccountId, userAccountId } from '../../src/store/directory.js';
import { entry, take } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { BalanceChangedDocument, CreditUsageDocument, ViewerDocument, type CreditUsageSubscription } from './generated/graphql.js';
import { userGlobalId } from './ledger-fixture.js';
import { accountGlobalId, dataOf, Sockets, type Tick } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// reelbot.pro: 500 AI credits a day. The ledger's clock stands still; tokens live in real time.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' }, now: clock.now });
const sockets = new Sockets(() => server.url);
afterEach(async () => {
  vi.restoreAllMocks();
  await sockets.disposeAll();
});

async function join(claims: { org?: string; role?: 'member' | 'admin' } = {}) {
  const userId = `u-${randomUUID()}`;
  const token = await server.token({ sub: userId, ...claims });
  expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
  return { userId, token };
}

const debit = (memberId?: string): LedgerOperation => ({ type: 'DEBIT', idempotencyKey: `fan-${randomUUID()}`, feature: 'topic.generate', memberId, sessionId: 'session-1' });

async function ticks(results: AsyncIterator<FormattedExecutionResult<CreditUsageSubscription>>, count: number): Promise<Tick[]> {
  return dataOf(await take(results, count)).map((data) => data.creditUsage);
}

/** The variables every socket of a test subscribes with: the account's ticks after its last entry now, so that none is missed while they start. */
async function variablesFor(accountId: string) {
  const [state] = await server.app.store.loadAccounts([accountId]);
  return { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS' as const, afterSeq: state!.lastSeq };
}

/** `count` sockets of `token`, each with the same subscription. */
async function watchers(token: string, variables: Awaited<ReturnType<typeof variablesFor>>, count: number) {
  return Promise.all(Array.from({ length: count }, async () => (await sockets.connectWith(token)).subscribe(CreditUsageDocument, variables)));
}

describe('one debit watched by many sockets', () => {
  it('gives every socket of one view the same ticks, and the sockets of each other view their own', async () => {
    const organizationId = `o-${randomUUID()}`;
    const accountId = organizationAccountId(organizationId);
    const [admin, first, second] = [await join({ org: organizationId, role: 'admin' }), await join({ org: organizationId }), await join({ org: organizationId })];
    // One document and the same variables for all: only who watches tells them apart.
    const variables = await variablesFor(accountId);
    const views = { admin: await watchers(admin.token, variables, 3), first: await watchers(first.token, variables, 3), second: await watchers(second.token, variables, 3) };
    const all = [...views.admin, ...views.first, ...views.second];
    const { store } = server.app;
    // A first debit: once every socket has its tick, every subscription is live.
    await store.execute(accountId, debit());
    await Promise.all(all.map((results) => ticks(results, 1)));

    await store.execute(accountId, debit(second.userId));
    await store.execute(accountId, debit(first.userId));
    const seen = async (results: (typeof all)[number][]) => Promise.all(results.map((result) => ticks(result, 2)));
    const [byAdmin, byFirst, bySecond] = [await seen(views.admin), await seen(views.first), await seen(views.second)];
    const who = (received: Tick[]) => received.map(({ member, feature, sessionId }) => ({ member, feature, sessionId }));
    const detail = (userId: string) => ({ member: { id: userGlobalId(userId), externalId: userId }, feature: 'topic.generate', sessionId: 'session-1' });
    const hidden = { member: null, feature: null, sessionId: null };
    for (const received of byAdmin) expect(who(received)).toEqual([detail(second.userId), detail(first.userId)]);
    for (const received of byFirst) expect(who(received)).toEqual([hidden, detail(first.userId)]);
    for (const received of bySecond) expect(who(received)).toEqual([detail(second.userId), hidden]);
    // The balances are the same for everyone.
    const numbers = (received: Tick[]) => received.map(({ seq, available, used, delta }) => ({ seq, available, used, delta }));
    for (const received of [...byAdmin, ...byFirst, ...bySecond]) expect(numbers(received)).toEqual(numbers(byAdmin[0]!));
  });

  it('answers the debit, and lets its caller go on, before its tick is written to any of 40 sockets watching', async () => {
    const user = await join();
    const accountId = userAccountId(user.userId);
    const watching = await watchers(user.token, await variablesFor(accountId), 40);
    const { store } = server.app;
    await store.execute(accountId, debit());
    await Promise.all(watching.map((results) => ticks(results, 1)));

    // What the server writes to its side of the sockets: `next` messages of the debit below.
    const [state] = await store.loadAccounts([accountId]);
    const seq = state!.lastSeq + 1;
    let written = 0;
    const send = WebSocket.prototype.send;
    vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      if (String(args[0]).includes('"type":"next"') && String(args[0]).includes(`"seq":${seq},`)) written += 1;
      return send.apply(this, args);
    });
    const outcome = await store.execute(accountId, debit());
    expect(outcome.ok).toBe(true);
    expect(written).toBe(0);
    // Nor while what the caller does next in the same turn runs (an API answer takes many steps):
    // the fan-out waits for a later turn of the event loop.
    for (let step = 0; step < 200; step++) await Promise.resolve();
    expect(written).toBe(0);
    expect((await Promise.all(watching.map((results) => ticks(results, 1)))).map(([tick]) => tick!.seq)).toEqual(watching.map(() => seq));
    expect(written).toBe(40);
  });
});

describe('what is shared', () => {
  // One execution serves every subscriber that receives the same event (see shared-execution.ts),
  // so the fields under a tick or the balances must depend on the event alone.
  it('executes the fields of a tick and of balances from the event alone, never reading the caller', async () => {
    const caller = new Proxy({}, { get: (_target, property) => expect.fail(`a field read the context's ${String(property)}`) });
    const [tick] = ticksOf(entry());
    const balance: MeterBalance = { meter: 'AI_CREDITS', unlimited: false, allowance: 100, available: 20, used: 80, reserved: 0, topUp: 0, periodStart: new Date(0), resetsAt: new Date(1) };
    const variables = { accountId: 'ignored' };
    const ticked = await executeLocally({ schema, document: CreditUsageDocument, rootValue: tick, contextValue: caller, variableValues: variables });
    expect(ticked).toEqual({ data: { creditUsage: expect.objectContaining({ seq: 7, member: { id: userGlobalId('m1'), externalId: 'm1' }, available: 20 }) } });
    const balances = await executeLocally({ schema, document: BalanceChangedDocument, rootValue: [balance], contextValue: caller, variableValues: variables });
    expect(balances).toEqual({ data: { balanceChanged: [expect.objectContaining({ meter: 'AI_CREDITS', available: 20 })] } });
  });
});
