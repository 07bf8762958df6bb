import { describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { UsageSummaryDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

/**
 * Resets as a client sees them, with the clock moved by the test: ReelBot Free grants 20 AI
 * credits a day (at midnight in the account's time zone, UTC here) and 3 video generations a
 * month (on the billing day). Nothing writes the resets: reading is enough to see them.
 */
describe('daily and monthly resets over GraphQL', () => {
  const clock = new TestClock(new Date('2025-03-10T12:00:00Z'));
  const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.free' }, now: clock.now });
  const ledger = ledgerOf(server);

  const balancesOf = async (token: string) => {
    const { data, errors } = await execute(server.url, ViewerAccountDocument, { token });
    expect(errors).toBeUndefined();
    return data!.viewer!.account!.balances.map(({ meter, allowance, available, used, periodStart, resetsAt }) => ({
      meter,
      allowance,
      available,
      used,
      periodStart,
      resetsAt,
    }));
  };
  const usedThisPeriod = async (token: string) => {
    const { data } = await execute(server.url, UsageSummaryDocument, { token, variables: { id: accountGlobalId('user:rita'), groupBy: 'FEATURE' } });
    return data!.account!.usageSummary.rows.edges.map(({ node }) => [node.key, node.meter, node.used]);
  };

  it('renews the daily allowance at midnight and the monthly one on the billing day, each on its own', async () => {
    const token = await server.token({ sub: 'rita' });
    await balancesOf(token);
    // An SD render: 2 AI credits and 1 video generation; then 4 images.
    await ledger.apply('user:rita', { type: 'DEBIT', feature: 'video.render' });
    await ledger.apply('user:rita', { type: 'DEBIT', feature: 'image.generate', parameters: { count: 4 } });
    expect(await balancesOf(token)).toEqual([
      // The first day runs from the opening to midnight.
      { meter: 'AI_CREDITS', allowance: 20, available: 14, used: 6, periodStart: '2025-03-10T12:00:00.000Z', resetsAt: '2025-03-11T00:00:00.000Z' },
      { meter: 'VIDEO_GENERATIONS', allowance: 3, available: 2, used: 1, periodStart: '2025-03-10T12:00:00.000Z', resetsAt: '2025-04-10T12:00:00.000Z' },
    ]);

    // At midnight exactly, the new day has begun.
    clock.set('2025-03-11T00:00:00Z');
    expect(await balancesOf(token)).toEqual([
      { meter: 'AI_CREDITS', allowance: 20, available: 20, used: 0, periodStart: '2025-03-11T00:00:00.000Z', resetsAt: '2025-03-12T00:00:00.000Z' },
      { meter: 'VIDEO_GENERATIONS', allowance: 3, available: 2, used: 1, periodStart: '2025-03-10T12:00:00.000Z', resetsAt: '2025-04-10T12:00:00.000Z' },
    ]);
    // The summary's default is each meter's current period: yesterday's AI credits are gone from it, the render is not.
    expect(await usedThisPeriod(token)).toEqual([['video.render', 'VIDEO_GENERATIONS', 1]]);

    clock.set('2025-04-10T12:00:00Z');
    expect(await balancesOf(token)).toEqual([
      { meter: 'AI_CREDITS', allowance: 20, available: 20, used: 0, periodStart: '2025-04-10T00:00:00.000Z', resetsAt: '2025-04-11T00:00:00.000Z' },
      { meter: 'VIDEO_GENERATIONS', allowance: 3, available: 3, used: 0, periodStart: '2025-04-10T12:00:00.000Z', resetsAt: '2025-05-10T12:00:00.000Z' },
    ]);
    expect(await usedThisPeriod(token)).toEqual([]);
  });
});
