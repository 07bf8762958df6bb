import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { remembersKey } from '../../src/store/remembered-keys.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

// What lets a retry through a spending limit: whether its key applied.
let database: Database;
let store: LedgerStore;
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));

beforeAll(async () => {
  database = await openTestDatabase('remembers-key');
  store = await openStore(database.connection, clock);
});
afterAll(() => database?.close());

async function newAccount(): Promise<string> {
  const accountId = `acct-${randomUUID()}`;
  const opened = await store.openAccount({ accountId, accountType: 'USER', planId: 'hundred', billingAnchor: new Date('2026-01-31T00:00:00Z') });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  return accountId;
}

const debit = (idempotencyKey: string, amount: number) => ({ type: 'DEBIT' as const, idempotencyKey, amounts: { AI_CREDITS: amount } });

describe('remembersKey (src/store/remembered-keys.ts)', () => {
  it('knows a key that applied, on its account only, and not one that was refused or never sent', async () => {
    const accountId = await newAccount();
    expect(await store.execute(accountId, debit('applied', 1))).toMatchObject({ ok: true });
    expect(await store.execute(accountId, debit('refused', 1_000))).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS' } });
    expect(await remembersKey(store.models, accountId, 'applied')).toBe(true);
    expect(await remembersKey(store.models, accountId, 'refused')).toBe(false);
    expect(await remembersKey(store.models, accountId, 'never')).toBe(false);
    expect(await remembersKey(store.models, await newAccount(), 'applied')).toBe(false);
  });

  it('knows a key whose write applied but whose entries were not copied yet (the writer died in between)', async () => {
    const accountId = await newAccount();
    const crashing = await openStore(database.connection, clock, {
      afterAccountWrite: () => {
        throw new Error('injected crash');
      },
    });
    await expect(crashing.execute(accountId, debit('stranded', 1))).rejects.toThrow('injected crash');
    expect(await store.models.Keys.countDocuments({ accountId })).toBe(0);
    expect(await remembersKey(store.models, accountId, 'stranded')).toBe(true);
  });
});
