import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { CacheKeysDocument, SpendWithPartialBalancesDocument, type CacheKeysQuery } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

/** Every `id` in an answer, in the order it appears. */
function idsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(idsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (key === 'id' && typeof item === 'string' ? [item] : idsIn(item)));
}

describe('ids a client cache keys objects by', () => {
  const server = useTestServer();

  it('are distinct across a pool, its members, entries and grants and the catalog, and the same on every read', async () => {
    const admin = await server.token({ sub: 'cache-admin', org: 'cache-org', role: 'admin' });
    const member = await server.token({ sub: 'cache-member', org: 'cache-org' });
    const pool = accountGlobalId('org:cache-org');
    for (const [token, key] of [[admin, 'cache-1'], [member, 'cache-2']] as const) {
      const spent = await execute(server.url, SpendWithPartialBalancesDocument, { token, variables: { input: { accountId: pool, meter: 'AI_CREDITS', amount: 1, idempotencyKey: key } } });
      expect(spent.data?.consumeCredits?.__typename).toBe('ConsumeCreditsSuccess');
    }
    const read = async (): Promise<CacheKeysQuery> => {
      const { data, errors } = await execute(server.url, CacheKeysDocument, { token: admin });
      expect(errors).toBeUndefined();
      return data!;
    };
    const first = await read();
    const ids = idsIn(first);
    expect(new Set(ids).size).toBe(ids.length);
    expect(first.viewer?.account?.members?.edges.flatMap((edge) => edge.node.usage)).toHaveLength(4);
    expect(idsIn(await read())).toEqual(ids);
  });

  it('a write answers its balances under the ids the account shows them by', async () => {
    const token = await server.token({ sub: 'cache-solo' });
    const accountId = accountGlobalId('user:cache-solo');
    const spent = await execute(server.url, SpendWithPartialBalancesDocument, { token, variables: { input: { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'solo-1' } } });
    const written = spent.data?.consumeCredits?.__typename === 'ConsumeCreditsSuccess' ? spent.data.consumeCredits.balances.map((balance) => balance.id) : [];
    const { data } = await execute(server.url, CacheKeysDocument, { token });
    expect(written).toEqual(data?.viewer?.account?.balances.map((balance) => balance.id));
    expect(written).toHaveLength(2);
  });
});
