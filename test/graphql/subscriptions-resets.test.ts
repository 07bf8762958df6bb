import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userAccountId } from '../../src/store/directory.js';
import { debitMany, expectQuiet, ManualScheduler, take } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { CreditUsageDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// reelbot.free: 20 AI credits a day (UTC), 3 video generations a month. The ledger's clock and the
// reset timers are the test's.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const scheduler = new ManualScheduler();
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.free' }, now: clock.now, scheduler });
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

const HOURS = 3_600_000;

describe('period resets and low-balance notices over a subscription', () => {
  it('sends the reset when the period ends, and each threshold once per period', async () => {
    const userId = `u-${randomUUID()}`;
    const token = await server.token({ sub: userId });
    await execute(server.url, ViewerDocument, { token });
    const accountId = userAccountId(userId);
    const { store } = server.app;

    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', afterSeq: 0 });
    const ticks = async (count: number) => dataOf(await take(usage, count)).map((data) => data.creditUsage);
    const opening = await ticksInLedger(store, accountId, 0, 'AI_CREDITS');
    await ticks(opening.length);
    // The subscription armed the account's reset timer at the end of the day.
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([12 * HOURS]));

    await debitMany(store, accountId, 20);
    const spent = await ticks(20);
    expect(spent.map((tick) => tick.used)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(spent.filter((tick) => tick.thresholdsCrossed.length > 0).map((tick) => [tick.used, tick.thresholdsCrossed])).toEqual([
      [16, [80]],
      [20, [100]],
    ]);

    clock.set('2026-03-11T00:00:00Z');
    scheduler.fireAll();
    const [reset] = await ticks(1);
    expect(reset).toMatchObject({ kind: 'RESET', meter: 'AI_CREDITS', previousAvailable: 0, available: 20, used: 0, allowance: 20, thresholdsCrossed: [] });
    expect(reset!.at).toBe('2026-03-11T00:00:00.000Z');
    expect([...spent, reset]).toEqual(await ticksInLedger(store, accountId, opening.at(-1)!.seq, 'AI_CREDITS'));
    await vi.waitFor(() => expect(scheduler.delays()).toEqual([24 * HOURS]));

    await debitMany(store, accountId, 17);
    const again = await ticks(17);
    expect(again.filter((tick) => tick.thresholdsCrossed.length > 0).map((tick) => [tick.used, tick.thresholdsCrossed])).toEqual([[16, [80]]]);
    await expectQuiet(usage);
  });
});
