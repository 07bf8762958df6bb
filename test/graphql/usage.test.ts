import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { errorCodes, execute } from './client.js';
import {
  AccountDocument,
  UsageHistoryDocument,
  UsageSummaryDocument,
  ViewerAccountDocument,
  type UsageFilter,
  type UsageHistoryQueryVariables,
} from './generated/graphql.js';
import { accountGlobalId, ledgerOf, userGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

const OPENED = '2025-03-10T12:00:00.000Z';
const NEXT_MONTH = '2025-04-10T12:00:00.000Z';

describe('usage history and summaries over GraphQL', () => {
  const clock = new TestClock(new Date(OPENED));
  const server = useTestServer({ now: clock.now });
  const ledger = ledgerOf(server);
  const uma = accountGlobalId('user:uma');
  const studio = accountGlobalId('org:studio');
  const tokens = {
    uma: () => server.token({ sub: 'uma' }),
    admin: () => server.token({ sub: 'ava', org: 'studio', role: 'admin' }),
    max: () => server.token({ sub: 'max', org: 'studio' }),
    mia: () => server.token({ sub: 'mia', org: 'studio' }),
    service: () => server.token({ sub: 'svc:reports', role: 'service' }),
  };

  /**
   * uma, on her own: 6 credits over three days (UTC), then a top-up, which is no usage.
   * The studio pool: max uses 1 credit, mia 3.
   */
  beforeAll(async () => {
    for (const token of [tokens.uma, tokens.admin, tokens.max, tokens.mia]) await execute(server.url, ViewerAccountDocument, { token: await token() });
    const at = async (instant: string, accountId: string, operation: Parameters<typeof ledger.apply>[1]) => {
      clock.set(instant);
      await ledger.apply(accountId, operation);
    };
    await at('2025-03-10T13:00:00Z', 'user:uma', {
      type: 'DEBIT',
      feature: 'image.generate',
      parameters: { count: 2 },
      sessionId: 's1',
      assetId: 'a1',
      metadata: { prompt: 'a cat' },
    });
    await at('2025-03-10T23:30:00Z', 'user:uma', { type: 'DEBIT', feature: 'topic.generate', sessionId: 's1' });
    await at('2025-03-11T09:00:00Z', 'user:uma', { type: 'DEBIT', feature: 'script.generate', sessionId: 's2' });
    await at('2025-03-12T10:00:00Z', 'user:uma', { type: 'DEBIT', feature: 'image.generate' });
    await at('2025-03-12T11:00:00Z', 'user:uma', { type: 'GRANT', meter: 'AI_CREDITS', amount: 100, kind: 'TOP_UP' });
    await at('2025-03-12T12:00:00Z', 'org:studio', { type: 'DEBIT', feature: 'image.generate', memberId: 'max' });
    await at('2025-03-12T12:30:00Z', 'org:studio', { type: 'DEBIT', feature: 'script.generate', memberId: 'mia' });
    await at('2025-03-12T13:00:00Z', 'org:studio', { type: 'DEBIT', feature: 'topic.generate', memberId: 'mia' });
  });

  const history = (token: string, id: string, variables: Omit<UsageHistoryQueryVariables, 'id'> = {}) =>
    execute(server.url, UsageHistoryDocument, { token, variables: { id, ...variables } });

  describe('history', () => {
    it('lists the ledger newest first, each entry with what it did to each meter', async () => {
      const { data, errors } = await history(await tokens.uma(), uma);
      expect(errors).toBeUndefined();
      const entries = data!.account!.usage.edges.map(({ node }) => node);
      expect(entries.map(({ kind, seq }) => [kind, seq])).toEqual([
        ['GRANT', 7],
        ['DEBIT', 6],
        ['DEBIT', 5],
        ['DEBIT', 4],
        ['DEBIT', 3],
        ['RESET', 2],
        ['RESET', 1],
      ]);
      expect(entries[4]).toEqual({
        kind: 'DEBIT',
        seq: 3,
        at: '2025-03-10T13:00:00.000Z',
        feature: 'image.generate',
        member: null,
        sessionId: 's1',
        assetId: 'a1',
        metadata: { prompt: 'a cat' },
        details: { quoteId: null },
        changes: [
          {
            meter: 'AI_CREDITS',
            unlimited: false,
            delta: -2,
            previousAvailable: 50,
            available: 48,
            usedDelta: 2,
            used: 2,
            reservedDelta: 0,
            reserved: 0,
            allowance: 50,
          },
        ],
      });
      expect(data!.account!.usage.edges.map(({ cursor }) => cursor)).toEqual(['7', '6', '5', '4', '3', '2', '1']);
    });

    it('pages with first and after, newest first', async () => {
      const token = await tokens.uma();
      const seqs: number[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page += 1) {
        const response = await history(token, uma, { first: 3, after });
        const { edges, pageInfo } = response.data!.account!.usage;
        seqs.push(...edges.map(({ node }) => node.seq));
        expect(pageInfo.startCursor).toBe(edges[0]!.cursor);
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
      expect(seqs).toEqual([7, 6, 5, 4, 3, 2, 1]);
    });

    it('filters by meter, feature, session and time range, also while paging', async () => {
      const token = await tokens.uma();
      const seqsFor = async (filter: UsageFilter, first?: number, after?: string) => {
        const response = await history(token, uma, { filter, first, after });
        expect(response.errors).toBeUndefined();
        return response.data!.account!.usage.edges.map(({ node }) => node.seq);
      };
      expect(await seqsFor({ meter: 'VIDEO_GENERATIONS' })).toEqual([2]);
      expect(await seqsFor({ feature: 'image.generate' })).toEqual([6, 3]);
      expect(await seqsFor({ sessionId: 's1' })).toEqual([4, 3]);
      expect(await seqsFor({ since: '2025-03-10T23:30:00Z', until: '2025-03-12T10:00:00Z' })).toEqual([5, 4]);
      expect(await seqsFor({ meter: 'AI_CREDITS', feature: 'image.generate', since: '2025-03-11T00:00:00Z' })).toEqual([6]);
      expect(await seqsFor({ meter: 'AI_CREDITS' }, 2, '5')).toEqual([4, 3]);
    });

    it('refuses arguments it cannot use, naming the argument only', async () => {
      const token = await tokens.uma();
      const cases: [Omit<UsageHistoryQueryVariables, 'id'>, string, string][] = [
        [{ after: 'abc' }, 'after', 'must be a cursor from this connection'],
        [{ first: 0 }, 'first', 'must be 1 to 100, got 0'],
        [{ first: 101 }, 'first', 'must be 1 to 100, got 101'],
        [{ filter: { since: '2025-03-12T00:00:00Z', until: '2025-03-11T00:00:00Z' } }, 'filter.until', 'must be after `since`'],
        [{ filter: { member: accountGlobalId('user:uma') } }, 'filter.member', 'must be an ID of type User'],
      ];
      for (const [variables, field, problem] of cases) {
        const response = await history(token, uma, variables);
        expect(response.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message])).toEqual([['BAD_USER_INPUT', field, `${field}: ${problem}`]]);
      }
    });

    it("shows an organization's admin every entry of the pool, attributed to its members, and filters by member", async () => {
      const token = await tokens.admin();
      const all = await history(token, studio, { filter: { feature: null } });
      const debits = all.data!.account!.usage.edges.map(({ node }) => node).filter((entry) => entry.kind === 'DEBIT');
      expect(debits.map((entry) => [entry.feature, entry.member?.externalId])).toEqual([
        ['topic.generate', 'mia'],
        ['script.generate', 'mia'],
        ['image.generate', 'max'],
      ]);
      expect(debits[0]!.member!.id).toBe(userGlobalId('mia'));
      const mia = await history(token, studio, { filter: { member: userGlobalId('mia') } });
      expect(mia.data!.account!.usage.edges.map(({ node }) => node.feature)).toEqual(['topic.generate', 'script.generate']);
    });

    it("shows a plain member of the pool its own entries only, and refuses another member's", async () => {
      const token = await tokens.max();
      const own = await history(token, studio);
      expect(own.data!.account!.usage.edges.map(({ node }) => [node.feature, node.member?.externalId])).toEqual([['image.generate', 'max']]);
      const named = await history(token, studio, { filter: { member: userGlobalId('max') } });
      expect(named.data).toEqual(own.data);
      const other = await history(token, studio, { filter: { member: userGlobalId('mia') } });
      expect(other.data).toEqual({ account: null });
      expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    });
  });

  describe('summaries', () => {
    const summary = async (token: string, id: string, variables: { groupBy: 'DAY' | 'FEATURE' | 'MEMBER'; since?: string; until?: string; first?: number }) => {
      const response = await execute(server.url, UsageSummaryDocument, { token, variables: { id, ...variables } });
      expect(response.errors).toBeUndefined();
      return response.data!.account!.usageSummary;
    };
    const rowsOf = (result: Awaited<ReturnType<typeof summary>>) =>
      result.rows.edges.map(({ node }) => [node.key, node.meter, node.used, node.member?.externalId ?? null]);

    it("adds up each meter's current period by default", async () => {
      const result = await summary(await tokens.uma(), uma, { groupBy: 'FEATURE' });
      expect(result.groupBy).toBe('FEATURE');
      expect(result.ranges).toEqual([
        { meter: 'AI_CREDITS', since: OPENED, until: NEXT_MONTH },
        { meter: 'VIDEO_GENERATIONS', since: OPENED, until: NEXT_MONTH },
      ]);
      expect(rowsOf(result)).toEqual([
        ['image.generate', 'AI_CREDITS', 3, null],
        ['script.generate', 'AI_CREDITS', 2, null],
        ['topic.generate', 'AI_CREDITS', 1, null],
      ]);
      // What the period's summary adds up is what the balance says was used.
      const account = await execute(server.url, AccountDocument, { token: await tokens.uma(), variables: { id: uma } });
      expect(account.data!.account!.balances[0]).toMatchObject({ meter: 'AI_CREDITS', used: 6 });
    });

    it("groups by the account's calendar days, within the range asked for", async () => {
      const token = await tokens.uma();
      expect(rowsOf(await summary(token, uma, { groupBy: 'DAY' }))).toEqual([
        ['2025-03-10', 'AI_CREDITS', 3, null],
        ['2025-03-11', 'AI_CREDITS', 2, null],
        ['2025-03-12', 'AI_CREDITS', 1, null],
      ]);
      const range = await summary(token, uma, { groupBy: 'DAY', since: '2025-03-11T00:00:00Z', until: '2025-03-12T00:00:00Z' });
      expect(range.ranges).toEqual([
        { meter: 'AI_CREDITS', since: '2025-03-11T00:00:00.000Z', until: '2025-03-12T00:00:00.000Z' },
        { meter: 'VIDEO_GENERATIONS', since: '2025-03-11T00:00:00.000Z', until: '2025-03-12T00:00:00.000Z' },
      ]);
      expect(rowsOf(range)).toEqual([['2025-03-11', 'AI_CREDITS', 2, null]]);
    });

    it("counts days in the account's own time zone", async () => {
      clock.set('2025-03-12T14:00:00Z');
      await ledger.store.openAccount({ accountId: 'user:nyc', accountType: 'USER', planId: 'rheos.free', timeZone: 'America/New_York' });
      await ledger.apply('user:nyc', { type: 'DEBIT', feature: 'topic.generate' });
      clock.set('2025-03-13T02:00:00Z');
      await ledger.apply('user:nyc', { type: 'DEBIT', feature: 'script.generate' });
      clock.set('2025-03-13T05:00:00Z');
      await ledger.apply('user:nyc', { type: 'DEBIT', feature: 'topic.generate' });
      // 02:00 UTC is 22:00 the day before in New York (UTC-4 in March after the change).
      const result = await summary(await tokens.service(), accountGlobalId('user:nyc'), { groupBy: 'DAY' });
      expect(rowsOf(result)).toEqual([
        ['2025-03-12', 'AI_CREDITS', 3, null],
        ['2025-03-13', 'AI_CREDITS', 1, null],
      ]);
    });

    it("groups a pool's usage by member for its admins and services", async () => {
      const expected = [
        ['max', 'AI_CREDITS', 1, 'max'],
        ['mia', 'AI_CREDITS', 3, 'mia'],
      ];
      expect(rowsOf(await summary(await tokens.admin(), studio, { groupBy: 'MEMBER' }))).toEqual(expected);
      expect(rowsOf(await summary(await tokens.service(), studio, { groupBy: 'MEMBER' }))).toEqual(expected);
    });

    it('gives a plain member of a pool its own usage only, as its history lists only its own entries', async () => {
      const token = await tokens.max();
      expect(rowsOf(await summary(token, studio, { groupBy: 'FEATURE' }))).toEqual([['image.generate', 'AI_CREDITS', 1, null]]);
      expect(rowsOf(await summary(await tokens.mia(), studio, { groupBy: 'FEATURE' }))).toEqual([
        ['script.generate', 'AI_CREDITS', 2, null],
        ['topic.generate', 'AI_CREDITS', 1, null],
      ]);
      expect(rowsOf(await summary(await tokens.admin(), studio, { groupBy: 'FEATURE' }))).toHaveLength(3);
      const byMember = await execute(server.url, UsageSummaryDocument, { token, variables: { id: studio, groupBy: 'MEMBER' } });
      expect(byMember.data).toEqual({ account: null });
      expect(errorCodes(byMember)).toEqual(['FORBIDDEN']);
    });

    it('pages through the rows', async () => {
      const token = await tokens.uma();
      const first = await summary(token, uma, { groupBy: 'DAY', first: 2 });
      expect(rowsOf(first).map(([key]) => key)).toEqual(['2025-03-10', '2025-03-11']);
      expect(first.rows.pageInfo.hasNextPage).toBe(true);
      const rest = await execute(server.url, UsageSummaryDocument, {
        token,
        variables: { id: uma, groupBy: 'DAY', after: first.rows.pageInfo.endCursor },
      });
      expect(rest.data!.account!.usageSummary.rows.edges.map(({ node }) => node.key)).toEqual(['2025-03-12']);
    });

    it('refuses a range that ends before it starts', async () => {
      const response = await execute(server.url, UsageSummaryDocument, {
        token: await tokens.uma(),
        variables: { id: uma, groupBy: 'DAY', since: '2025-03-12T00:00:00Z', until: '2025-03-12T00:00:00Z' },
      });
      expect(response.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message])).toEqual([['BAD_USER_INPUT', 'until', 'until: must be after `since`']]);
    });
  });
});
