import { randomUUID } from 'node:crypto';
import { parse, validate } from 'graphql';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { LIVE_BALANCES_DOCUMENT, LIVE_USAGE_DOCUMENT, LiveUsageError, watchLiveUsage, type LiveBalance, type LiveTick, type LiveUsage } from '../../src/client/live-usage.js';
import { schema } from '../../src/graphql/schema.js';
import { SetCreditPolicyDocument, type LiveBalancesSubscription, type LiveUsageSubscription } from '../graphql/generated/graphql.js';
import { useTestServer } from '../graphql/test-server.js';
import { as, resultOf } from '../graphql/write-fixture.js';
import { cursorsOf, eventually, openUser, spend } from './live-usage-fixture.js';

// rheos.pro: 1,000 AI credits a month, enough for the debits of a few seconds.
const server = useTestServer({ env: { DEFAULT_PLAN: 'rheos.pro' } });
const watching: LiveUsage[] = [];
afterEach(async () => {
  await Promise.all(watching.splice(0).map((live) => live.dispose()));
});

const wsUrl = (graphqlUrl: string) => graphqlUrl.replace(/^http/, 'ws');

describe('the live usage client helper', () => {
  it('sends documents the schema accepts, typed as the API answers them', () => {
    expect(validate(schema, parse(LIVE_USAGE_DOCUMENT))).toEqual([]);
    expect(validate(schema, parse(LIVE_BALANCES_DOCUMENT))).toEqual([]);
    // The types codegen derives from these very documents (codegen.ts reads src/client/live-usage.ts).
    expectTypeOf<LiveTick>().toEqualTypeOf<LiveUsageSubscription['creditUsage']>();
    expectTypeOf<LiveBalance>().toEqualTypeOf<LiveBalancesSubscription['balanceChanged'][number]>();
  });

  it('asks for a new token when the last one expires, and the stream goes on with every tick once, in order', async () => {
    const user = await openUser(server.url, (sub) => server.token({ sub }));
    const spender = await server.token({ sub: user.userId });
    let issued = 0;
    const received: LiveTick[] = [];
    const balances: LiveBalance[][] = [];
    watching.push(
      watchLiveUsage({
        url: wsUrl(server.url),
        // Tokens that expire within a second: the server closes the socket with 4401 five seconds later.
        token: () => {
          issued += 1;
          return server.token({ sub: user.userId }, '1s');
        },
        // After the account's first entry, as a page that read it from `Account.usage` would start.
        afterSeq: 1,
        onTick: (tick) => received.push(tick),
        onBalances: (latest) => balances.push(latest),
        webSocketImpl: WebSocket,
        retry: { initialDelayMs: 50, maxDelayMs: 500 },
      }),
    );
    // Debits go on until a second token has been asked for, and a moment after.
    while (issued < 2) {
      await spend(server.url, spender, user.globalId, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await spend(server.url, spender, user.globalId, 3);

    const expected = cursorsOf(await server.app.store.entriesAfter(user.accountId, 1, 1_000));
    await eventually(`${expected.length} ticks`, () => received.length >= expected.length);
    expect(received.map((tick) => tick.cursor)).toEqual(expected);
    expect(issued).toBe(2);
    // The balances were subscribed again on the new connection too.
    const [state] = await server.app.store.loadAccounts([user.accountId]);
    const [credits] = server.app.store.balances(state!);
    await eventually('the latest balances', () => balances.at(-1)?.[0]?.available === credits!.available);
  });

  it('stops for good, with what the token getter threw as the cause, when the getter cannot give a token', async () => {
    const user = await openUser(server.url, (sub) => server.token({ sub }));
    const refusals: unknown[] = [];
    const signInAgain = new Error('sign in again');
    const errors: LiveUsageError[] = [];
    let issued = 0;
    watching.push(
      watchLiveUsage({
        url: wsUrl(server.url),
        // The first token lives a second (the server closes with 4401 five seconds later); then the page has none.
        token: ({ refused }) => {
          refusals.push(refused);
          if (issued++ > 0) throw signInAgain;
          return server.token({ sub: user.userId }, '1s');
        },
        onError: (error) => errors.push(error),
        webSocketImpl: WebSocket,
        retry: { initialDelayMs: 50 },
      }),
    );
    await eventually('the end', () => errors.length > 0, 15_000);
    expect(refusals).toEqual([null, { code: 4401, reason: 'The access token has expired.' }]);
    expect(errors.map((error) => [error.message, error.cause])).toEqual([['live usage stopped: sign in again', signInAgain]]);
  });

  it('stops for good, saying why, when the server refuses the subscription itself', async () => {
    const user = await openUser(server.url, (sub) => server.token({ sub }));
    const other = await openUser(server.url, (sub) => server.token({ sub }));
    const errors: LiveUsageError[] = [];
    const live = watchLiveUsage({
      url: wsUrl(server.url),
      token: () => server.token({ sub: user.userId }),
      accountId: other.globalId,
      onError: (error) => errors.push(error),
      webSocketImpl: WebSocket,
    });
    watching.push(live);
    const iterating = (async () => {
      for await (const tick of live) throw new Error(`got a tick of someone else's account: ${JSON.stringify(tick)}`);
    })();
    await expect(iterating).rejects.toThrow(LiveUsageError);
    expect(errors.map((error) => error.message)).toEqual(['live usage stopped: Your access token does not allow this.']);
  });

  it("hands on the day's figures under a daily limit: the tick that reaches it says so once, and the balances show nothing left today", async () => {
    const user = await openUser(server.url, (sub) => server.token({ sub }));
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    const opened = (await server.app.store.entriesAfter(user.accountId, 0, 1_000)).length;
    const policy = { accountId: user.globalId, meter: 'AI_CREDITS', dailyLimit: 3, effective: 'NOW', reason: 'fair use', idempotencyKey: randomUUID() } as const;
    const { account } = as(await resultOf(server.url, SetCreditPolicyDocument, service, { input: policy }), 'CreditPolicyChange');
    const { dayResetsAt } = account!.balances.find((balance) => balance.meter === 'AI_CREDITS')!;
    const received: LiveTick[] = [];
    const balances: LiveBalance[][] = [];
    watching.push(
      watchLiveUsage({
        url: wsUrl(server.url),
        token: () => server.token({ sub: user.userId }),
        meter: 'AI_CREDITS',
        // From the policy's entry, the first after the account opened.
        afterSeq: opened,
        onTick: (tick) => received.push(tick),
        onBalances: (latest) => balances.push(latest),
        webSocketImpl: WebSocket,
      }),
    );
    await spend(server.url, await server.token({ sub: user.userId }), user.globalId, 3);

    await eventually('the policy and the three debits', () => received.length >= 4);
    const day = { dailyLimit: 3, dayResetsAt };
    expect(received.map(({ kind, usedToday, remainingToday, dailyLimit, dayResetsAt, dailyLimitReached }) => ({ kind, usedToday, remainingToday, dailyLimit, dayResetsAt, dailyLimitReached }))).toEqual([
      { kind: 'POLICY_CHANGE', usedToday: 0, remainingToday: 3, ...day, dailyLimitReached: false },
      { kind: 'DEBIT', usedToday: 1, remainingToday: 2, ...day, dailyLimitReached: false },
      { kind: 'DEBIT', usedToday: 2, remainingToday: 1, ...day, dailyLimitReached: false },
      { kind: 'DEBIT', usedToday: 3, remainingToday: 0, ...day, dailyLimitReached: true },
    ]);
    const credits = () => balances.at(-1)?.find((balance) => balance.meter === 'AI_CREDITS');
    await eventually('the balances after the last debit', () => credits()?.usedToday === 3);
    expect(credits()).toMatchObject({ ...day, usedToday: 3, remainingToday: 0 });
  });
});
