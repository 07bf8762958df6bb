import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LedgerOperation } from '../../src/ledger/index.js';
import { userAccountId } from '../../src/store/directory.js';
import { debitMany, expectQuiet, ManualScheduler, take, topUp } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { CreditUsageDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger, type Tick } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// rheos.free: 50 AI credits a month from the day the account opened. The ledger's clock and the
// reset timers are the test's.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const scheduler = new ManualScheduler();
const server = useTestServer({ env: { DEFAULT_PLAN: 'rheos.free' }, now: clock.now, scheduler });
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

const WORKER = { type: 'CALLER', callerId: 'worker' } as const;
/** `count` images at `resolution`: 1 AI credit each in SD, 4 in 4K. */
const images = (key: string, resolution: 'SD' | '4K', count: number): LedgerOperation => ({
  type: 'DEBIT',
  idempotencyKey: key,
  feature: 'image.generate',
  parameters: { resolution, count },
});

/** What a dashboard shows of the ticks that carry notices. */
const notices = (ticks: readonly Tick[]) =>
  ticks.filter((tick) => tick.thresholdsCrossed.length > 0).map((tick) => ({ kind: tick.kind, used: tick.used, reserved: tick.reserved, available: tick.available, thresholdsCrossed: tick.thresholdsCrossed }));

describe('low-balance notices over a graphql-ws subscription', () => {
  it('are about what the account can still spend, top-ups included: none while 493 credits remain, 80 and 100 once per period as they run out', async () => {
    const userId = `u-${randomUUID()}`;
    const token = await server.token({ sub: userId });
    expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
    const accountId = userAccountId(userId);
    const { store } = server.app;
    const run = async (operation: LedgerOperation) => {
      const outcome = await store.execute(accountId, operation);
      if (!outcome.ok) throw new Error(JSON.stringify(outcome.error));
      return outcome;
    };

    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', afterSeq: 0 });
    const ticks = async (count: number) => dataOf(await take(usage, count)).map((data) => data.creditUsage);
    const opening = await ticksInLedger(store, accountId, 0, 'AI_CREDITS');
    await ticks(opening.length);

    // The account: 50 allowance, a 500-credit top-up, 7 held, 50 used, 493 available.
    await run(topUp('top-up', 500));
    const holdIds: string[] = [];
    for (const feature of ['brand.analyze', 'script.generate']) {
      const held = await run({ type: 'HOLD', idempotencyKey: `hold-${feature}`, owner: WORKER, feature });
      if (held.type !== 'HELD') throw new Error(`expected a hold, got ${held.type}`);
      holdIds.push(held.holdId);
    }
    await debitMany(store, accountId, 50);
    const plenty = await ticks(53);
    expect(plenty.at(-1)).toMatchObject({ used: 50, reserved: 7, available: 493, allowance: 50 });
    expect(notices(plenty)).toEqual([]);

    // Running out, 32 credits at a time: 80% of the 550 is gone at 434 used with the 7 reserved;
    // committing the holds changes nothing spendable; the last credit is the 100.
    for (let index = 0; index < 15; index += 1) await run(images(`images-${index}`, '4K', 8));
    for (const holdId of holdIds) await run({ type: 'COMMIT', idempotencyKey: `commit-${holdId}`, holdId, settler: { ...WORKER, anyCaller: false } });
    await run(images('images-last', '4K', 3));
    await debitMany(store, accountId, 1);
    const runningOut = await ticks(19);
    expect(notices(runningOut)).toEqual([
      { kind: 'DEBIT', used: 434, reserved: 7, available: 109, thresholdsCrossed: [80] },
      { kind: 'DEBIT', used: 550, reserved: 0, available: 0, thresholdsCrossed: [100] },
    ]);

    // Topped up and spent to 0 again within the period: announced already, so nothing.
    await run(topUp('top-up-2', 5));
    await debitMany(store, accountId, 5);
    const again = await ticks(6);
    expect(again.at(-1)).toMatchObject({ available: 0 });
    expect(notices(again)).toEqual([]);

    // The next period announces afresh.
    await vi.waitFor(() => expect(scheduler.delays()).toHaveLength(1));
    clock.set('2026-04-10T12:00:00Z');
    // A month is longer than one timer can wait: the first firing is a step, the second the reset.
    scheduler.fireAll();
    expect(scheduler.delays()).toEqual([0]);
    scheduler.fireAll();
    const [reset] = await ticks(1);
    expect(reset).toMatchObject({ kind: 'RESET', used: 0, available: 50, thresholdsCrossed: [] });
    await debitMany(store, accountId, 50);
    const nextPeriod = await ticks(50);
    expect(notices(nextPeriod)).toEqual([
      { kind: 'DEBIT', used: 40, reserved: 0, available: 10, thresholdsCrossed: [80] },
      { kind: 'DEBIT', used: 50, reserved: 0, available: 0, thresholdsCrossed: [100] },
    ]);
    await expectQuiet(usage);

    // A dashboard that connects later and replays the history gets exactly the same notices.
    const seen = [...opening, ...plenty, ...runningOut, ...again, reset!, ...nextPeriod];
    expect(seen).toEqual(await ticksInLedger(store, accountId, 0, 'AI_CREDITS'));
    const late = (await sockets.connectWith(token)).subscribe(CreditUsageDocument, { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', afterSeq: 0 });
    const replayed = dataOf(await take(late, seen.length)).map((data) => data.creditUsage);
    expect(replayed).toEqual(seen);
    expect(notices(replayed)).toHaveLength(4);
  });
});
