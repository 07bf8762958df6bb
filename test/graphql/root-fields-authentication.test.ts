import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { useTestServer } from './test-server.js';

const account = Buffer.from('Account:user:u1').toString('base64');
const plan = Buffer.from('Plan:rheos.free').toString('base64');
const reservation = Buffer.from('Reservation:["user:u1","h1"]').toString('base64');
const key = 'idempotencyKey: "k1"';

/**
 * One anonymous request per root field. Authorization is each resolver's own (accounts/access.ts),
 * so this table must name every root field of the schema: a field added without a row fails below.
 */
const ANONYMOUS_REQUESTS: Record<'Query' | 'Mutation' | 'Subscription', Record<string, string>> = {
  Query: {
    account: `{ account(id: "${account}") { id } }`,
    features: '{ features { edges { cursor } } }',
    node: `{ node(id: "${plan}") { id } }`,
    plans: '{ plans { edges { cursor } } }',
    price: '{ price(input: { feature: "image.generate" }) { __typename } }',
    viewer: '{ viewer { id } }',
  },
  Mutation: {
    changePlan: `mutation { changePlan(input: { accountId: "${account}", plan: "rheos.pro", ${key} }) { __typename } }`,
    commitReservation: `mutation { commitReservation(input: { reservationId: "${reservation}", ${key} }) { __typename } }`,
    consumeCredits: `mutation { consumeCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, ${key} }) { __typename } }`,
    createQuote: 'mutation { createQuote(input: { feature: "image.generate" }) { __typename } }',
    generate: `mutation { generate(input: { feature: "image.generate", input: {}, ${key} }) { __typename } }`,
    grantCredits: `mutation { grantCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, reason: "r", ${key} }) { __typename } }`,
    releaseReservation: `mutation { releaseReservation(input: { reservationId: "${reservation}", ${key} }) { __typename } }`,
    removeCredits: `mutation { removeCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, reason: "r", ${key} }) { __typename } }`,
    reserveCredits: `mutation { reserveCredits(input: { accountId: "${account}", meter: AI_CREDITS, amount: 1, ${key} }) { __typename } }`,
    setMemberCap: `mutation { setMemberCap(input: { accountId: "${account}", memberId: "${account}", meter: AI_CREDITS, cap: 1, ${key} }) { __typename } }`,
  },
  Subscription: {
    balanceChanged: `subscription { balanceChanged(accountId: "${account}") { meter } }`,
    creditUsage: `subscription { creditUsage(accountId: "${account}") { seq } }`,
  },
};

type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };

describe('every root field needs a caller', () => {
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

  it.each(Object.entries(ANONYMOUS_REQUESTS).flatMap(([type, fields]) => Object.entries(fields).map(([field, query]) => [type, field, query] as const)))(
    '%s.%s refuses a request without a token with UNAUTHENTICATED, and writes nothing',
    async (type, _field, query) => {
      const before = await lastSeqOf();
      const body = await anonymous(query, type === 'Subscription');
      expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(await lastSeqOf()).toBe(before);
    },
  );
});
