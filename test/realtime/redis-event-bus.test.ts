import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import mongoose from 'mongoose';
import {
  createRealtime,
  createRedisEventBus,
  type LedgerEvent,
  type LedgerEventBus,
  type Realtime,
  type RedisEventBus,
} from '../../src/realtime/index.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from '../store/store-fixture.js';
import { debitMany, expectQuiet, interceptedBus, ManualScheduler, openAccount, range, seqsOf, take } from './realtime-fixture.js';
import { REDIS_URL, withoutRedis } from './redis-probe.js';

const noRedis = await withoutRedis('the Redis event bus tests');

describe('starting a Redis event bus', () => {
  it('fails, leaving nothing open, when Redis cannot be reached', async () => {
    const errors: unknown[] = [];
    await expect(createRedisEventBus('redis://127.0.0.1:1', { onError: (error) => errors.push(error) })).rejects.toThrow();
    expect(String(errors[0])).toContain('ECONNREFUSED');
  });
});

describe.skipIf(noRedis)('the Redis event bus between two server instances', () => {
  // Two instances: a store each on its own connection to the same database, a Redis bus each.
  let database: Database;
  let secondConnection: mongoose.Connection;
  let storeA: LedgerStore;
  let storeB: LedgerStore;
  let admin: Redis;
  const channelPrefix = `cs-test-${randomUUID()}:`;
  const errors: unknown[] = [];
  const cleanUps: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('realtime-redis');
    secondConnection = await mongoose.createConnection(database.uri, { dbName: database.connection.name, ignoreUndefined: true }).asPromise();
    const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
    storeA = await openStore(database.connection, clock);
    storeB = await openStore(secondConnection, clock);
    admin = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
    errors.length = 0;
  });

  afterAll(async () => {
    await admin?.quit();
    await secondConnection?.close();
    await database?.close();
  });

  async function openBus(redisOptions?: RedisOptions): Promise<RedisEventBus> {
    const bus = await createRedisEventBus(REDIS_URL, { channelPrefix, onError: (error) => errors.push(error), redisOptions });
    cleanUps.push(() => bus.close());
    return bus;
  }

  /** Instance B serves the feeds; instance A writes and publishes through `route`. */
  async function openInstances(options: { route?: Parameters<typeof interceptedBus>[1]; redisOptionsA?: RedisOptions } = {}) {
    const busA = await openBus(options.redisOptionsA);
    const busB = await openBus();
    const publishedByA: LedgerEventBus = options.route ? interceptedBus(busA, options.route) : busA;
    const realtimeA = open(createRealtime({ store: storeA, bus: publishedByA, scheduler: new ManualScheduler() }));
    const realtimeB = open(createRealtime({ store: storeB, bus: busB, scheduler: new ManualScheduler() }));
    return { busA, busB, realtimeA, realtimeB };
  }

  function open(realtime: Realtime): Realtime {
    cleanUps.push(() => realtime.close());
    return realtime;
  }

  async function killClient(name: string) {
    const clients = (await admin.client('LIST')) as string;
    const line = clients.split('\n').find((candidate) => candidate.includes(` name=${name} `));
    const id = line?.match(/\bid=(\d+)/)?.[1];
    if (!id) throw new Error(`no Redis client named ${name}`);
    await admin.client('KILL', 'ID', id);
  }

  /** Drops the event of the account's last debit when `lose` says so. */
  const dropWhen = (lose: (event: LedgerEvent) => boolean) => (event: LedgerEvent, publish: (event: LedgerEvent) => void) => {
    if (!lose(event)) publish(event);
  };

  it('delivers each instance’s writes to the feeds of both, every seq once and in order', async () => {
    const { realtimeA, realtimeB } = await openInstances();
    const accountId = await openAccount(storeA);
    const onB = await realtimeB.creditTicks(accountId);
    const onA = await realtimeA.creditTicks(accountId);
    const balancesOnB = await realtimeB.balanceChanges(accountId);
    await take(balancesOnB, 1);

    await debitMany(storeA, accountId, 10);
    await debitMany(storeB, accountId, 10);
    await Promise.all([debitMany(storeA, accountId, 10), debitMany(storeB, accountId, 10)]);
    expect(seqsOf(await take(onB, 40))).toEqual(range(3, 40));
    expect(seqsOf(await take(onA, 40))).toEqual(range(3, 40));
    await vi.waitFor(async () => {
      const [latest] = await take(balancesOnB, 1);
      expect(latest!.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 60, used: 40 });
    });
    await expectQuiet(onB);
    await expectQuiet(onA);
  });

  it('fills a lost message from the database when the next one reveals the gap', async () => {
    let published = 0;
    const { realtimeB } = await openInstances({ route: dropWhen(() => ++published === 3) });
    const accountId = await openAccount(storeA);
    const onB = await realtimeB.creditTicks(accountId);
    for (let index = 0; index < 5; index += 1) await debitMany(storeA, accountId, 1);
    expect(seqsOf(await take(onB, 5))).toEqual(range(3, 5));
    await expectQuiet(onB);
  });

  it('re-checks every feed when the subscriber connection comes back, so even a lost last message arrives', async () => {
    let losing = false;
    const { busB, realtimeB } = await openInstances({ route: dropWhen(() => losing) });
    const accountId = await openAccount(storeA);
    const onB = await realtimeB.creditTicks(accountId);
    await debitMany(storeA, accountId, 1);
    losing = true;
    await debitMany(storeA, accountId, 1);
    expect(seqsOf(await take(onB, 1))).toEqual([3]);
    await expectQuiet(onB);

    await killClient(busB.clientNames.subscriber);
    expect(seqsOf(await take(onB, 1))).toEqual([4]);
    expect(busB.status().subscriber).toBe('ready');
    losing = false;
    await debitMany(storeA, accountId, 1);
    expect(seqsOf(await take(onB, 1))).toEqual([5]);
  });

  it('treats a message it cannot read as lost', async () => {
    let losing = false;
    const { realtimeB } = await openInstances({ route: dropWhen(() => losing) });
    const accountId = await openAccount(storeA);
    const onB = await realtimeB.creditTicks(accountId);
    losing = true;
    await debitMany(storeA, accountId, 1);
    await expectQuiet(onB);
    await admin.publish(`${channelPrefix}account:${accountId}`, '{"garbage":');
    expect(seqsOf(await take(onB, 1))).toEqual([3]);
  });

  it('announces a failed publish once reconnected, and every other instance re-checks its feeds', async () => {
    const { busA, realtimeB } = await openInstances({ redisOptionsA: { retryStrategy: () => 300 } });
    const accountId = await openAccount(storeA);
    const onB = await realtimeB.creditTicks(accountId);
    await killClient(busA.clientNames.publisher);
    await vi.waitFor(() => expect(busA.status().publisher).not.toBe('ready'));

    // Committed while A cannot publish: only A's resync notice, once it is back, tells B.
    await debitMany(storeA, accountId, 1);
    expect(seqsOf(await take(onB, 1))).toEqual([3]);
    expect(busA.status().publisher).toBe('ready');
    expect(errors.length).toBeGreaterThan(0);
    await expectQuiet(onB);
  });
});
