import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MeterBalance } from '../../src/ledger/index.js';
import { openBalanceFeed, type LedgerEventBus, type Realtime } from '../../src/realtime/index.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { debitMany, expectQuiet, openAccount, openHarness, take, type Harness } from './realtime-fixture.js';

let harness: Harness;
let store: LedgerStore, bus: LedgerEventBus, realtime: Realtime;

beforeAll(async () => ({ store, bus, realtime } = harness = await openHarness('realtime-balances')));
afterAll(() => harness?.close());

const aiCredits = (balances: readonly MeterBalance[]) => balances.find((balance) => balance.meter === 'AI_CREDITS')!;

describe('balance changes', () => {
  it('starts with the current balances, then pushes the balances after each write', async () => {
    const accountId = await openAccount(store);
    const feed = await realtime.balanceChanges(accountId);
    const [current] = await take(feed, 1);
    expect(current).toHaveLength(2);
    expect(aiCredits(current!)).toMatchObject({ available: 100, used: 0, allowance: 100, topUp: 0 });
    expect(aiCredits(current!).resetsAt).toBeInstanceOf(Date);

    await debitMany(store, accountId, 1);
    expect(aiCredits((await take(feed, 1))[0]!)).toMatchObject({ available: 99, used: 1 });
    await expectQuiet(feed);
    await feed.return!();
  });

  it('gives a slow consumer only the newest balances, never a backlog', async () => {
    const accountId = await openAccount(store);
    const feed = await realtime.balanceChanges(accountId);
    await take(feed, 1);
    for (let index = 0; index < 20; index += 1) await debitMany(store, accountId, 1);
    expect(aiCredits((await take(feed, 1))[0]!)).toMatchObject({ available: 80, used: 20 });
    await expectQuiet(feed);
    await feed.return!();
  });

  it('ignores balances older than what it already has, whatever order events arrive in', async () => {
    const accountId = await openAccount(store);
    const feed = await openBalanceFeed({ store, bus, accountId });
    await take(feed, 1);
    await debitMany(store, accountId, 1);
    await take(feed, 1);
    const stale = vi.fn((): MeterBalance[] => []);
    const [opening] = await store.entriesAfter(accountId, 0, 1);
    bus.publish({ accountId, entries: [opening!], balances: stale });
    await expectQuiet(feed);
    expect(stale).not.toHaveBeenCalled();
    await feed.return!();
  });

  it('reads the balances from the database again after a resync', async () => {
    const accountId = await openAccount(store);
    const loadAccounts = vi.fn(store.loadAccounts);
    const feed = await openBalanceFeed({ store: { ...store, loadAccounts }, bus, accountId });
    await take(feed, 1);
    // An event without balances (a publisher that did not know them) makes the feed read them.
    await debitMany(store, accountId, 1);
    const [debit] = await store.entriesAfter(accountId, 2, 1);
    bus.publish({ accountId, entries: [debit!] });
    expect(aiCredits((await take(feed, 1))[0]!)).toMatchObject({ available: 99 });
    await expectQuiet(feed);
    expect(loadAccounts).toHaveBeenCalledTimes(2);
    await feed.return!();
  });
});
