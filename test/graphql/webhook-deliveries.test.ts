import { parse } from 'graphql';
import type { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver, signedFor, type Delivery } from '../webhooks/receiver.js';
import { webhookApi } from '../webhooks/webhook-fixture.js';
import { execute, errorCodes } from './client.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

// The outbox looked at every 50 ms, retries a second apart: a refused delivery is PENDING with its next attempt soon.
const server = useTestServer({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });
const service = () => server.token({ sub: 'svc:log', role: 'service' });

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

type Answer = Record<string, Record<string, unknown> | null>;
const run = async (query: string, token: string, variables: Record<string, unknown> = {}) =>
  execute<Answer, Record<string, unknown>>(server.url, parse(query), { token, variables });

type Attempt = { attempt: number; ok: boolean; statusCode: number | null; latencyMs: number; error: string | null };
type LoggedDelivery = {
  id: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  deliveredAt: string | null;
  event: { id: string; type: string; seq: number; account: { id: string } | null; payload: string };
  attempts: Attempt[];
};
type Log = { status: string; failingSince: string | null; deliveries: { edges: { cursor: string; node: LoggedDelivery }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

const DELIVERIES = `query ($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on WebhookEndpoint { status failingSince
  deliveries(first: $first, after: $after) { edges { cursor node { id status attemptCount nextAttemptAt lastStatusCode deliveredAt
    event { id type seq account { id } payload } attempts { attempt ok statusCode latencyMs error } } } pageInfo { hasNextPage endCursor } } } } }`;
const REDELIVER_ONE = `mutation ($input: RedeliverWebhookEventInput!) { redeliverWebhookEvent(input: $input) {
  __typename ... on Error { code message } ... on WebhookRedeliveryPayload { queued endpoint { id } } } }`;
const REDELIVER_SINCE = `mutation ($input: RedeliverWebhookEventsInput!) { redeliverWebhookEvents(input: $input) {
  __typename ... on Error { code message } ... on WebhookRedeliveryPayload { queued } } }`;

async function log(endpointId: string, page: { first?: number; after?: string } = {}): Promise<Log> {
  const answer = await run(DELIVERIES, await service(), { id: endpointId, ...page });
  expect(answer.errors).toBeUndefined();
  return answer.data!.node as unknown as Log;
}

/** The log once `done` holds of it: the worker records an attempt just after the receiver answered it. */
async function logWhen(endpointId: string, done: (log: Log) => boolean): Promise<Log> {
  for (let tries = 0; tries < 300; tries += 1) {
    const current = await log(endpointId);
    if (done(current)) return current;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the delivery log never got there: ${JSON.stringify(await log(endpointId))}`);
}

const api = webhookApi(server);

async function register(): Promise<{ id: string; webhook: Webhook; ours: (delivery: Delivery) => boolean }> {
  const { id, webhook } = await api.register(receiver.url, ['CREDITS_GRANTED'], 'delivery log test');
  expect(await log(id)).toMatchObject({ status: 'ACTIVE', failingSince: null });
  return { id, webhook, ours: signedFor(webhook) };
}

const grant = (sub: string, amount: number, key: string) => api.topUp(sub, amount, key);

const grantOf = (sub: string) => (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === `user:${sub}`;

type Registered = Awaited<ReturnType<typeof register>>;

/** Grants credits and waits until the endpoint got the event and the log shows it delivered. */
async function grantDelivered(endpoint: Registered, sub: string, amount: number, key: string): Promise<{ sent: Delivery; eventId: string; delivered: Log }> {
  await grant(sub, amount, key);
  const [sent] = await receiver.of(undefined, 1, (delivery) => endpoint.ours(delivery) && grantOf(sub)(delivery));
  const delivered = await logWhen(endpoint.id, (current) => current.deliveries.edges[0]?.node.status === 'DELIVERED');
  return { sent: sent!, eventId: sent!.headers['webhook-id'] as string, delivered };
}

describe('the webhook delivery log and redelivery', () => {
  it('logs a delivery with its attempts, shows a refused one pending its retry, and redelivers one event with its same id', async () => {
    const endpoint = await register();
    const { sent: first, eventId: firstId, delivered } = await grantDelivered(endpoint, 'dl1', 30, 'dl1-first');
    expect(delivered.status).toBe('ACTIVE');
    const [logged] = delivered.deliveries.edges.map((edge) => edge.node);
    expect(logged).toMatchObject({ status: 'DELIVERED', attemptCount: 1, nextAttemptAt: null, lastStatusCode: 200 });
    expect(logged!.deliveredAt).not.toBeNull();
    expect(logged!.event).toMatchObject({ id: firstId, type: 'CREDITS_GRANTED', account: { id: accountGlobalId('user:dl1') } });
    // The exact body the endpoint got, which its signature covers.
    expect(logged!.event.payload).toBe(first.body);
    expect(logged!.attempts).toEqual([{ attempt: 1, ok: true, statusCode: 200, latencyMs: expect.any(Number), error: null }]);
    expect(logged!.attempts[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    // The delivery is a node a service can load again.
    const node = await run(`query ($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status event { id } } } }`, await service(), { id: logged!.id });
    expect(node.data?.node).toEqual({ id: logged!.id, status: 'DELIVERED', event: { id: firstId } });

    // The next event of the account is answered 500: pending, its next attempt scheduled, the 500 logged.
    receiver.refuse = (delivery) => endpoint.ours(delivery) && delivery.headers['webhook-id'] !== firstId;
    try {
      await grant('dl1', 7, 'dl1-second');
      const refused = await logWhen(endpoint.id, (current) => current.deliveries.edges.length === 2 && current.deliveries.edges[0]!.node.attemptCount >= 1);
      const [second] = refused.deliveries.edges.map((edge) => edge.node);
      expect(second!.event.id).not.toBe(firstId);
      expect(second!.event.seq).toBeGreaterThan(logged!.event.seq);
      expect(second).toMatchObject({ status: 'PENDING', lastStatusCode: 500, deliveredAt: null });
      expect(second!.nextAttemptAt).not.toBeNull();
      expect(second!.attempts[0]).toMatchObject({ attempt: 1, ok: false, statusCode: 500 });
    } finally {
      receiver.refuse = () => false;
    }

    const token = await service();
    const again = await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId: firstId } });
    expect(again.data?.redeliverWebhookEvent).toEqual({ __typename: 'WebhookRedeliveryPayload', queued: 1, endpoint: { id: endpoint.id } });
    const copies = await receiver.of(firstId, 2, endpoint.ours);
    expect(copies[1]!.body).toBe(first.body);
    const redelivered = await logWhen(endpoint.id, (current) => current.deliveries.edges.find((edge) => edge.node.event.id === firstId)!.node.attempts.length === 2);
    expect(redelivered.deliveries.edges.find((edge) => edge.node.event.id === firstId)!.node).toMatchObject({ status: 'DELIVERED', attemptCount: 2 });

    // An event the endpoint was never given queues nothing; a malformed id is refused.
    expect((await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId: `evt_${'0'.repeat(32)}` } })).data?.redeliverWebhookEvent).toMatchObject({ queued: 0 });
    expect((await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId: 'nope' } })).data?.redeliverWebhookEvent).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('eventId'),
    });
  });

  it('marks the endpoint FAILING once a delivery gives up, DISABLED over it, and ACTIVE again after a success', async () => {
    const endpoint = await register();
    receiver.refuse = endpoint.ours;
    let eventId: string;
    try {
      await grant('dl5', 3, 'dl5-a');
      // The first attempt and both retries of the schedule (1s,1s) answered 500.
      const given = await logWhen(endpoint.id, (current) => current.deliveries.edges[0]?.node.status === 'FAILED');
      const [failed] = given.deliveries.edges.map((edge) => edge.node);
      expect(failed).toMatchObject({ attemptCount: 3, nextAttemptAt: null, lastStatusCode: 500 });
      expect(failed!.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([[1, 500], [2, 500], [3, 500]]);
      const failing = await logWhen(endpoint.id, (current) => current.status === 'FAILING');
      expect(failing.failingSince).not.toBeNull();
      eventId = failed!.event.id;
    } finally {
      receiver.refuse = () => false;
    }

    const token = await service();
    const toggle = (field: string) => run(`mutation ($id: ID!) { ${field}(input: { id: $id }) { __typename } }`, token, { id: endpoint.id });
    await toggle('disableWebhookEndpoint');
    expect((await log(endpoint.id)).status).toBe('DISABLED');
    await toggle('enableWebhookEndpoint');
    expect((await log(endpoint.id)).status).toBe('FAILING');

    // Redelivered while the receiver still refuses, it runs the whole schedule again before giving up.
    receiver.refuse = endpoint.ours;
    try {
      expect((await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId } })).data?.redeliverWebhookEvent).toMatchObject({ queued: 1 });
      const again = await logWhen(endpoint.id, (current) => current.deliveries.edges[0]?.node.attemptCount === 6 && current.deliveries.edges[0].node.status === 'FAILED');
      expect(again.deliveries.edges[0]!.node.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 500, 500, 500, 500]);
      expect(again.status).toBe('FAILING');
    } finally {
      receiver.refuse = () => false;
    }

    expect((await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId } })).data?.redeliverWebhookEvent).toMatchObject({ queued: 1 });
    const resumed = await logWhen(endpoint.id, (current) => current.status === 'ACTIVE');
    expect(resumed.failingSince).toBeNull();
    expect(resumed.deliveries.edges[0]!.node).toMatchObject({ status: 'DELIVERED', lastStatusCode: 200, attemptCount: 7 });
  });

  it('redelivers everything since a time, refusing a time in the future or past retention', async () => {
    const endpoint = await register();
    const before = new Date(Date.now() - 1000).toISOString();
    await grant('dl2', 1, 'dl2-a');
    await grant('dl2', 2, 'dl2-b');
    const mine = (delivery: Delivery) => endpoint.ours(delivery) && grantOf('dl2')(delivery);
    const sent = await receiver.of(undefined, 2, mine);
    await logWhen(endpoint.id, (current) => current.deliveries.edges.every((edge) => edge.node.status === 'DELIVERED'));

    const token = await service();
    const since = await run(REDELIVER_SINCE, token, { input: { endpointId: endpoint.id, since: before } });
    expect(since.data?.redeliverWebhookEvents).toEqual({ __typename: 'WebhookRedeliveryPayload', queued: 2 });
    const all = await receiver.of(undefined, 4, mine);
    // Each went out again with its id, in seq order as before.
    expect(all.slice(2).map((delivery) => delivery.headers['webhook-id'])).toEqual(sent.map((delivery) => delivery.headers['webhook-id']));

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await run(REDELIVER_SINCE, token, { input: { endpointId: endpoint.id, since: future } })).data?.redeliverWebhookEvents).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'since: must not be in the future',
    });
    const ancient = new Date(Date.now() - 31 * 86_400_000).toISOString();
    expect((await run(REDELIVER_SINCE, token, { input: { endpointId: endpoint.id, since: ancient } })).data?.redeliverWebhookEvents).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('30 days'),
    });
    const missing = Buffer.from('WebhookEndpoint:whep_missing').toString('base64');
    expect((await run(REDELIVER_SINCE, token, { input: { endpointId: missing, since: before } })).data?.redeliverWebhookEvents).toMatchObject({
      code: 'WEBHOOK_ENDPOINT_NOT_FOUND',
    });
  });

  it('refuses members and organization admins, queuing nothing, and hides the log from them', async () => {
    const endpoint = await register();
    const { eventId, delivered } = await grantDelivered(endpoint, 'dl3', 4, 'dl3-a');
    const deliveryId = delivered.deliveries.edges[0]!.node.id;
    for (const claims of [
      { sub: 'u-dl-member', role: 'member' as const, org: 'o-dl' },
      { sub: 'u-dl-admin', role: 'admin' as const, org: 'o-dl' },
    ]) {
      const token = await server.token(claims);
      expect(errorCodes(await run(REDELIVER_ONE, token, { input: { endpointId: endpoint.id, eventId } }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await run(REDELIVER_SINCE, token, { input: { endpointId: endpoint.id, since: new Date(Date.now() - 60_000).toISOString() } }))).toEqual(['FORBIDDEN']);
      expect((await run(`query ($id: ID!) { node(id: $id) { id } }`, token, { id: deliveryId })).data?.node).toBeNull();
    }
    // Nothing was queued: the one delivery still has its one attempt, and the receiver got the event once.
    expect((await log(endpoint.id)).deliveries.edges[0]!.node).toMatchObject({ status: 'DELIVERED', attemptCount: 1 });
    expect(receiver.requests.filter((delivery) => delivery.headers['webhook-id'] === eventId && endpoint.ours(delivery))).toHaveLength(1);
  });

  it('pages the log newest first with first and after, and bounds first', async () => {
    const endpoint = await register();
    for (const key of ['dl4-a', 'dl4-b', 'dl4-c']) await grant('dl4', 1, key);
    await receiver.of(undefined, 3, (delivery) => endpoint.ours(delivery) && grantOf('dl4')(delivery));
    const whole = await logWhen(endpoint.id, (current) => current.deliveries.edges.length === 3);
    // The attempts of a whole page are one query (the delivery worker, polling meanwhile, never reads them).
    const attemptQueries: string[] = [];
    const record = (operation: { collectionName: string; method: string }) => {
      if (operation.collectionName === 'webhook_attempts') attemptQueries.push(operation.method);
    };
    server.app.database.connection.on('operation-start', record);
    try {
      await log(endpoint.id);
    } finally {
      server.app.database.connection.off('operation-start', record);
    }
    expect(attemptQueries).toEqual(['find']);
    const seqs = whole.deliveries.edges.map((edge) => edge.node.event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const firstPage = await log(endpoint.id, { first: 2 });
    expect(firstPage.deliveries.edges.map((edge) => edge.node.id)).toEqual(whole.deliveries.edges.slice(0, 2).map((edge) => edge.node.id));
    expect(firstPage.deliveries.pageInfo.hasNextPage).toBe(true);
    const secondPage = await log(endpoint.id, { first: 2, after: firstPage.deliveries.pageInfo.endCursor! });
    expect(secondPage.deliveries.edges.map((edge) => edge.node.id)).toEqual([whole.deliveries.edges[2]!.node.id]);
    expect(secondPage.deliveries.pageInfo.hasNextPage).toBe(false);

    const token = await service();
    const refusal = async (page: Record<string, unknown>) =>
      (await run(DELIVERIES, token, { id: endpoint.id, ...page })).errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message]);
    expect(await refusal({ first: 101 })).toEqual([['BAD_USER_INPUT', 'first', 'first: must be 1 to 100, got 101']]);
    expect(await refusal({ first: 0 })).toEqual([['BAD_USER_INPUT', 'first', 'first: must be 1 to 100, got 0']]);
    expect(await refusal({ after: 'not-a-cursor' })).toEqual([
      ['BAD_USER_INPUT', 'after', 'after: must be a cursor from this connection (or the delivery is past retention)'],
    ]);
  });
});
