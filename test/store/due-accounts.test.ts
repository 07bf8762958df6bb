import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asTester } from '../../src/ledger/test-support.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

let database: Database;
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
let store: LedgerStore;

beforeAll(async () => {
  database = await openTestDatabase('due-accounts');
  store = await openStore(database.connection, clock);
});

afterAll(async () => {
  await database?.close();
});

const dueAtOf = async (accountId: string) => (await database.connection.collection('accounts').findOne({ _id: accountId as never }))?.dueAt as Date | null | undefined;

describe('accounts due', () => {
  it('keeps on each account when something next falls due, and lists it once it has come until an advance applies it', async () => {
    // The `daily` plan renews at midnight UTC; a hold lives `holdTtlMs` (15 minutes by default).
    const accountId = `acct-${randomUUID()}`;
    expect((await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'daily' })).ok).toBe(true);
    expect(await dueAtOf(accountId)).toEqual(new Date('2026-03-11T00:00:00Z'));
    const held = await store.execute(accountId, asTester({ type: 'HOLD', idempotencyKey: 'h', feature: 'voiceover.generate', memberId: 'ana' }));
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    expect(await dueAtOf(accountId)).toEqual(held.expiresAt);
    expect(await store.dueAccounts(100)).not.toContain(accountId);

    clock.set(held.expiresAt);
    expect(await store.dueAccounts(100)).toContain(accountId);
    await store.advance(accountId);
    expect(await store.dueAccounts(100)).not.toContain(accountId);
    expect(await dueAtOf(accountId)).toEqual(new Date('2026-03-11T00:00:00Z'));
    expect((await store.entriesAfter(accountId, 0, 100)).map((entry) => entry.kind)).toContain('RELEASE');
  });

  it('lists an account stored before it had a due time, once: an advance gives it one', async () => {
    const accountId = `acct-${randomUUID()}`;
    expect((await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'daily' })).ok).toBe(true);
    await database.connection.collection('accounts').updateOne({ _id: accountId as never }, { $unset: { dueAt: '' } });
    expect(await store.dueAccounts(100)).toContain(accountId);
    await store.advance(accountId);
    expect(await dueAtOf(accountId)).toBeInstanceOf(Date);
    expect(await store.dueAccounts(100)).not.toContain(accountId);
  });

  it('lists an account whose write was never copied (the process died after writing it), and an advance records its entries and events', async () => {
    const crashing = await openStore(database.connection, clock, {
      afterAccountWrite: () => {
        throw new Error('the process dies here');
      },
    });
    const accountId = `acct-${randomUUID()}`;
    expect((await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'daily' })).ok).toBe(true);
    await expect(crashing.execute(accountId, { type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' })).rejects.toThrow('dies');
    const events = database.connection.collection('webhook_events');
    expect(await events.countDocuments({ accountId, type: 'credits.granted' })).toBe(0);
    // A copy takes milliseconds: only entries left a minute are the sweep's.
    expect(await store.dueAccounts(100)).not.toContain(accountId);
    clock.set(new Date(clock.now().getTime() + 61_000));
    expect(await store.dueAccounts(100)).toContain(accountId);
    await store.advance(accountId);
    expect(await events.countDocuments({ accountId, type: 'credits.granted' })).toBe(1);
    expect((await store.entriesAfter(accountId, 0, 100)).map((entry) => entry.kind)).toContain('GRANT');
  });

  it('takes out entries that were copied but whose pull failed when the sweep advances the account, which then leaves the list', async () => {
    const accountId = `acct-${randomUUID()}`;
    expect((await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'daily' })).ok).toBe(true);
    await store.settled();
    // The database falters for the pull only (the copy went through).
    const accounts = store.models.Accounts as unknown as { bulkWrite: (...args: unknown[]) => Promise<unknown> };
    const bulkWrite = accounts.bulkWrite;
    accounts.bulkWrite = () => Promise.reject(new Error('the pull failed'));
    try {
      await store.execute(accountId, { type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' });
      await store.settled();
    } finally {
      accounts.bulkWrite = bulkWrite;
    }
    clock.set(new Date(clock.now().getTime() + 61_000));
    expect(await store.dueAccounts(100)).toContain(accountId);
    await store.advance(accountId);
    const document = await database.connection.collection('accounts').findOne({ _id: accountId as never });
    expect(document?.pendingEntries).toEqual([]);
    expect(await store.dueAccounts(100)).not.toContain(accountId);
  });
});
