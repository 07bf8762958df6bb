import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createDirectory, organizationAccountId, userAccountId, type Directory } from '../../src/store/directory.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

let database: Database;
let store: LedgerStore;
let directory: Directory;

beforeAll(async () => {
  database = await openTestDatabase('directory');
  store = await openStore(database.connection, new TestClock(new Date('2026-03-10T12:00:00Z')));
  directory = await createDirectory({ connection: database.connection, store, defaultPlanId: 'hundred' });
});

afterAll(async () => {
  await database?.close();
});

describe('provisioning', () => {
  it('opens a new user account on the default plan', async () => {
    const userId = `u-${randomUUID()}`;
    await directory.provision({ userId, organizationId: null, role: 'member' });
    const [account] = await store.loadAccounts([userAccountId(userId)]);
    expect(account).toMatchObject({ accountType: 'USER', planId: 'hundred' });
  });

  it('opens an unknown organization with the user as a member, once, however many requests race', async () => {
    const organizationId = `o-${randomUUID()}`;
    const requests = ['ada', 'bob', 'ada', 'bob', 'cy'].map((userId) =>
      directory.provision({ userId: `${organizationId}-${userId}`, organizationId, role: userId === 'ada' ? 'admin' : 'member' }),
    );
    await Promise.all(requests);
    const [pool] = await store.loadAccounts([organizationAccountId(organizationId)]);
    expect(pool).toMatchObject({ accountType: 'ORGANIZATION', lastSeq: 2 });
    const [members] = await directory.membersOf([organizationId]);
    expect(members!.map((member) => [member.userId.slice(organizationId.length + 1), member.role])).toEqual([
      ['ada', 'admin'],
      ['bob', 'member'],
      ['cy', 'member'],
    ]);
  });

  it('follows the role the latest token carries', async () => {
    const organizationId = `o-${randomUUID()}`;
    await directory.provision({ userId: 'dee', organizationId, role: 'member' });
    await directory.provision({ userId: 'dee', organizationId, role: 'admin' });
    expect(await directory.membership(organizationId, 'dee')).toMatchObject({ role: 'admin' });
    expect(await directory.membership(organizationId, 'nobody')).toBeNull();
  });

  it('lists members of several organizations in one call', async () => {
    const [first, second] = [`o-${randomUUID()}`, `o-${randomUUID()}`];
    await directory.provision({ userId: 'x', organizationId: first, role: 'member' });
    await directory.provision({ userId: 'y', organizationId: second, role: 'member' });
    const lists = await directory.membersOf([second, first, 'o-none']);
    expect(lists.map((list) => list.map((member) => member.userId))).toEqual([['y'], ['x'], []]);
  });
});
