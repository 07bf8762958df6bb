import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { AccountsTogetherDocument, DashboardDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

/**
 * The database work of a request does not grow with what it lists: accounts, memberships and
 * summaries are loaded in batches per request (DataLoaders on the request context), so an
 * organization's dashboard costs the same round trips for 3 members as for 50.
 */
describe('database round trips per request', () => {
  const server = useTestServer();
  const ledger = ledgerOf(server);

  /** An organization with an admin and `size` members who each used 1 credit; answers the admin's token. */
  async function organization(name: string, size: number): Promise<string> {
    const admin = await server.token({ sub: `${name}-admin`, org: name, role: 'admin' });
    await execute(server.url, ViewerAccountDocument, { token: admin });
    const members = Array.from({ length: size }, (_, index) => `${name}-${String(index).padStart(2, '0')}`);
    await Promise.all(
      members.map(async (sub) => {
        await execute(server.url, ViewerAccountDocument, { token: await server.token({ sub, org: name }) });
        await ledger.apply(`org:${name}`, { type: 'DEBIT', feature: 'topic.generate', memberId: sub });
      }),
    );
    return admin;
  }

  /**
   * The collection and method of every operation the app's connection sends while `run` runs
   * (mongoose announces each one on its connection), sorted.
   */
  async function operationsDuring<T>(run: () => Promise<T>): Promise<{ result: T; operations: string[] }> {
    const operations: string[] = [];
    // The webhook delivery worker's look at its outbox (every WEBHOOK_POLL_MS) is its own, not the request's.
    const record = (operation: { collectionName: string; method: string }) => {
      if (!operation.collectionName.startsWith('webhook_')) operations.push(`${operation.collectionName}.${operation.method}`);
    };
    const { connection } = server.app.database;
    // What earlier writes still do in the background (taking copied entries out of accounts) is theirs.
    await server.app.store.settled();
    connection.on('operation-start', record);
    try {
      const result = await run();
      return { result, operations: operations.sort() };
    } finally {
      connection.off('operation-start', record);
    }
  }

  it("loads an organization's dashboard in three round trips, for 3 members as for 50", async () => {
    const small = await organization('small', 3);
    const large = await organization('large', 50);

    const dashboards = [];
    for (const token of [small, large]) dashboards.push(await operationsDuring(() => execute(server.url, DashboardDocument, { token })));
    const [forSmall, forLarge] = dashboards;

    // The pool (balances and per-member usage come from its one document), the usage summary, the memberships.
    const expected = ['accounts.find', 'ledger_entries.aggregate', 'memberships.find'];
    expect(forSmall!.operations).toEqual(expected);
    expect(forLarge!.operations).toEqual(expected);

    const account = forLarge!.result.data!.viewer!.account!;
    expect(forLarge!.result.errors).toBeUndefined();
    expect(account.members!.edges).toHaveLength(51);
    expect(account.members!.edges.filter(({ node }) => node.usage[0]!.used === 1)).toHaveLength(50);
    expect(account.usageSummary.rows.edges).toHaveLength(50);
    expect(account.balances[0]).toMatchObject({ meter: 'AI_CREDITS', available: 0, used: 50 });
  });

  it('loads the accounts and memberships a request names, however often and however named, once each', async () => {
    const token = await server.token({ sub: 'svc:dashboards', role: 'service' });
    const { result, operations } = await operationsDuring(() =>
      execute(server.url, AccountsTogetherDocument, {
        token,
        variables: { user: accountGlobalId('user:small-00'), pool: accountGlobalId('org:small'), other: accountGlobalId('org:large') },
      }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({
      user: { id: accountGlobalId('user:small-00') },
      pool: { id: accountGlobalId('org:small') },
      other: { kind: 'ORGANIZATION', members: { edges: [{ node: { user: { externalId: 'large-00' } } }] } },
      again: { kind: 'USER' },
      poolMembers: { members: { edges: [{ node: { user: { externalId: 'small-00' } } }] } },
    });
    expect(operations).toEqual(['accounts.find', 'memberships.find']);
  });
});
