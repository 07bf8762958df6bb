import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, type TokenClaims } from '../../src/auth/index.js';
import { remembersKey } from '../../src/store/remembered-keys.js';
import { REDIS_URL, withoutRedis } from '../realtime/redis-probe.js';
import { RedisRelay } from '../support/redis-relay.js';
import { useTwoServerProcesses } from '../support/server-processes.js';
import { execute } from './client.js';
import { ConsumeCreditsDocument, GenerateDocument, ReserveCreditsDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, probeOf, resultOf } from './write-fixture.js';

/** A member on its own account (`user:<sub>`, rheos.free: 50 AI credits), with a subject no other test or run uses. */
async function member(url: string, sign: (claims: TokenClaims) => Promise<string>, claims: Partial<TokenClaims> = {}) {
  const sub = `u-${randomUUID()}`;
  const token = await sign({ sub, ...claims });
  expect((await execute(url, ViewerDocument, { token })).errors).toBeUndefined();
  const accountId = claims.org === undefined ? `user:${sub}` : `org:${claims.org}`;
  return { token, accountId, gid: accountGlobalId(accountId) };
}

const consume = (url: string, token: string, accountId: string, idempotencyKey: string) =>
  resultOf(url, ConsumeCreditsDocument, token, { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount: 1, idempotencyKey } });
const reserve = (url: string, token: string, accountId: string, idempotencyKey: string) =>
  resultOf(url, ReserveCreditsDocument, token, { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount: 1, idempotencyKey } });
const generate = (url: string, token: string, idempotencyKey: string) =>
  resultOf(url, GenerateDocument, token, { input: { feature: 'topic.generate', idempotencyKey, input: { topic: 'foxes' } } });

function expectRateLimited(result: { __typename?: string } | null | undefined) {
  const refused = as(result as Parameters<typeof as>[0], 'RateLimitedError') as { code: string; message: string; retryAfterSeconds: number };
  expect(refused.code).toBe('RATE_LIMITED');
  expect(refused.message).toMatch(/^Too many spending requests this minute: nothing was changed\. Retry in \d+ seconds?\.$/);
  expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
}

describe('RATE_LIMIT_SPEND_PER_MINUTE=3', () => {
  const server = useTestServer({ env: { RATE_LIMIT_SPEND_PER_MINUTE: '3' } });
  const probe = probeOf(server);
  const sign = (claims: TokenClaims) => server.token(claims);

  it('refuses a member over its limit with RATE_LIMITED and a retry hint, on every spending mutation, and charges or holds nothing', async () => {
    const { token, accountId } = await member(server.url, sign);
    as(await consume(server.url, token, accountId, 'c1'), 'ConsumeCreditsSuccess');
    as(await reserve(server.url, token, accountId, 'r1'), 'ReserveCreditsSuccess');
    as(await generate(server.url, token, 'g1'), 'GenerationSuccess');
    const before = { entries: await probe.entryCount(accountId), balances: await probe.balances(accountId) };
    expect(before.balances.AI_CREDITS).toMatchObject({ available: 47, used: 2, reserved: 1 });

    expectRateLimited(await consume(server.url, token, accountId, 'c2'));
    expectRateLimited(await reserve(server.url, token, accountId, 'r2'));
    expectRateLimited(await generate(server.url, token, 'g2'));
    expect(await probe.entryCount(accountId)).toBe(before.entries);
    expect(await probe.balances(accountId)).toEqual(before.balances);
    // Nothing of a refused request is kept: no key, no generation record.
    expect(await remembersKey(probe.store.models, accountId, `api:${JSON.stringify([accountId, 'c2'])}`)).toBe(false);
    expect(await server.app.database.connection.collection('generations').countDocuments({ accountId })).toBe(1);
  });

  it('still replays, while the member is over its limit, a request whose idempotency key applied, answering what the first answered', async () => {
    const { token, accountId } = await member(server.url, sign);
    const consumed = as(await consume(server.url, token, accountId, 'c1'), 'ConsumeCreditsSuccess');
    const reserved = as(await reserve(server.url, token, accountId, 'r1'), 'ReserveCreditsSuccess');
    const generated = as(await generate(server.url, token, 'g1'), 'GenerationSuccess');
    expectRateLimited(await consume(server.url, token, accountId, 'fresh'));
    const entries = await probe.entryCount(accountId);

    expect(as(await consume(server.url, token, accountId, 'c1'), 'ConsumeCreditsSuccess')).toEqual({ ...consumed, replayed: true });
    expect(as(await reserve(server.url, token, accountId, 'r1'), 'ReserveCreditsSuccess')).toEqual({ ...reserved, replayed: true });
    expect(as(await generate(server.url, token, 'g1'), 'GenerationSuccess')).toEqual({ ...generated, replayed: true });
    expect(await probe.entryCount(accountId)).toBe(entries);
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ used: 2, reserved: 1 });
  });

  it('does not count replays: only fresh keys use up the limit', async () => {
    const { token, accountId } = await member(server.url, sign);
    as(await consume(server.url, token, accountId, 'c1'), 'ConsumeCreditsSuccess');
    for (let retry = 0; retry < 4; retry += 1) expect(as(await consume(server.url, token, accountId, 'c1'), 'ConsumeCreditsSuccess').replayed).toBe(true);
    as(await consume(server.url, token, accountId, 'c2'), 'ConsumeCreditsSuccess');
    as(await consume(server.url, token, accountId, 'c3'), 'ConsumeCreditsSuccess');
    expectRateLimited(await consume(server.url, token, accountId, 'c4'));
  });

  it('counts each member of a pool on its own, whatever its role, and exempts service tokens', async () => {
    const org = `o-${randomUUID()}`;
    const first = await member(server.url, sign, { org });
    const second = await member(server.url, sign, { org, role: 'admin' });
    for (const key of ['a', 'b', 'c']) as(await consume(server.url, first.token, first.accountId, key), 'ConsumeCreditsSuccess');
    expectRateLimited(await consume(server.url, first.token, first.accountId, 'd'));
    as(await consume(server.url, second.token, second.accountId, 'a'), 'ConsumeCreditsSuccess');

    const service = await sign({ sub: `svc:${randomUUID()}`, role: 'service' });
    for (const key of ['s1', 's2', 's3', 's4', 's5']) as(await consume(server.url, service, first.accountId, key), 'ConsumeCreditsSuccess');
  });
});

describe('RATE_LIMIT_SERVICES=1', () => {
  const server = useTestServer({ env: { RATE_LIMIT_SPEND_PER_MINUTE: '3', RATE_LIMIT_SERVICES: '1' } });

  it('counts service tokens too, each service on its own', async () => {
    const { accountId } = await member(server.url, (claims) => server.token(claims));
    const service = await server.token({ sub: `svc:${randomUUID()}`, role: 'service' });
    for (const key of ['s1', 's2', 's3']) as(await consume(server.url, service, accountId, key), 'ConsumeCreditsSuccess');
    expectRateLimited(await consume(server.url, service, accountId, 's4'));
    expectRateLimited(await reserve(server.url, service, accountId, 's5'));
    const other = await server.token({ sub: `svc:${randomUUID()}`, role: 'service' });
    as(await consume(server.url, other, accountId, 's1'), 'ConsumeCreditsSuccess');
  });
});

describe('RATE_LIMIT_SPEND_PER_MINUTE=0', () => {
  const server = useTestServer({ env: { RATE_LIMIT_SPEND_PER_MINUTE: '0' } });

  it('turns the limit off', async () => {
    const { token, accountId } = await member(server.url, (claims) => server.token(claims));
    for (let index = 0; index < 10; index += 1) as(await consume(server.url, token, accountId, `c${index}`), 'ConsumeCreditsSuccess');
    as(await generate(server.url, token, 'g'), 'GenerationSuccess');
  });
});

/** Two server processes sharing one Redis (reached at `redisUrl`), with a member new to them. */
function useTwoInstances(redisUrl: () => string) {
  const processes = useTwoServerProcesses('spend-limits', () => ({ REDIS_URL: redisUrl(), RATE_LIMIT_SPEND_PER_MINUTE: '3' }));
  return {
    async member() {
      const [first, second] = [processes.first.graphqlUrl, processes.second.graphqlUrl];
      return { first, second, ...(await member(first, (claims) => signToken(processes.config.auth, claims))) };
    },
  };
}

const noRedis = await withoutRedis('the spend limit tests across processes');

describe.skipIf(noRedis)('two server processes sharing one Redis', () => {
  const instances = useTwoInstances(() => REDIS_URL);

  it('share one limit per member: requests to either count together', async () => {
    const { first, second, token, accountId } = await instances.member();
    as(await consume(first, token, accountId, 'c1'), 'ConsumeCreditsSuccess');
    as(await consume(second, token, accountId, 'c2'), 'ConsumeCreditsSuccess');
    as(await generate(first, token, 'g1'), 'GenerationSuccess');
    expectRateLimited(await consume(second, token, accountId, 'c3'));
    expectRateLimited(await generate(first, token, 'g2'));
    // The key applied through the first process replays through the second, limit or not.
    expect(as(await consume(second, token, accountId, 'c1'), 'ConsumeCreditsSuccess').replayed).toBe(true);
  });
});

describe.skipIf(noRedis)('when Redis stops answering, then goes down', () => {
  const relay = new RedisRelay(new URL(REDIS_URL));
  let relayUrl = '';
  beforeAll(async () => {
    relayUrl = await relay.start();
  });
  afterAll(() => relay.cut());
  const instances = useTwoInstances(() => relayUrl);

  it('lets spending go on, each process counting on its own, rather than failing it', async () => {
    const { first, second, token, accountId } = await instances.member();
    as(await consume(first, token, accountId, 'c1'), 'ConsumeCreditsSuccess');
    as(await consume(second, token, accountId, 'c2'), 'ConsumeCreditsSuccess');

    relay.freeze();
    for (const key of ['f1', 'f2', 'f3']) as(await consume(first, token, accountId, key), 'ConsumeCreditsSuccess');
    expectRateLimited(await consume(first, token, accountId, 'f4'));

    await relay.cut();
    for (const key of ['d1', 'd2', 'd3']) as(await consume(second, token, accountId, key), 'ConsumeCreditsSuccess');
    expectRateLimited(await generate(second, token, 'd4'));
  });
});
