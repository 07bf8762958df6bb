import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { userAccountId } from '../../src/store/directory.js';
import { debitMany, take } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { CreditUsageDocument, ViewerDocument, type CreditUsageSubscription } from './generated/graphql.js';
import { SseStreams } from './sse-client.js';
import { accountGlobalId, ticksInLedger } from './subscription-client.js';
import { useTestServer } from './test-server.js';

const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' }, now: clock.now });
const streams = new SseStreams(() => server.url);
afterEach(() => streams.abortAll());
const subscribeOverSse = streams.subscribe.bind(streams);

async function newMember(ttl?: string) {
  const userId = `u-${randomUUID()}`;
  const token = await server.token({ sub: userId }, ttl);
  expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
  return { accountId: userAccountId(userId), token };
}

const ticksOf = (results: FormattedExecutionResult<CreditUsageSubscription>[]) => results.map((result) => result.data!.creditUsage);

describe('subscriptions over server-sent events', () => {
  it('stream credit ticks to a caller that sends its token as a bearer header', async () => {
    const { accountId, token } = await newMember();
    const { store } = server.app;
    const { status, results } = await subscribeOverSse(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: 0 }, `Bearer ${token}`);
    expect(status).toBe(200);
    const opening = await ticksInLedger(store, accountId, 0);
    expect(ticksOf(await take(results, opening.length))).toEqual(opening);
    await debitMany(store, accountId, 3);
    const live = ticksOf(await take(results, 3));
    expect(live).toEqual(await ticksInLedger(store, accountId, opening.at(-1)!.seq));
    expect(live.map((tick) => tick.available)).toEqual([499, 498, 497]);
  });

  it('refuse a caller without a token with UNAUTHENTICATED, and one with a foreign account with FORBIDDEN', async () => {
    const anonymous = await subscribeOverSse(CreditUsageDocument, { accountId: accountGlobalId('user:someone') });
    const [refused] = await take(anonymous.results, 1);
    expect(refused!.errors!.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await anonymous.results.next()).toEqual({ done: true, value: undefined });

    const { token } = await newMember();
    const foreign = await subscribeOverSse(CreditUsageDocument, { accountId: accountGlobalId('user:someone') }, `Bearer ${token}`);
    const [forbidden] = await take(foreign.results, 1);
    expect(forbidden!.errors!.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('refuse an invalid token with 401', async () => {
    const { status, results } = await subscribeOverSse(CreditUsageDocument, { accountId: accountGlobalId('user:someone') }, 'Bearer not-a-token');
    expect(status).toBe(401);
    const [refused] = await take(results, 1);
    expect(refused!.errors).toEqual([{ message: 'The access token is invalid.', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('end with UNAUTHENTICATED "The access token has expired." when the token expires, sending nothing after it', async () => {
    const { accountId, token } = await newMember('2s');
    const { store } = server.app;
    const { results } = await subscribeOverSse(CreditUsageDocument, { accountId: accountGlobalId(accountId), afterSeq: 0 }, `Bearer ${token}`);
    const opening = await ticksInLedger(store, accountId, 0);
    await take(results, opening.length);
    const ended = await results.next();
    expect(ended.value!.data).toBeUndefined();
    expect(ended.value!.errors).toMatchObject([{ message: 'The access token has expired.', extensions: { code: 'UNAUTHENTICATED' } }]);
    await debitMany(store, accountId, 1);
    expect(await results.next()).toEqual({ done: true, value: undefined });
  });
});
