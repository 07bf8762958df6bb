import { print, type GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { CreateQuoteDocument, GenerateDocument, PriceDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

/**
 * Reads never write: `Query.price` shows a price and stores nothing, while a price lock is a
 * write, `Mutation.createQuote`, which graphql-yoga runs for POST requests only, so no GET (a
 * link preview, a prefetching client) stores a quote.
 */
const server = useTestServer();
const probe = probeOf(server);

/** A user without an organization: it draws from its own account, `user:<sub>` (rheos.free: 50 AI credits a month). */
async function soloUser(sub: string) {
  const token = await server.token({ sub });
  await execute(server.url, ViewerDocument, { token });
  return { token, accountId: `user:${sub}` };
}

const quotesOf = (accountId: string) => server.app.store.models.Quotes.countDocuments({ accountId });

/** An operation sent as a GET request, the way a link or a prefetching client sends it. */
async function get(token: string, query: string, variables: Record<string, unknown> = {}) {
  const url = new URL(server.url);
  url.searchParams.set('query', query);
  url.searchParams.set('variables', JSON.stringify(variables));
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/graphql-response+json, application/json' } });
  const body = (await response.json()) as { data?: Record<string, { __typename: string } | null> | null; errors?: GraphQLFormattedError[] };
  return { status: response.status, allow: response.headers.get('allow'), ...body };
}

describe('quotes are written by a mutation only', () => {
  it('refuses createQuote in a GET request, storing nothing, however many aliases it has', async () => {
    const { token, accountId } = await soloUser('g1');
    const refused = await get(token, print(CreateQuoteDocument), { input: { feature: 'image.generate' } });
    expect(refused).toMatchObject({ status: 405, allow: 'POST', errors: [{ message: 'Can only perform a mutation operation from a POST request.' }] });
    expect(refused.data).toBeUndefined();

    const aliases = Array.from({ length: 50 }, (_, index) => `q${index}: createQuote(input: { feature: "image.generate" }) { __typename }`);
    expect(await get(token, `mutation { ${aliases.join(' ')} }`)).toMatchObject({ status: 405 });
    // The field that wrote before is gone from Query: a GET cannot reach a write through it.
    const old = await get(token, 'query { quote(input: { feature: "image.generate" }) { __typename } }');
    expect(old.errors?.[0]?.message).toContain('Cannot query field "quote" on type "Query"');
    expect(await quotesOf(accountId)).toBe(0);
  });

  it('answers the price preview over GET and POST, the price a quote locks, and stores nothing', async () => {
    const { token, accountId } = await soloUser('g2');
    const input = { feature: 'image.generate', parameters: { resolution: 'HD', count: 3 } };
    const overGet = await get(token, print(PriceDocument), { input });
    expect(overGet).toMatchObject({ status: 200, data: { price: { __typename: 'Price', ...input, costs: [{ meter: 'AI_CREDITS', amount: 6 }] } } });
    const previewed = as(await resultOf(server.url, PriceDocument, token, { input }), 'Price');
    expect(previewed).toEqual(overGet.data!.price);
    expect(as(await resultOf(server.url, PriceDocument, token, { input: { feature: 'video.render' } }), 'Price').costs).toEqual([
      { meter: 'AI_CREDITS', amount: 2 },
      { meter: 'VIDEO_GENERATIONS', amount: 1 },
    ]);
    expect(as(await resultOf(server.url, PriceDocument, token, { input: { feature: 'teleport' } }), 'UnknownFeatureError').feature).toBe('teleport');
    expect(as(await resultOf(server.url, PriceDocument, token, { input: { feature: 'image.generate', parameters: { count: 9 } } }), 'InvalidParameterError').parameter).toBe('count');
    // The metering API's internal features are no catalog feature.
    expect(as(await resultOf(server.url, PriceDocument, token, { input: { feature: 'metered.AI_CREDITS' } }), 'UnknownFeatureError').code).toBe('UNKNOWN_FEATURE');
    // As many previews as one operation may alias (GRAPHQL_MAX_ALIASES).
    const aliases = Array.from({ length: 15 }, (_, index) => `p${index}: price(input: { feature: "image.generate" }) { __typename }`);
    expect(await get(token, `query { ${aliases.join(' ')} }`)).toMatchObject({ status: 200, data: { p14: { __typename: 'Price' } } });
    expect(await quotesOf(accountId)).toBe(0);

    const quoted = as(await resultOf(server.url, CreateQuoteDocument, token, { input }), 'Quote');
    expect(quoted.costs).toEqual(previewed.costs);
  });

  it('creates a quote with the mutation, and generate charges exactly its price', async () => {
    const { token, accountId } = await soloUser('g3');
    const quoted = as(await resultOf(server.url, CreateQuoteDocument, token, { input: { feature: 'image.generate', parameters: { resolution: 'HD', count: 2 } } }), 'Quote');
    expect(quoted).toMatchObject({ accountId: accountGlobalId(accountId), costs: [{ meter: 'AI_CREDITS', amount: 4 }] });
    expect(await quotesOf(accountId)).toBe(1);

    const generated = as(
      await resultOf(server.url, GenerateDocument, token, { input: { feature: 'image.generate', idempotencyKey: 'g3-1', input: { prompt: 'a fox' }, quoteId: quoted.id } }),
      'GenerationSuccess',
    );
    expect(generated.charged).toEqual(quoted.costs);
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 46, used: 4 });
    expect(byMeter(generated.balances).AI_CREDITS).toMatchObject({ available: 46, used: 4 });
    expect(await quotesOf(accountId)).toBe(1);
  });
});
