import { parse } from 'graphql';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../graphql/client.js';
import { GrantCreditsDocument, ViewerDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { useTestServer } from '../graphql/test-server.js';
import { resultOf } from '../graphql/write-fixture.js';
import { Receiver, signedFor, type Delivery } from './receiver.js';

// Retries a second apart, the outbox looked at every 50 ms: the test waits seconds, not hours.
const server = useTestServer({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });
const service = () => server.token({ sub: 'svc:billing', role: 'service' });

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const CREATE = parse(`mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecretPayload { signingSecret endpoint { id } } }
}`);

async function register(eventTypes: string[]): Promise<Webhook> {
  const answer = await execute<{ createWebhookEndpoint: { signingSecret: string } }, Record<string, unknown>>(server.url, CREATE, {
    token: await service(),
    variables: { input: { url: receiver.url, eventTypes, description: 'delivery test' } },
  });
  return new Webhook(answer.data!.createWebhookEndpoint.signingSecret);
}

async function topUp(sub: string, amount: number, key: string): Promise<void> {
  await execute(server.url, ViewerDocument, { token: await server.token({ sub }) });
  const input = { accountId: accountGlobalId(`user:${sub}`), meter: 'AI_CREDITS', amount, reason: 'order', kind: 'TOP_UP', idempotencyKey: key } as const;
  await resultOf(server.url, GrantCreditsDocument, await service(), { input });
}

const isFor = (sub: string) => (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === `user:${sub}`;
describe('webhook delivery', () => {
  it('delivers a top-up as credits.granted, signed so that standardwebhooks verifies it, with the figures a backend needs', async () => {
    const webhook = await register(['CREDITS_GRANTED']);
    await topUp('wh1', 120, 'wh1-order');
    const [delivery] = await receiver.of(undefined, 1, isFor('wh1'));
    const event = webhook.verify(delivery!.body, delivery!.headers as Record<string, string>) as { id: string; type: string; data: Record<string, unknown> };
    expect(event.type).toBe('credits.granted');
    expect(delivery!.headers['webhook-id']).toBe(event.id);
    expect(event.data).toMatchObject({ accountId: 'user:wh1', account: accountGlobalId('user:wh1'), meter: 'AI_CREDITS', credits: 120, grantKind: 'TOP_UP', available: 170 });
    expect(typeof event.data.seq).toBe('number');
    // Tampered with, it does not verify.
    expect(() => webhook.verify(delivery!.body.replace('120', '999'), delivery!.headers as Record<string, string>)).toThrow();
  });

  it('retries a delivery the receiver refused (500) within seconds, with the same id, until it answers 200', async () => {
    const webhook = await register(['CREDITS_GRANTED']);
    let refusals = 1;
    // The other endpoints on this receiver are answered 200: only this one's first attempt is refused.
    receiver.refuse = (delivery) => signedFor(webhook)(delivery) && refusals-- > 0;
    try {
      await topUp('wh2', 5, 'wh2-order');
      const ours = (delivery: Delivery) => isFor('wh2')(delivery) && signedFor(webhook)(delivery);
      const [first] = await receiver.of(undefined, 1, ours);
      const id = first!.headers['webhook-id'] as string;
      const attempts = await receiver.of(id, 2, ours);
      expect(attempts.map((attempt) => attempt.body)).toEqual([first!.body, first!.body]);
      // Each attempt is signed anew, at its own time.
      expect(attempts[1]!.headers['webhook-timestamp']).not.toBeUndefined();
    } finally {
      receiver.refuse = () => false;
    }
  });
});
