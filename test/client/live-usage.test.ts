import { parse, validate } from 'graphql';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { LIVE_BALANCES_DOCUMENT, LIVE_USAGE_DOCUMENT, LiveUsageError, watchLiveUsage, type LiveBalance, type LiveTick, type LiveUsage } from '../../src/client/live-usage.js';
import { schema } from '../../src/graphql/schema.js';
import type { BalanceChangedSubscription } from '../graphql/generated/graphql.js';
import type { Tick } from '../graphql/subscription-client.js';
import { useTestServer } from '../graphql/test-server.js';
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
    expectTypeOf<LiveTick>().toEqualTypeOf<Tick>();
    expectTypeOf<LiveBalance>().toEqualTypeOf<BalanceChangedSubscription['balanceChanged'][number]>();
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
});
