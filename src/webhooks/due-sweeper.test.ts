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
        dueAccounts: async () => ['busy', 'broken'],
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
});
