import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/index.js';
import { organizationAccountId } from '../src/store/directory.js';
import { execute } from './graphql/client.js';
import { BalanceChangedDocument, CreditUsageDocument, ViewerDocument } from './graphql/generated/graphql.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger } from './graphql/subscription-client.js';
import { debitMany, expectQuiet, render, succeed, take } from './realtime/realtime-fixture.js';
import { REDIS_URL, withoutRedis } from './realtime/redis-probe.js';
import { RedisRelay } from './support/redis-relay.js';
import { useTwoServerProcesses } from './support/server-processes.js';

const noRedis = await withoutRedis('the two-process live usage tests');

describe.skipIf(noRedis)('live usage across two server processes sharing one database and one Redis', () => {
  // Two apps, as two processes of one deployment would be.
  const processes = useTwoServerProcesses('realtime-e2e', () => ({ REDIS_URL, DEFAULT_PLAN: 'rheos.pro' }));
  const sockets = new Sockets(() => processes.second.graphqlUrl);
  afterEach(() => sockets.disposeAll());

  it("sends a subscriber on one process the ticks and balances of the other's writes", async () => {
    const { pool, socket, usage, opening } = await watchNewPool(processes, sockets);
    const balances = socket.subscribe(BalanceChangedDocument, { accountId: accountGlobalId(pool) });
    expect(dataOf(await take(balances, 1))[0]!.balanceChanged[0]).toMatchObject({ meter: 'AI_CREDITS', available: 1_000 });

    await debitMany(processes.first.store, pool, 30);
    const ticks = dataOf(await take(usage, 30)).map((data) => data.creditUsage);
    expect(ticks).toEqual(await ticksInLedger(processes.first.store, pool, opening.at(-1)!.seq));
    expect(ticks.at(-1)).toMatchObject({ available: 970, used: 30 });
    // Balances are coalesced: a slow reader may skip some, never the last.
    let latest = dataOf(await take(balances, 1))[0]!.balanceChanged[0]!;
    while (latest.available !== 970) latest = dataOf(await take(balances, 1))[0]!.balanceChanged[0]!;
    expect(latest).toMatchObject({ available: 970, used: 30 });
    await expectQuiet(usage);
  });

  it("resumes a subscriber on one process after any tick of the other's two-meter entries, then live, none twice and none skipped", async () => {
    const { pool, socket, usage } = await watchNewPool(processes, sockets);
    const { store } = processes.first;
    // rheos.pro has no video generations: a top-up of them first, so that a render touches two meters.
    await succeed(store.execute(pool, { type: 'GRANT', idempotencyKey: randomUUID(), meter: 'VIDEO_GENERATIONS', amount: 10, kind: 'TOP_UP' }));
    await take(usage, 1);
    for (const key of ['r1', 'r2']) await succeed(store.execute(pool, render(key)));
    const written = dataOf(await take(usage, 4)).map((data) => data.creditUsage);
    expect(written.map((tick) => tick.meter)).toEqual(['AI_CREDITS', 'VIDEO_GENERATIONS', 'AI_CREDITS', 'VIDEO_GENERATIONS']);
    /** What follows `seen` in the ledger: the rest of its entry, then the entries after it. */
    const after = async (seen: (typeof written)[number]) => {
      const from = await ticksInLedger(store, pool, seen.seq - 1);
      return from.slice(from.findIndex((tick) => tick.cursor === seen.cursor) + 1);
    };

    for (const seen of written) {
      const resumed = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(pool), after: seen.cursor });
      const replayed = dataOf(await take(resumed, (await after(seen)).length)).map((data) => data.creditUsage);
      // Written through the first process once the replay is under way: it reaches the second through Redis.
      await succeed(store.execute(pool, render(randomUUID())));
      const live = dataOf(await take(resumed, 2)).map((data) => data.creditUsage);
      expect([...replayed, ...live]).toEqual(await after(seen));
      await expectQuiet(resumed);
      await resumed.return?.();
    }
  });

  it('reports Redis in /ready', async () => {
    for (const app of [processes.first, processes.second]) {
      const ready = await fetch(`${app.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', database: 'up', redis: 'up' });
    }
  });
});

describe.skipIf(noRedis)('live usage through a Redis outage', () => {
  const relay = new RedisRelay(new URL(REDIS_URL));
  let relayUrl = '';
  beforeAll(async () => {
    relayUrl = await relay.start();
  });
  afterAll(() => relay.cut());
  const processes = useTwoServerProcesses('redis-outage', () => ({ REDIS_URL: relayUrl, DEFAULT_PLAN: 'rheos.pro' }));
  const sockets = new Sockets(() => processes.second.graphqlUrl);
  afterEach(() => sockets.disposeAll());

  it("catches a subscriber on one process up with every tick the other's writes made while Redis was down, in order, once it is back", async () => {
    const { pool, usage, opening } = await watchNewPool(processes, sockets);
    await debitMany(processes.first.store, pool, 5);
    await take(usage, 5);
    const before = opening.at(-1)!.seq + 5;

    // Redis goes down for both processes: the writes go on, their publications are lost.
    await relay.cut();
    await debitMany(processes.first.store, pool, 60);
    await expectQuiet(usage, 300);
    await relay.restore();

    const caughtUp = dataOf(await take(usage, 60, 20_000)).map((data) => data.creditUsage);
    expect(caughtUp).toEqual(await ticksInLedger(processes.first.store, pool, before));
    expect(caughtUp.at(-1)).toMatchObject({ available: 1_000 - 65, used: 65 });
    await expectQuiet(usage);
  });
});

/**
 * A new pool, opened through the first process, and its credit usage watched on the second from
 * the start (the opening ticks taken). The watcher is an admin of the pool: it sees who spent (a
 * plain member would see only its own spending attributed).
 */
async function watchNewPool(processes: ReturnType<typeof useTwoServerProcesses>, sockets: Sockets) {
  const organizationId = `o-${randomUUID()}`;
  const token = await signToken(processes.config.auth, { sub: `u-${randomUUID()}`, org: organizationId, role: 'admin' });
  expect((await execute(processes.first.graphqlUrl, ViewerDocument, { token })).errors).toBeUndefined();
  const pool = organizationAccountId(organizationId);
  const socket = await sockets.connectWith(token);
  const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(pool), afterSeq: 0 });
  const opening = await ticksInLedger(processes.second.store, pool, 0);
  expect(dataOf(await take(usage, opening.length)).map((data) => data.creditUsage)).toEqual(opening);
  return { pool, socket, usage, opening };
}
