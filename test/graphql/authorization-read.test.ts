import { beforeAll, describe, expect, it } from 'vitest';
import { FORBIDDEN_MESSAGE } from '../../src/graphql/errors.js';
import { execute, type GraphQLResponse } from './client.js';
import { AccountDocument, AccountNodeDocument, MembersDocument, UsageHistoryDocument, UsageSummaryDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

/**
 * Who may read what, for every way of reading an account: each role against its own account, its
 * organization's pool and someone else's account. An account that may not be read is FORBIDDEN
 * with one message whether it exists or not, and nothing of it shows.
 */
describe('the read side of accounts, by role', () => {
  const server = useTestServer();
  const ledger = ledgerOf(server);
  const callers = {
    member: { sub: 'ned', org: 'north' },
    admin: { sub: 'nadia', org: 'north', role: 'admin' },
    service: { sub: 'svc:ops', role: 'service' },
  } as const;
  const foreignCaller = { sub: 'sam', org: 'south' } as const;

  beforeAll(async () => {
    for (const claims of [callers.member, callers.admin, foreignCaller]) {
      await execute(server.url, ViewerAccountDocument, { token: await server.token(claims) });
    }
    await ledger.apply('org:north', { type: 'DEBIT', feature: 'topic.generate', memberId: 'ned' });
    await ledger.apply('org:north', { type: 'DEBIT', feature: 'script.generate', memberId: 'nadia' });
    await ledger.apply('user:ned', { type: 'DEBIT', feature: 'topic.generate' });
    // Only the foreign accounts ever use this feature: it must never show up in what north reads.
    await ledger.apply('org:south', { type: 'DEBIT', feature: 'brand.analyze', memberId: 'sam', metadata: { secret: 'south-plan' } });
    await ledger.apply('user:sam', { type: 'DEBIT', feature: 'brand.analyze' });
  });

  type Read = (token: string, id: string) => Promise<GraphQLResponse<{ account?: unknown; node?: unknown }>>;
  const reads: Record<string, Read> = {
    account: (token, id) => execute(server.url, AccountDocument, { token, variables: { id } }),
    node: (token, id) => execute(server.url, AccountNodeDocument, { token, variables: { id } }),
    usage: (token, id) => execute(server.url, UsageHistoryDocument, { token, variables: { id } }),
    usageSummary: (token, id) => execute(server.url, UsageSummaryDocument, { token, variables: { id, groupBy: 'FEATURE' } }),
    usageByMember: (token, id) => execute(server.url, UsageSummaryDocument, { token, variables: { id, groupBy: 'MEMBER' } }),
    members: (token, id) => execute(server.url, MembersDocument, { token, variables: { id } }),
  };

  /** READ: the field answers; NONE: it answers null (a user account has no members); FORBIDDEN: refused. */
  type Expected = 'READ' | 'NONE' | 'FORBIDDEN';
  const every = (expected: Expected, except: Record<string, Expected> = {}) => ({
    ...Object.fromEntries(Object.keys(reads).map((read) => [read, expected])),
    ...except,
  });
  const matrix: [keyof typeof callers, string, string, Record<string, Expected>][] = [
    ['member', 'its own account', 'user:ned', every('READ', { members: 'NONE' })],
    ['member', "its organization's pool", 'org:north', every('READ', { usageByMember: 'FORBIDDEN', members: 'FORBIDDEN' })],
    ['member', "another organization's pool", 'org:south', every('FORBIDDEN')],
    ['member', "another user's account", 'user:sam', every('FORBIDDEN')],
    ['admin', 'its own account', 'user:nadia', every('READ', { members: 'NONE' })],
    ['admin', "its organization's pool", 'org:north', every('READ')],
    ['admin', "another organization's pool", 'org:south', every('FORBIDDEN')],
    ['admin', "one of its members' own account", 'user:ned', every('FORBIDDEN')],
    ['service', 'a user account', 'user:ned', every('READ', { members: 'NONE' })],
    ['service', 'a pool', 'org:north', every('READ')],
    ['service', 'another pool', 'org:south', every('READ')],
  ];

  function outcome(response: GraphQLResponse<{ account?: unknown; node?: unknown }>): Expected {
    const data = response.data?.account ?? response.data?.node ?? null;
    if (response.errors === undefined) {
      expect(data).not.toBeNull();
      return (data as { members?: unknown }).members === null ? 'NONE' : 'READ';
    }
    expect(response.errors.map((error) => [error.extensions?.code, error.message])).toEqual([['FORBIDDEN', FORBIDDEN_MESSAGE]]);
    return 'FORBIDDEN';
  }

  for (const [role, target, accountId, expected] of matrix) {
    it(`${role} reading ${target}`, async () => {
      const token = await server.token(callers[role]);
      const seen: Record<string, Expected> = {};
      for (const [read, run] of Object.entries(reads)) seen[read] = outcome(await run(token, accountGlobalId(accountId)));
      expect(seen).toEqual(expected);
    });
  }

  it("answers an existing foreign account and one that does not exist identically, and names neither", async () => {
    for (const role of ['member', 'admin'] as const) {
      const token = await server.token(callers[role]);
      for (const [read, run] of Object.entries(reads)) {
        const foreign = await run(token, accountGlobalId('org:south'));
        const missing = await run(token, accountGlobalId('org:nowhere'));
        expect({ ...missing, headers: undefined }, `${role} ${read}`).toEqual({ ...foreign, headers: undefined });
        expect(JSON.stringify([foreign.data, foreign.errors])).not.toMatch(/south|sam|nowhere/);
      }
    }
  });

  it("never shows another account's entries in a connection or a summary", async () => {
    for (const role of ['member', 'admin'] as const) {
      const token = await server.token(callers[role]);
      for (const id of ['org:north', `user:${callers[role].sub}`]) {
        const history = await execute(server.url, UsageHistoryDocument, { token, variables: { id: accountGlobalId(id), first: 100 } });
        const summary = await execute(server.url, UsageSummaryDocument, { token, variables: { id: accountGlobalId(id), groupBy: 'FEATURE' } });
        expect(history.data!.account!.usage.edges.length).toBeGreaterThan(0);
        expect(JSON.stringify([history.data, summary.data])).not.toMatch(/brand\.analyze|south|sam/);
      }
    }
  });
});
