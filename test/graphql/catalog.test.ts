import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_CATALOG, DEFAULT_PRICING_CATALOG } from '../../src/ledger/index.js';
import { errorCodes, execute } from './client.js';
import { FeaturesDocument, NodeDocument, PlansDocument } from './generated/graphql.js';
import { useTestServer } from './test-server.js';

describe('the catalogs over GraphQL', () => {
  const server = useTestServer();

  it('lists the plans of the catalog, in catalog order, with their rules per meter', async () => {
    const token = await server.token({ sub: 'u1' });
    const { status, data, errors } = await execute(server.url, PlansDocument, { token });
    expect({ status, errors }).toEqual({ status: 200, errors: undefined });
    const plans = data!.plans!.edges.map((edge) => edge.node);
    expect(plans.map((plan) => plan.key)).toEqual(Object.keys(DEFAULT_PLAN_CATALOG.plans));
    expect(plans.find((plan) => plan.key === 'rheos.business')).toMatchObject({
      name: 'Rheos Business',
      tier: 2,
      meters: [
        { meter: 'AI_CREDITS', allowance: 5000, period: 'MONTH', unlimited: false, rollover: { kind: 'CAPPED', maxCredits: 1000 } },
        { meter: 'VIDEO_GENERATIONS', allowance: 0, period: 'MONTH', unlimited: false, rollover: { kind: 'NONE', maxCredits: null } },
      ],
    });
    expect(plans.find((plan) => plan.key === 'reelbot.enterprise')?.meters[0]).toEqual({
      meter: 'AI_CREDITS',
      allowance: 0,
      period: 'DAY',
      unlimited: true,
      rollover: { kind: 'NONE', maxCredits: null },
    });
  });

  it('pages through the plans with first and after', async () => {
    const token = await server.token({ sub: 'u1' });
    const first = await execute(server.url, PlansDocument, { token, variables: { first: 3 } });
    expect(first.data!.plans!.edges).toHaveLength(3);
    expect(first.data!.plans!.pageInfo.hasNextPage).toBe(true);
    const rest = await execute(server.url, PlansDocument, { token, variables: { first: 10, after: first.data!.plans!.pageInfo.endCursor } });
    expect(rest.data!.plans!.pageInfo.hasNextPage).toBe(false);
    expect([...first.data!.plans!.edges, ...rest.data!.plans!.edges].map((edge) => edge.node.key)).toEqual(
      Object.keys(DEFAULT_PLAN_CATALOG.plans),
    );
  });

  it('lists the features of the pricing catalog with their cost rules', async () => {
    const { data, errors } = await execute(server.url, FeaturesDocument, { token: await server.token({ sub: 'svc:ai', role: 'service' }) });
    expect(errors).toBeUndefined();
    const features = data!.features!.edges.map((edge) => edge.node);
    expect(features.map((feature) => feature.key)).toEqual(Object.keys(DEFAULT_PRICING_CATALOG.features));
    expect(features.find((feature) => feature.key === 'image.generate')).toMatchObject({
      meters: ['AI_CREDITS'],
      costRule: {
        meters: [{ meter: 'AI_CREDITS', baseCost: 1, scaledBy: ['resolution', 'count'], chargeOnProviderFailure: 'NONE' }],
        choices: [
          {
            name: 'resolution',
            default: 'SD',
            options: [
              { value: 'SD', multiplier: 1 },
              { value: 'HD', multiplier: 2 },
              { value: '4K', multiplier: 4 },
            ],
          },
        ],
        counts: [{ name: 'count', max: 8 }],
      },
    });
    expect(features.find((feature) => feature.key === 'video.render')?.costRule.meters).toEqual([
      { meter: 'AI_CREDITS', baseCost: 2, scaledBy: ['resolution'], chargeOnProviderFailure: 'FULL' },
      { meter: 'VIDEO_GENERATIONS', baseCost: 1, scaledBy: [], chargeOnProviderFailure: 'NONE' },
    ]);
  });

  it('finds plans and features again by their global ids through node(id)', async () => {
    const token = await server.token({ sub: 'u1' });
    const plans = await execute(server.url, PlansDocument, { token, variables: { first: 1 } });
    const plan = plans.data!.plans!.edges[0]!.node;
    expect((await execute(server.url, NodeDocument, { token, variables: { id: plan.id } })).data).toEqual({
      node: { __typename: 'Plan', id: plan.id, key: plan.key, name: plan.name },
    });
    const features = await execute(server.url, FeaturesDocument, { token });
    const feature = features.data!.features!.edges[0]!.node;
    expect((await execute(server.url, NodeDocument, { token, variables: { id: feature.id } })).data).toEqual({
      node: { __typename: 'Feature', id: feature.id, key: feature.key, description: feature.description },
    });
  });

  it('answers null for a global id that names nothing', async () => {
    const token = await server.token({ sub: 'u1' });
    const unknownPlan = Buffer.from('Plan:gold').toString('base64');
    expect((await execute(server.url, NodeDocument, { token, variables: { id: unknownPlan } })).data).toEqual({ node: null });
  });

  it('serves plans and features without a token, as a public pricing page reads them; node(id) still needs one', async () => {
    const plans = await execute(server.url, PlansDocument);
    expect(plans.errors).toBeUndefined();
    expect(plans.data!.plans!.edges.map((edge) => edge.node.key)).toEqual(Object.keys(DEFAULT_PLAN_CATALOG.plans));
    const features = await execute(server.url, FeaturesDocument);
    expect(features.errors).toBeUndefined();
    expect(features.data!.features!.edges).toHaveLength(Object.keys(DEFAULT_PRICING_CATALOG.features).length);
    const plan = Buffer.from('Plan:rheos.free').toString('base64');
    const node = await execute(server.url, NodeDocument, { variables: { id: plan } });
    expect(node.data).toEqual({ node: null });
    expect(errorCodes(node)).toEqual(['UNAUTHENTICATED']);
  });

  it('names the product of each plan, so that the plans of two products can be told apart in one list', async () => {
    const { data } = await execute(server.url, PlansDocument);
    const plans = data!.plans!.edges.map((edge) => edge.node);
    expect(plans.map((plan) => [plan.key, plan.product.key, plan.product.name])).toEqual([
      ['rheos.free', 'rheos', 'Rheos'],
      ['rheos.pro', 'rheos', 'Rheos'],
      ['rheos.business', 'rheos', 'Rheos'],
      ['reelbot.free', 'reelbot', 'ReelBot'],
      ['reelbot.starter', 'reelbot', 'ReelBot'],
      ['reelbot.pro', 'reelbot', 'ReelBot'],
      ['reelbot.enterprise', 'reelbot', 'ReelBot'],
    ]);
    // One product, one id: a client cache keeps one Product for all its plans.
    expect(new Set(plans.map((plan) => plan.product.id)).size).toBe(2);
    const token = await server.token({ sub: 'u1' });
    const product = await execute(server.url, NodeDocument, { token, variables: { id: plans[0]!.product.id } });
    expect(product.data).toEqual({ node: { __typename: 'Product', id: plans[0]!.product.id, key: 'rheos', name: 'Rheos' } });
  });

  it('names and describes every plan, product and feature of the catalog for people', async () => {
    const plans = (await execute(server.url, PlansDocument)).data!.plans!.edges.map((edge) => edge.node);
    const features = (await execute(server.url, FeaturesDocument)).data!.features!.edges.map((edge) => edge.node);
    const described = [...plans, ...plans.map((plan) => plan.product), ...features];
    expect(described.filter((item) => !/^[A-Z].{15,}\.$/.test(item.description))).toEqual([]);
    expect(features.map((feature) => feature.name)).toEqual(['Image generation', 'Brand analysis', 'Topic ideas', 'Script writing', 'Voiceover', 'Animation', 'Video render']);
    expect(features.find((feature) => feature.key === 'video.render')?.description).toBe(
      'Renders the finished video from its clips, voiceover and captions; a failed render never uses up a video generation.',
    );
  });
});

describe('catalogs given to the app', () => {
  const server = useTestServer({
    adjust: (config) => ({
      ...config,
      defaultPlan: 'rheos.pro',
      catalogs: { ...config.catalogs, plans: { plans: { 'rheos.pro': DEFAULT_PLAN_CATALOG.plans['rheos.pro']! }, products: {} } },
    }),
  });

  it('are the ones served', async () => {
    const { data } = await execute(server.url, PlansDocument, { token: await server.token({ sub: 'u1' }) });
    expect(data!.plans!.edges.map((edge) => edge.node.key)).toEqual(['rheos.pro']);
  });
});
