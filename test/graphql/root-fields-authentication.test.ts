import { isNonNullType } from 'graphql';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { useTestServer } from './test-server.js';

const account = Buffer.from('Account:user:u1').toString('base64');
const plan = Buffer.from('Plan:rheos.free').toString('base64');
const reservation = Buffer.from('Reservation:["user:u1","h1"]').toString('base64');
const key = 'idempotencyKey: "k1"';
const webhookEndpoint = Buffer.from('WebhookEndpoint:whep_1').toString('base64');

/**
 * One anonymous request per root field. Authorization is each resolver's own (accounts/access.ts),
 * so this table must name every root field of the schema: a field added without a row fails below.
 * The catalog (`PUBLIC_FIELDS`) answers without a token; every other field refuses with UNAUTHENTICATED.
 */
const ANONYMOUS_REQUESTS: Record<'Query' | 'Mutation' | 'Subscription', Record<string, string>> = {
  Query: {
    account: `{ account(id: "${account}") { id } }`,
    features: '{ features { edges { cursor } } }',
    node: `{ node(id: "${plan}") { id } }`,
    plans: '{ plans { edges { cursor } } }',
    price: '{ price(input: { feature: "image.generate" }) { __typename } }',
    viewer: '{ viewer { id } }',
    webhookEndpoints: '{ webhookEndpoints { edges { cursor } } }',
  },
  Mutation: {
    changePlan: `mutation { changePlan(input: { accountId: "${account}", plan: "rheos.pro", ${key} }) { __typename } }`,
    commitReservation: `mutation { commitReservation(input: { reservationId: "${reservation}", ${key} }) { __typename } }`,
    createWebhookEndpoint: 'mutation { createWebhookEndpoint(input: { url: "https://example.com/", eventTypes: [CREDITS_GRANTED] }) { __typename } }',
    deleteWebhookEndpoint: `mutation { deleteWebhookEndpoint(input: { id: "${webhookEndpoint}" }) { __typename } }`,
    disableWebhookEndpoint: `mutation { disableWebhookEndpoint(input: { id: "${webhookEndpoint}" }) { __typename } }`,
    enableWebhookEndpoint: `mutation { enableWebhookEndpoint(input: { id: "${webhookEndpoint}" }) { __typename } }`,
    rotateWebhookEndpointSecret: `mutation { rotateWebhookEndpointSecret(input: { id: "${webhookEndpoint}" }) { __typename } }`,
    redeliverWebhookEvent: `mutation { redeliverWebhookEvent(input: { endpointId: "${webhookEndpoint}", eventId: "evt_00000000000000000000000000000000" }) { __typename } }`,
    redeliverWebhookEvents: `mutation { redeliverWebhookEvents(input: { endpointId: "${webhookEndpoint}", since: "2026-01-01T00:00:00.000Z" }) { __typename } }`,
    updateWebhookEndpoint: `mutation { updateWebhookEndpoint(input: { id: "${webhookEndpoint}", url: "https://example.com/" }) { __typename } }`,
    consumeCredits: `mutation { consumeCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, ${key} }) { __typename } }`,
    createQuote: 'mutation { createQuote(input: { feature: "image.generate" }) { __typename } }',
    generate: `mutation { generate(input: { feature: "image.generate", input: {}, ${key} }) { __typename } }`,
    grantCredits: `mutation { grantCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, reason: "r", ${key} }) { __typename } }`,
    releaseReservation: `mutation { releaseReservation(input: { reservationId: "${reservation}", ${key} }) { __typename } }`,
    removeCredits: `mutation { removeCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, reason: "r", ${key} }) { __typename } }`,
    reserveCredits: `mutation { reserveCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, ${key} }) { __typename } }`,
    setCreditPolicy: `mutation { setCreditPolicy(input: { accountId: "${account}", meter: AI_CREDITS, dailyLimit: 1, effective: NOW, reason: "r", ${key} }) { __typename } }`,
    removeCreditPolicy: `mutation { removeCreditPolicy(input: { accountId: "${account}", meter: AI_CREDITS, effective: NOW, reason: "r", ${key} }) { __typename } }`,
    setMemberCap: `mutation { setMemberCap(input: { accountId: "${account}", memberId: "${account}", meter: AI_CREDITS, cap: 1, ${key} }) { __typename } }`,
  },
  Subscription: {
    balanceChanged: `subscription { balanceChanged(accountId: "${account}") { meter } }`,
    creditUsage: `subscription { creditUsage(accountId: "${account}") { seq } }`,
  },
};

/**
 * What a pricing page reads before anyone signs in: the plan and pricing catalogs, and the price of
 * a feature (computed from the catalog alone, storing nothing). `node` is not among them: it
 * reaches accounts too, and a node type without a rule of its own must leak nothing to strangers.
 */
const PUBLIC_FIELDS = new Set(['Query.plans', 'Query.features', 'Query.price']);

type Body = { data?: unknown; errors?: { message: string; path?: string[]; extensions?: { code?: string } }[] };

describe('every root field but the catalog needs a caller', () => {
  const server = useTestServer();
  const aborts: AbortController[] = [];
  afterEach(() => aborts.splice(0).forEach((controller) => controller.abort()));
  // The account the anonymous writes name exists, so that one that got through would show.
  beforeAll(async () => {
    const opened = await server.app.store.openAccount({ accountId: 'user:u1', accountType: 'USER', planId: 'rheos.free' });
    if (!opened.ok) throw new Error('could not open user:u1');
  });
  const lastSeqOf = async () => (await server.app.store.loadAccounts(['user:u1']))[0]!.lastSeq;

  /** The first result of an anonymous request: a plain response, or the first event of a subscription's stream. */
  async function anonymous(query: string, subscription: boolean): Promise<Body> {
    const controller = new AbortController();
    aborts.push(controller);
    const response = await fetch(server.url, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: subscription ? 'text/event-stream' : 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    });
    if (!subscription) return (await response.json()) as Body;
    const text = await new Response(response.body).text();
    const data = text.split('\n').find((line) => line.startsWith('data:') && line.includes('errors'));
    return JSON.parse(data!.slice('data:'.length)) as Body;
  }

  it('the table names every root field of the schema', () => {
    const fieldsOf = (type: { getFields(): object } | null | undefined) => Object.keys(type?.getFields() ?? {}).sort();
    expect({
      Query: fieldsOf(schema.getQueryType()),
      Mutation: fieldsOf(schema.getMutationType()),
      Subscription: fieldsOf(schema.getSubscriptionType()),
    }).toEqual({
      Query: Object.keys(ANONYMOUS_REQUESTS.Query).sort(),
      Mutation: Object.keys(ANONYMOUS_REQUESTS.Mutation).sort(),
      Subscription: Object.keys(ANONYMOUS_REQUESTS.Subscription).sort(),
    });
  });

  const rows = Object.entries(ANONYMOUS_REQUESTS).flatMap(([type, fields]) => Object.entries(fields).map(([field, query]) => [type, field, query] as const));

  it.each(rows.filter(([type, field]) => !PUBLIC_FIELDS.has(`${type}.${field}`)))(
    '%s.%s refuses a request without a token with UNAUTHENTICATED, and writes nothing',
    async (type, _field, query) => {
      const before = await lastSeqOf();
      const body = await anonymous(query, type === 'Subscription');
      expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(await lastSeqOf()).toBe(before);
    },
  );

  it.each(rows.filter(([type, field]) => PUBLIC_FIELDS.has(`${type}.${field}`)))(
    '%s.%s answers a request without a token from the catalog, and writes nothing',
    async (type, field, query) => {
      const before = await lastSeqOf();
      const body = await anonymous(query, type === 'Subscription');
      expect(body.errors).toBeUndefined();
      expect((body.data as Record<string, unknown>)[field]).toBeTruthy();
      expect(await lastSeqOf()).toBe(before);
    },
  );
});

describe('a failing root field spares its siblings', () => {
  const server = useTestServer();
  const post = async (query: string, token?: string): Promise<Body> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return (await response.json()) as Body;
  };

  it('without a token, the viewer fails alone and the plans are answered', async () => {
    const body = await post('{ viewer { subject } plans(first: 2) { edges { node { key } } } }');
    expect(body.data).toEqual({ viewer: null, plans: { edges: [{ node: { key: 'rheos.free' } }, { node: { key: 'rheos.pro' } }] } });
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['viewer'], 'UNAUTHENTICATED']]);
  });

  it('a refused mutation field does not hide the write of the one beside it', async () => {
    const token = await server.token({ sub: 'sibling-1' });
    const own = Buffer.from('Account:user:sibling-1').toString('base64');
    const foreign = Buffer.from('Account:user:someone-else').toString('base64');
    const consume = (alias: string, accountId: string) =>
      `${alias}: consumeCredits(input: { accountId: "${accountId}", meter: AI_CREDITS, amount: 3, idempotencyKey: "${alias}" }) { __typename ... on ConsumeCreditsSuccess { balances { meter available } } }`;
    const body = await post(`mutation { ${consume('mine', own)} ${consume('theirs', foreign)} }`, token);
    expect(body.data).toEqual({
      mine: { __typename: 'ConsumeCreditsSuccess', balances: [{ meter: 'AI_CREDITS', available: 47 }, { meter: 'VIDEO_GENERATIONS', available: 0 }] },
      theirs: null,
    });
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['theirs'], 'FORBIDDEN']]);
  });

  it('every root field of Query and Mutation is nullable, so its error nulls it alone', () => {
    const nonNull = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) =>
      Object.values(type.getFields()).flatMap((field) => (isNonNullType(field.type) ? [`${type.name}.${field.name}`] : [])),
    );
    expect(nonNull).toEqual([]);
    // A subscription operation has exactly one root field (GraphQL's "single root field" rule): no sibling to spare.
  });
});
