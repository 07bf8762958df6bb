import { describe, expect, it } from 'vitest';
import { startDueSweeper } from './due-sweeper.js';

describe('the due sweep', () => {
  it('advances each account listed once a look, and leaves one whose advance failed alone for a while', async () => {
    const advanced: string[] = [];
    const errors: unknown[] = [];
    let lookCount = 0;
    const busyCount = () => advanced.filter((accountId) => accountId === 'busy').length;
    const sweeper = startDueSweeper({
      // An account a write keeps due (it is listed again at once) and one whose advance always fails.
      store: {
        dueAccounts: async (_limit, excluding) => ['busy', 'broken'].filter((accountId) => !excluding?.includes(accountId)),
        advance: async (accountId) => {
          advanced.push(accountId);
          if (accountId === 'broken') throw new Error('broken account');
        },
      },
      wanted: async () => (lookCount += 1) > 0,
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    while (busyCount() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await sweeper.stop();
    // Once a look, however often it is listed again; the broken one once, its retry a minute away.
    expect(busyCount()).toBeLessThanOrEqual(lookCount);
    expect(advanced.filter((accountId) => accountId === 'broken')).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('lists nothing while nothing wants it (no endpoint enabled)', async () => {
    const listed: number[] = [];
    let asked = 0;
    const sweeper = startDueSweeper({
      store: { dueAccounts: async (limit) => (listed.push(limit), []), advance: async () => undefined },
      wanted: async () => (asked += 1) < 0,
      intervalMs: 10,
      onError: () => undefined,
    });
    while (asked < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await sweeper.stop();
    expect(listed).toEqual([]);
  });

  it('goes past accounts whose advance failed to the next due ones, however many failed', async () => {
    const failing = Array.from({ length: 150 }, (_, index) => `broken-${index}`);
    const advanced: string[] = [];
    const sweeper = startDueSweeper({
      // Listed the longest due first: the broken ones keep their due time and stay ahead.
      store: {
        dueAccounts: async (limit, excluding) => [...failing, 'healthy'].filter((accountId) => !excluding?.includes(accountId)).slice(0, limit),
        advance: async (accountId) => {
          if (accountId.startsWith('broken')) throw new Error('broken account');
          advanced.push(accountId);
        },
      },
      wanted: async () => true,
      intervalMs: 10,
      onError: () => undefined,
    });
    while (!advanced.includes('healthy')) await new Promise((resolve) => setTimeout(resolve, 5));
    await sweeper.stop();
    expect(advanced).toContain('healthy');
  });
});
