import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessEventBus, createRealtime, MAX_TIMER_DELAY_MS, type CreditTick, type Realtime } from '../../src/realtime/index.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from '../store/store-fixture.js';
import { debitMany, expectQuiet, ManualScheduler, openAccount, take } from './realtime-fixture.js';

const HOUR = 3_600_000;
let database: Database;
const bus = createInProcessEventBus();
const opened: Realtime[] = [];

beforeAll(async () => {
  database = await openTestDatabase('realtime-resets');
});

afterAll(async () => {
  await bus.close();
  await database?.close();
});

/** A store and a realtime on their own clock and hand-fired timers; `advance` is watched. */
async function setUp(startAt: string) {
  const clock = new TestClock(new Date(startAt));
  const stored = await openStore(database.connection, clock);
  const store: LedgerStore = { ...stored, advance: vi.fn(stored.advance) };
  const scheduler = new ManualScheduler();
  const realtime = createRealtime({ store, bus, clock: clock.now, scheduler });
  opened.push(realtime);
  return { clock, store, scheduler, realtime };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((realtime) => realtime.close()));
});

describe('reset timers', () => {
  it('persists and publishes a daily reset at midnight without any debit, then re-arms for the next day', async () => {
    const { clock, store, scheduler, realtime } = await setUp('2026-03-10T12:00:00Z');
    const accountId = await openAccount(store, 'daily');
    const ticks = await realtime.creditTicks(accountId, { meter: 'AI_CREDITS' });
    const balances = await realtime.balanceChanges(accountId);
    expect((await take(balances, 1))[0]!.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 10 });

    await debitMany(store, accountId, 4);
    expect((await take(ticks, 4)).at(-1)).toMatchObject({ available: 6, used: 4 });
    // One timer for the account, however many feeds watch it, due at midnight UTC.
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([12 * HOUR]));

    clock.set('2026-03-11T00:00:00Z');
    scheduler.fireAll();
    const resets = await take(ticks, 2);
    expect(resets.map((tick) => [tick.kind, tick.delta, tick.available, tick.used])).toEqual([
      ['EXPIRY', -6, 0, 4],
      ['RESET', 10, 10, 0],
    ]);
    expect(resets[1]!.at).toEqual(new Date('2026-03-11T00:00:00Z'));
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([24 * HOUR]));
    const latest = await take(balances, 1);
    expect(latest[0]!.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 10, used: 0 });
    await expectQuiet(ticks);

    await ticks.return!();
    expect(scheduler.delays()).toHaveLength(1);
    await balances.return!();
    expect(scheduler.delays()).toEqual([]);
  });

  it("announces 80% and 100% of the period's credits once per period", async () => {
    const { clock, store, scheduler, realtime } = await setUp('2026-03-10T12:00:00Z');
    const accountId = await openAccount(store, 'daily');
    const ticks = await realtime.creditTicks(accountId, { meter: 'AI_CREDITS' });
    const notices = (seen: readonly CreditTick[]) => seen.flatMap((tick) => tick.thresholdsCrossed.map((percent) => [tick.used, percent]));

    await debitMany(store, accountId, 10);
    expect(notices(await take(ticks, 10))).toEqual([
      [8, 80],
      [10, 100],
    ]);
    await vi.waitFor(() => expect(scheduler.delays()).toHaveLength(1));
    clock.set('2026-03-11T00:00:00Z');
    scheduler.fireAll();
    expect(notices(await take(ticks, 1))).toEqual([]);
    await debitMany(store, accountId, 10);
    expect(notices(await take(ticks, 10))).toEqual([
      [8, 80],
      [10, 100],
    ]);
    await ticks.return!();
  });

  it('shares one timer per account among its subscribers and clears it when the last one leaves', async () => {
    const { store, scheduler, realtime } = await setUp('2026-03-10T12:00:00Z');
    const first = await openAccount(store, 'daily');
    const second = await openAccount(store, 'daily');
    const feeds = await Promise.all([realtime.creditTicks(first), realtime.creditTicks(first), realtime.balanceChanges(first), realtime.creditTicks(second)]);
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([12 * HOUR, 12 * HOUR]));
    await feeds[0].return!();
    await feeds[1].return!();
    expect(scheduler.delays()).toHaveLength(2);
    await feeds[2].return!();
    expect(scheduler.delays()).toEqual([12 * HOUR]);
    await realtime.close();
    expect(scheduler.delays()).toEqual([]);
    await expect(feeds[3].next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('persists, on the first subscription, a reset that fell due while nobody wrote', async () => {
    const { clock, store, realtime } = await setUp('2026-03-10T12:00:00Z');
    const accountId = await openAccount(store, 'daily');
    clock.set('2026-03-11T08:00:00Z');
    const ticks = await realtime.creditTicks(accountId);
    expect((await take(ticks, 2)).map((tick) => tick.kind)).toEqual(['EXPIRY', 'RESET']);
    await ticks.return!();
  });

  it('waits in steps of at most 2^31-1 ms for a period end further away, advancing only when it is due', async () => {
    const { clock, store, scheduler, realtime } = await setUp('2026-03-01T00:00:00Z');
    // Monthly periods from March 1st: the next reset is 31 days away, more than setTimeout allows.
    const accountId = await openAccount(store);
    const ticks = await realtime.creditTicks(accountId);
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([MAX_TIMER_DELAY_MS]));
    expect(store.advance).toHaveBeenCalledTimes(1);

    clock.set(new Date(clock.current.getTime() + MAX_TIMER_DELAY_MS));
    scheduler.fireAll();
    expect(scheduler.delays()).toEqual([31 * 24 * HOUR - MAX_TIMER_DELAY_MS]);
    expect(store.advance).toHaveBeenCalledTimes(1);

    clock.set('2026-04-01T00:00:00Z');
    scheduler.fireAll();
    expect((await take(ticks, 4)).map((tick) => [tick.kind, tick.meter])).toEqual([
      ['EXPIRY', 'AI_CREDITS'],
      ['EXPIRY', 'VIDEO_GENERATIONS'],
      ['RESET', 'AI_CREDITS'],
      ['RESET', 'VIDEO_GENERATIONS'],
    ]);
    expect(store.advance).toHaveBeenCalledTimes(2);
    await ticks.return!();
  });
});
