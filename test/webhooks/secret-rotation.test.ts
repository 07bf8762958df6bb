import { parse } from 'graphql';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIOUS_SECRET_GRACE_SECONDS } from '../../src/webhooks/endpoint-service.js';
import { execute } from '../graphql/client.js';
import { useTestServer } from '../graphql/test-server.js';
import { Receiver, signedFor, type Delivery } from './receiver.js';
import { webhookApi } from './webhook-fixture.js';

// The app's clock, moved past a grace period by the last test (deliveries are still timestamped in real time);
// a refused delivery retried a second later.
let clockAhead = 0;
const server = useTestServer({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s' }, now: () => new Date(Date.now() + clockAhead) });
const api = webhookApi(server);

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const ROTATE = parse(`mutation ($input: RotateWebhookEndpointSecretInput!) {
  rotateWebhookEndpointSecret(input: $input) { __typename ... on WebhookEndpointWithSecretPayload { signingSecret } ... on Error { code } }
}`);
type Rotated = { rotateWebhookEndpointSecret: { __typename: string; signingSecret?: string } };

async function rotate(id: string, previousSecretValidForSeconds?: number): Promise<Webhook> {
  const input = { id, ...(previousSecretValidForSeconds === undefined ? {} : { previousSecretValidForSeconds }) };
  const answer = await execute<Rotated, Record<string, unknown>>(server.url, ROTATE, { token: await api.service(), variables: { input } });
  const rotated = answer.data?.rotateWebhookEndpointSecret;
  expect(rotated?.__typename, JSON.stringify(answer)).toBe('WebhookEndpointWithSecretPayload');
  return new Webhook(rotated!.signingSecret!);
}

const isFor = (sub: string) => (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === `user:${sub}`;

/** The delivery of the top-up of user `sub` to the endpoint whose secret is now `current` (every endpoint here gets every top-up). */
const deliveryFor = async (sub: string, current: Webhook): Promise<Delivery> => {
  const [delivery] = await receiver.of(undefined, 1, (candidate) => isFor(sub)(candidate) && signedFor(current)(candidate));
  return delivery!;
};

describe('rotating a webhook endpoint secret', () => {
  it('signs deliveries with the new secret and the previous one for a day, a retry of an event recorded before the rotation too', async () => {
    const endpoint = await api.register(receiver.url, ['CREDITS_GRANTED'], 'rotation');
    let rotated: Webhook | undefined;
    // Refused until it comes signed with the new secret: the event's attempts before the rotation fail.
    receiver.refuse = (delivery) => isFor('rot1')(delivery) && signedFor(endpoint.webhook)(delivery) && !(rotated && signedFor(rotated)(delivery));
    try {
      await api.topUp('rot1', 10, 'rot1-order');
      const [refused] = await receiver.of(undefined, 1, (delivery) => isFor('rot1')(delivery) && signedFor(endpoint.webhook)(delivery));
      expect(refused!.headers['webhook-signature']).not.toContain(' ');
      rotated = await rotate(endpoint.id);
      const delivery = await deliveryFor('rot1', rotated);
      expect(delivery.headers['webhook-id']).toBe(refused!.headers['webhook-id']);
      expect(delivery.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
      expect(signedFor(endpoint.webhook)(delivery)).toBe(true);
    } finally {
      receiver.refuse = () => false;
    }
  });

  it('signs with the new secret only when the rotation keeps no grace (a leaked secret)', async () => {
    const endpoint = await api.register(receiver.url, ['CREDITS_GRANTED'], 'rotation');
    const rotated = await rotate(endpoint.id, 0);
    await api.topUp('rot2', 10, 'rot2-order');
    const delivery = await deliveryFor('rot2', rotated);
    expect(signedFor(endpoint.webhook)(delivery)).toBe(false);
  });

  it('signs with the new secret only once the grace period has passed', async () => {
    const endpoint = await api.register(receiver.url, ['CREDITS_GRANTED'], 'rotation');
    const rotated = await rotate(endpoint.id);
    clockAhead = (PREVIOUS_SECRET_GRACE_SECONDS + 60) * 1000;
    await api.topUp('rot3', 10, 'rot3-order');
    const delivery = await deliveryFor('rot3', rotated);
    expect(delivery.headers['webhook-signature']).not.toContain(' ');
    expect(signedFor(endpoint.webhook)(delivery)).toBe(false);
  });
});
