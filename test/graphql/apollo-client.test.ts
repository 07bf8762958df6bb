import { readFile } from 'node:fs/promises';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type ObservableQuery, type PossibleTypesMap } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { Kind, OperationTypeNode } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CachedDashboardDocument, SpendWithPartialBalancesDocument, WatchedUsageDocument, type CachedDashboardQuery } from './generated/graphql.js';
import { useTestServer } from './test-server.js';

const possibleTypesFile = new URL('../../schema/possible-types.json', import.meta.url);

/** Apollo Client 4 as a dashboard sets it up: queries and mutations over HTTP, subscriptions over graphql-ws. */
function apolloClient(url: string, token: string, options: { possibleTypes?: PossibleTypesMap } = {}) {
  const requests: string[] = [];
  const http = new HttpLink({
    uri: url,
    headers: { authorization: `Bearer ${token}` },
    fetch: (input, init) => {
      requests.push(JSON.parse(String(init?.body)).operationName as string);
      return fetch(input, init);
    },
  });
  const socket: Client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(socket),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes: options.possibleTypes }) });
  return { client, requests, dispose: () => socket.dispose() };
}

async function shippedPossibleTypes(): Promise<PossibleTypesMap> {
  return (JSON.parse(await readFile(possibleTypesFile, 'utf8')) as { possibleTypes: PossibleTypesMap }).possibleTypes;
}

/** Resolves with the first value of `subscribe`'s stream that `accept` takes. */
function firstMatching<Value>(subscribe: (next: (value: Value) => void) => { unsubscribe(): void }, accept: (value: Value) => boolean): Promise<Value> {
  return new Promise((resolve) => {
    const subscription = subscribe((value) => {
      if (!accept(value)) return;
      queueMicrotask(() => subscription.unsubscribe());
      resolve(value);
    });
  });
}

describe('Apollo Client 4 against a real server', () => {
  const server = useTestServer();
  const disposals: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(disposals.splice(0).map((dispose) => dispose()));
  });

  async function signedIn(sub: string, options: { possibleTypes?: PossibleTypesMap } = {}) {
    const apollo = apolloClient(server.url, await server.token({ sub }), options);
    disposals.push(apollo.dispose);
    const accountId = Buffer.from(`Account:user:${sub}`).toString('base64');
    return { ...apollo, accountId };
  }

  it('a write answering part of each balance updates the cached dashboard in place, with no refetch', async () => {
    const { client, requests, accountId } = await signedIn('apollo-cache', { possibleTypes: await shippedPossibleTypes() });
    const dashboard = client.watchQuery({ query: CachedDashboardDocument });
    const subscribe = (next: (value: ObservableQuery.Result<CachedDashboardQuery>) => void) => dashboard.subscribe(next);
    const shown = await firstMatching(subscribe, (result) => result.dataState === 'complete');
    expect(shown.data?.viewer?.account?.balances?.map(({ meter, available, used }) => ({ meter, available, used }))).toEqual([
      { meter: 'AI_CREDITS', available: 50, used: 0 },
      { meter: 'VIDEO_GENERATIONS', available: 0, used: 0 },
    ]);

    const updated = firstMatching(subscribe, (result) => result.data?.viewer?.account?.balances?.[0]?.available === 43);
    const { data } = await client.mutate({
      mutation: SpendWithPartialBalancesDocument,
      variables: { input: { accountId, meter: 'AI_CREDITS', amount: 7, idempotencyKey: 'apollo-cache-1' } },
    });
    expect(data?.consumeCredits?.__typename).toBe('ConsumeCreditsSuccess');
    const after = await updated;
    // The dashboard's own selection stays whole: the fields the write left out are the cached ones.
    expect(after.dataState).toBe('complete');
    expect(after.data?.viewer?.account?.balances?.map(({ meter, available, used, allowance }) => ({ meter, available, used, allowance }))).toEqual([
      { meter: 'AI_CREDITS', available: 43, used: 7, allowance: 50 },
      { meter: 'VIDEO_GENERATIONS', available: 0, used: 0, allowance: 0 },
    ]);
    expect(requests).toEqual(['CachedDashboard', 'SpendWithPartialBalances']);
  });

  it('reads a refusal through `... on Error { code message }` with the shipped possibleTypes, which it drops without them', async () => {
    const refusal = { meter: 'AI_CREDITS' as const, amount: 1_000 };
    const shipped = await signedIn('apollo-refused', { possibleTypes: await shippedPossibleTypes() });
    const withTypes = await shipped.client.mutate({
      mutation: SpendWithPartialBalancesDocument,
      variables: { input: { ...refusal, accountId: shipped.accountId, idempotencyKey: 'refused-1' } },
    });
    expect(withTypes.data?.consumeCredits).toEqual({
      __typename: 'InsufficientCreditsError',
      code: 'INSUFFICIENT_CREDITS',
      message: expect.stringMatching(/^Not enough AI credits: 1,000 needed, 50 available\. That is more than the meter's periods will ever give\./),
    });

    const bare = await signedIn('apollo-bare');
    const withoutTypes = await bare.client.mutate({
      mutation: SpendWithPartialBalancesDocument,
      variables: { input: { ...refusal, accountId: bare.accountId, idempotencyKey: 'refused-1' } },
    });
    expect(withoutTypes.data?.consumeCredits).toEqual({ __typename: 'InsufficientCreditsError' });
  });

  it('receives a tick through GraphQLWsLink', async () => {
    const { client, accountId } = await signedIn('apollo-live', { possibleTypes: await shippedPossibleTypes() });
    const ticks = client.subscribe({ query: WatchedUsageDocument });
    type Tick = { data?: { creditUsage: { delta: number } } };
    // From the start of the account's history (`afterSeq: 0`), so a write racing the subscribe is still seen.
    const tick = firstMatching((next: (value: Tick) => void) => ticks.subscribe(next), (result) => result.data?.creditUsage.delta === -2);
    await client.mutate({ mutation: SpendWithPartialBalancesDocument, variables: { input: { accountId, meter: 'AI_CREDITS', amount: 2, idempotencyKey: 'live-1' } } });
    expect((await tick).data).toEqual({ creditUsage: { __typename: 'CreditTick', seq: expect.any(Number), meter: 'AI_CREDITS', delta: -2, available: 48 } });
  });
});
