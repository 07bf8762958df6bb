import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { GenerateDocument, ViewerDocument } from './generated/graphql.js';
import { useTestServer } from './test-server.js';
import { probeOf } from './write-fixture.js';

describe('200 concurrent generate mutations against one pool', () => {
  const server = useTestServer();
  const probe = probeOf(server);

  it('succeed exactly as often as the pool affords; the rest are refused, and balances and usage agree', async () => {
    // 20 members of one organization on rheos.free: a pool of 50 AI credits; each SD image costs 1.
    const members = Array.from({ length: 20 }, (_, index) => `member-${index}`);
    const tokens = await Promise.all(members.map((sub) => server.token({ sub, org: 'busy' })));
    await Promise.all(tokens.map((token) => execute(server.url, ViewerDocument, { token })));

    const requests = Array.from({ length: 200 }, (_, index) => ({ member: members[index % 20]!, token: tokens[index % 20]!, key: `gen-${index}` }));
    const responses = await Promise.all(
      requests.map(({ token, key }) =>
        execute(server.url, GenerateDocument, { token, variables: { input: { feature: 'image.generate', idempotencyKey: key, input: { prompt: key } } } }),
      ),
    );
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const results = responses.map((response) => response.data!.generate!);
    const succeeded = results.flatMap((result, index) => (result.__typename === 'GenerationSuccess' ? [requests[index]!] : []));
    const refused = results.filter((result) => result.__typename === 'InsufficientCreditsError');
    expect(succeeded).toHaveLength(50);
    expect(refused).toHaveLength(150);

    const balances = await probe.balances('org:busy');
    expect(balances.AI_CREDITS).toMatchObject({ available: 0, used: 50, reserved: 0 });
    // The history: one commit per success, and usage per member as the successes say.
    const commits = await probe.store.models.Entries.countDocuments({ accountId: 'org:busy', kind: 'COMMIT' });
    expect(commits).toBe(50);
    const usage = await probe.store.summarizeUsage('org:busy', { groupBy: 'MEMBER', from: new Date(0), to: new Date(Date.now() + 60_000), timeZone: 'UTC' });
    const expected = new Map<string, number>();
    for (const { member } of succeeded) expected.set(member, (expected.get(member) ?? 0) + 1);
    expect(Object.fromEntries(usage.map((row) => [row.key, row.used]))).toEqual(Object.fromEntries(expected));
    const state = await probe.state('org:busy');
    expect(probe.store.memberUsage(state).reduce((sum, row) => sum + (row.meter === 'AI_CREDITS' ? row.used : 0), 0)).toBe(50);
  });
});
