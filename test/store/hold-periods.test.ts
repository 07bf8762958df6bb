import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { replayEntries, summarizeUsage, type UsageGrouping } from '../../src/ledger/index.js';
import { asTester } from '../../src/ledger/test-support.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

let database: Database;
const clock = new TestClock(new Date('2026-03-10T23:50:00Z'));
let store: LedgerStore;

beforeAll(async () => {
  database = await openTestDatabase('hold-periods');
  store = await openStore(database.connection, clock);
});

afterAll(async () => {
  await database?.close();
});

const day = (date: string) => ({ from: new Date(`${date}T00:00:00Z`), to: new Date(new Date(`${date}T00:00:00Z`).getTime() + 86_400_000) });

describe('a hold across a reset, in the database', () => {
  it("is the earlier period's usage: stored summaries agree with the reference and date it when it was held", async () => {
    // The `daily` plan: 10 AI credits a day, renewed at midnight UTC.
    const accountId = `acct-${randomUUID()}`;
    const opened = await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'daily' });
    if (!opened.ok) throw new Error(JSON.stringify(opened.error));
    const held = await store.execute(accountId, asTester({ type: 'HOLD', idempotencyKey: 'h', feature: 'voiceover.generate', memberId: 'ana' }));
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    clock.set('2026-03-11T00:04:00Z');
    await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'd', feature: 'script.generate', memberId: 'ana' });
    await store.execute(accountId, asTester({ type: 'COMMIT', idempotencyKey: 'c', holdId: held.holdId }));

    const [state] = await store.loadAccounts([accountId]);
    expect(store.balances(state!).find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 8, used: 2, reserved: 0 });
    expect(store.memberUsage(state!).find((row) => row.memberId === 'ana' && row.meter === 'AI_CREDITS')).toMatchObject({ used: 2 });
    const entries = await store.entriesAfter(accountId, 0, 1_000);
    expect(entries.at(-1)?.changes[0]).toMatchObject({
      usedDelta: 0,
      earlierPeriod: { periodStart: new Date('2026-03-10T23:50:00Z'), heldAt: new Date('2026-03-10T23:50:00Z'), used: 3 },
    });
    expect(replayEntries(entries).meters.AI_CREDITS).toMatchObject({ available: 8, used: 2, reserved: 0 });

    const ranges = [day('2026-03-10'), day('2026-03-11'), { from: day('2026-03-10').from, to: day('2026-03-11').to }];
    for (const range of ranges) {
      for (const groupBy of ['DAY', 'FEATURE', 'MEMBER'] as const satisfies readonly UsageGrouping[]) {
        const query = { groupBy, ...range, timeZone: 'UTC' };
        expect(await store.summarizeUsage(accountId, query)).toEqual(summarizeUsage(entries, query));
      }
    }
    expect(await store.summarizeUsage(accountId, { groupBy: 'FEATURE', ...day('2026-03-10'), timeZone: 'UTC' })).toEqual([
      { key: 'voiceover.generate', meter: 'AI_CREDITS', used: 3 },
    ]);
    expect(await store.summarizeUsage(accountId, { groupBy: 'FEATURE', ...day('2026-03-11'), timeZone: 'UTC' })).toEqual([
      { key: 'script.generate', meter: 'AI_CREDITS', used: 2 },
    ]);
    expect(await store.summarizeUsage(accountId, { groupBy: 'DAY', ...ranges[2]!, timeZone: 'UTC' })).toEqual([
      { key: '2026-03-10', meter: 'AI_CREDITS', used: 3 },
      { key: '2026-03-11', meter: 'AI_CREDITS', used: 2 },
    ]);
  });
});
