import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory, type Directory } from '../../src/store/directory.js';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

let database: Database;
let directory: Directory;

beforeAll(async () => {
  database = await openTestDatabase('membership-ids');
  const store = await openStore(database.connection, new TestClock(new Date('2026-03-10T12:00:00Z')));
  directory = await createDirectory({ connection: database.connection, store, defaultPlanId: 'hundred' });
});

afterAll(async () => {
  await database?.close();
});

const memberships = () => database.connection.collection<{ _id: string; organizationId: string; userId: string; role: string; joinedAt: Date }>('memberships');

describe('membership ids', () => {
  it.each([
    ['a slash', '/'],
    ['a colon', ':'],
    ['a quote and a comma', '","'],
  ])('tell apart an organization and a user whose ids differ only in where %s falls', async (_case, separator) => {
    const x = `o-${randomUUID()}`;
    const [first, second] = [
      { organizationId: x, userId: `y${separator}z` },
      { organizationId: `${x}${separator}y`, userId: 'z' },
    ];
    await directory.provision({ ...first, role: 'admin' });
    await directory.provision({ ...second, role: 'member' });

    expect(await directory.membership(first.organizationId, first.userId)).toMatchObject({ ...first, role: 'admin' });
    expect(await directory.membership(second.organizationId, second.userId)).toMatchObject({ ...second, role: 'member' });
    const lists = await directory.membersOf([first.organizationId, second.organizationId]);
    expect(lists.map((list) => list.map(({ userId, role }) => [userId, role]))).toEqual([[[first.userId, 'admin']], [[second.userId, 'member']]]);
    expect(await memberships().countDocuments({ organizationId: { $in: [first.organizationId, second.organizationId] } })).toBe(2);
  });

  it('finds and updates a membership stored under the old `<organization>/<user>` id, without a second record', async () => {
    const organizationId = `o-${randomUUID()}`;
    const joinedAt = new Date('2025-01-01T00:00:00Z');
    await memberships().insertOne({ _id: `${organizationId}/old-timer`, organizationId, userId: 'old-timer', role: 'member', joinedAt });

    await directory.provision({ organizationId, userId: 'old-timer', role: 'admin' });
    expect(await directory.membership(organizationId, 'old-timer')).toEqual({ organizationId, userId: 'old-timer', role: 'admin', joinedAt });
    expect(await memberships().countDocuments({ organizationId })).toBe(1);
  });

  it('records one membership however many first requests of the same member race', async () => {
    const organizationId = `o-${randomUUID()}`;
    await Promise.all(['member', 'admin', 'member', 'admin'].map((role) => directory.provision({ organizationId, userId: 'racer', role: role as 'member' | 'admin' })));
    expect(await memberships().countDocuments({ organizationId })).toBe(1);
    expect(await directory.membership(organizationId, 'racer')).toMatchObject({ organizationId, userId: 'racer' });
  });
});
