import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_CATALOG, DEFAULT_PRICING_CATALOG } from '../../src/ledger/index.js';
import { PricingPageDocument } from './generated/graphql.js';
import { useTestServer } from './test-server.js';

describe('a public pricing page on urql', () => {
  const server = useTestServer();

  it('reads the plans, features and a price without a token, and gets the viewer as an UNAUTHENTICATED error beside them', async () => {
    const client = new Client({ url: server.url, exchanges: [cacheExchange, fetchExchange] });
    const { data, error } = await client.query(PricingPageDocument, {}).toPromise();

    expect(data?.viewer).toBeNull();
    expect(error?.graphQLErrors.map((graphQLError) => [graphQLError.path, graphQLError.extensions.code])).toEqual([[['viewer'], 'UNAUTHENTICATED']]);
    const plans = data?.plans?.edges.map((edge) => edge.node) ?? [];
    expect(plans.map((plan) => plan.key)).toEqual(Object.keys(DEFAULT_PLAN_CATALOG.plans));
    expect(plans.find((plan) => plan.key === 'reelbot.starter')).toMatchObject({
      name: 'ReelBot Starter',
      description: 'For a channel that publishes every week.',
      product: { key: 'reelbot', name: 'ReelBot' },
      meters: [
        { meter: 'AI_CREDITS', allowance: 100, period: 'DAY', unlimited: false },
        { meter: 'VIDEO_GENERATIONS', allowance: 15, period: 'MONTH', unlimited: false },
      ],
    });
    expect(data?.features?.edges.map((edge) => edge.node.key)).toEqual(Object.keys(DEFAULT_PRICING_CATALOG.features));
    expect(data?.features?.edges[0]?.node).toMatchObject({ key: 'image.generate', name: 'Image generation', description: expect.stringMatching(/^Generates images/) });
    expect(data?.hdImage).toEqual({ __typename: 'Price', costs: [{ __typename: 'MeterAmount', meter: 'AI_CREDITS', amount: 2 }] });
  });
});
