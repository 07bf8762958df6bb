import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { errorCodes, execute } from './client.js';
import {
  GenerateInSessionDocument,
  SessionByIdDocument,
  SessionNodeDocument,
  SessionsDocument,
  UsageHistoryDocument,
  UsageSummaryDocument,
  ViewerDocument,
  type GenerateInput,
  type SessionsQueryVariables,
} from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, resultOf } from './write-fixture.js';

const START = new Date('2026-03-10T12:00:00.000Z');
const minutes = (count: number) => new Date(START.getTime() + count * 60_000);

describe('per-session costs', () => {
  const clock = new TestClock(START);
  const server = useTestServer({ now: clock.now });
  const ledger = ledgerOf(server);
  const sol = accountGlobalId('user:sol');
  const lab = accountGlobalId('org:lab');
  const tokens = {
    sol: () => server.token({ sub: 'sol' }),
    other: () => server.token({ sub: 'otto' }),
    admin: () => server.token({ sub: 'ada', org: 'lab', role: 'admin' }),
    max: () => server.token({ sub: 'max', org: 'lab' }),
    mia: () => server.token({ sub: 'mia', org: 'lab' }),
  };
  const generate = async (token: string, input: GenerateInput) => as(await resultOf(server.url, GenerateInSessionDocument, token, { input }), 'GenerationSuccess');
  const sessions = async (token: string, id: string, variables: Omit<SessionsQueryVariables, 'id'> = {}) => {
    const response = await execute(server.url, SessionsDocument, { token, variables: { id, ...variables } });
    expect(response.errors).toBeUndefined();
    return response.data!.account!.sessions;
  };
  const cover = { feature: 'image.generate', sessionId: 'trailer', step: 'cover', input: { prompt: 'a red fox' }, parameters: { resolution: 'HD' } };

  beforeAll(async () => {
    for (const token of [tokens.sol, tokens.admin, tokens.max, tokens.mia]) await execute(server.url, ViewerDocument, { token: await token() });
  });

  it("answers a generation's session with its whole total so far; regenerating an unchanged step adds a generation but no cost", async () => {
    const token = await tokens.sol();
    const first = await generate(token, { ...cover, idempotencyKey: 'cover-1' });
    expect(first.charged).toEqual([{ meter: 'AI_CREDITS', amount: 2 }]);
    expect(first.session).toMatchObject({ sessionId: 'trailer', charged: [{ meter: 'AI_CREDITS', amount: 2 }], generations: 1, startedAt: START.toISOString() });
    clock.set(minutes(1));
    const again = await generate(token, { ...cover, idempotencyKey: 'cover-2' });
    expect(again).toMatchObject({ reused: true, charged: [] });
    expect(again.session).toMatchObject({ charged: [{ meter: 'AI_CREDITS', amount: 2 }], generations: 2, lastActivityAt: minutes(1).toISOString() });
    clock.set(minutes(2));
    const title = await generate(token, { feature: 'topic.generate', sessionId: 'trailer', step: 'title', input: { topic: 'foxes' }, idempotencyKey: 'title-1' });
    expect(title.session).toMatchObject({ charged: [{ meter: 'AI_CREDITS', amount: 3 }], generations: 3 });
    clock.set(minutes(3));
    // Metered outside `generate`: still the session's cost, though no generation.
    await ledger.apply('user:sol', { type: 'DEBIT', feature: 'script.generate', sessionId: 'teaser' });
    clock.set(minutes(4));
    await generate(token, { feature: 'image.generate', sessionId: 'poster', input: { prompt: 'a poster' }, idempotencyKey: 'poster-1' });
  });

  it("lists the latest sessions first, each total the exact sum of the usage its entries recorded", async () => {
    const token = await tokens.sol();
    const page = await sessions(token, sol);
    const listed = page.edges.map(({ node }) => [node.sessionId, node.charged, node.generations]);
    expect(listed).toEqual([
      ['poster', [{ meter: 'AI_CREDITS', amount: 1 }], 1],
      ['teaser', [{ meter: 'AI_CREDITS', amount: 2 }], 0],
      ['trailer', [{ meter: 'AI_CREDITS', amount: 3 }], 3],
    ]);
    for (const { node } of page.edges) {
      const history = await execute(server.url, UsageHistoryDocument, { token, variables: { id: sol, first: 100, filter: { sessionId: node.sessionId } } });
      const used = history.data!.account!.usage.edges.flatMap(({ node: entry }) => (['DEBIT', 'COMMIT'].includes(entry.kind) ? entry.changes.map((change) => change.usedDelta) : []));
      expect(used.reduce((sum, delta) => sum + delta, 0), node.sessionId).toBe(node.charged[0]!.amount);
    }
    const summary = await execute(server.url, UsageSummaryDocument, { token, variables: { id: sol, groupBy: 'SESSION' } });
    expect(summary.data!.account!.usageSummary.rows.edges.map(({ node }) => [node.key, node.meter, node.used])).toEqual([
      ['poster', 'AI_CREDITS', 1],
      ['teaser', 'AI_CREDITS', 2],
      ['trailer', 'AI_CREDITS', 3],
    ]);
  });

  it('pages forward, and keeps to the range asked for (at most 366 days)', async () => {
    const token = await tokens.sol();
    const first = await sessions(token, sol, { first: 2 });
    expect(first.edges.map(({ node }) => node.sessionId)).toEqual(['poster', 'teaser']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await sessions(token, sol, { first: 2, after: first.pageInfo.endCursor });
    expect(rest.edges.map(({ node }) => node.sessionId)).toEqual(['trailer']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    // Active in the range, and still answered whole.
    const early = await sessions(token, sol, { since: START.toISOString(), until: minutes(1).toISOString() });
    expect(early.edges.map(({ node }) => [node.sessionId, node.charged])).toEqual([['trailer', [{ meter: 'AI_CREDITS', amount: 3 }]]]);
    const cases: [Omit<SessionsQueryVariables, 'id'>, string][] = [
      [{ since: '2025-01-01T00:00:00Z', until: '2026-03-01T00:00:00Z' }, 'since'],
      [{ first: 0 }, 'first'],
      [{ after: 'nonsense' }, 'after'],
    ];
    for (const [variables, field] of cases) {
      const response = await execute(server.url, SessionsDocument, { token, variables: { id: sol, ...variables } });
      expect(response.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', field]]);
    }
  });

  it('reads one session by its id, or by its global id, with the rights of its account', async () => {
    const token = await tokens.sol();
    const one = await execute(server.url, SessionByIdDocument, { token, variables: { id: sol, sessionId: 'trailer' } });
    expect(one.data!.account!.session).toMatchObject({ sessionId: 'trailer', generations: 3 });
    const none = await execute(server.url, SessionByIdDocument, { token, variables: { id: sol, sessionId: 'never' } });
    expect(none.data!.account!.session).toBeNull();
    const node = await execute(server.url, SessionNodeDocument, { token, variables: { id: one.data!.account!.session!.id } });
    expect(node.data?.node).toEqual({ __typename: 'GenerationSession', ...one.data!.account!.session });
    const foreign = await execute(server.url, SessionNodeDocument, { token: await tokens.other(), variables: { id: one.data!.account!.session!.id } });
    expect(errorCodes(foreign)).toEqual(['FORBIDDEN']);
  });

  it("gives a plain member of a pool its own part of a session only; its admins the whole", async () => {
    clock.set(minutes(10));
    await generate(await tokens.max(), { feature: 'image.generate', sessionId: 'shared', input: { prompt: 'max' }, idempotencyKey: 'max-1' });
    await generate(await tokens.mia(), { feature: 'topic.generate', sessionId: 'shared', input: { topic: 'mia' }, idempotencyKey: 'mia-1' });
    clock.set(minutes(11));
    await generate(await tokens.mia(), { feature: 'topic.generate', sessionId: 'mias', input: { topic: 'alone' }, idempotencyKey: 'mia-2' });
    const byMax = await sessions(await tokens.max(), lab);
    expect(byMax.edges.map(({ node }) => [node.sessionId, node.charged, node.generations])).toEqual([['shared', [{ meter: 'AI_CREDITS', amount: 1 }], 1]]);
    const byAdmin = await sessions(await tokens.admin(), lab);
    expect(byAdmin.edges.map(({ node }) => [node.sessionId, node.charged, node.generations])).toEqual([
      ['mias', [{ meter: 'AI_CREDITS', amount: 1 }], 1],
      ['shared', [{ meter: 'AI_CREDITS', amount: 2 }], 2],
    ]);
    const miasByMax = await execute(server.url, SessionByIdDocument, { token: await tokens.max(), variables: { id: lab, sessionId: 'mias' } });
    expect(miasByMax.data!.account!.session).toBeNull();
  });
});
