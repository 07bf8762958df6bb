import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { useTestServer } from '../graphql/test-server.js';
import { Receiver, signedFor, type Delivery } from './receiver.js';
import { webhookApi } from './webhook-fixture.js';

// Retries a second apart, the outbox looked at every 50 ms: the test waits seconds, not hours.
const server = useTestServer({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });
const api = webhookApi(server);

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const register = async (eventTypes: string[]) => (await api.register(receiver.url, eventTypes, 'delivery test')).webhook;

const isFor = (sub: string) => (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === `user:${sub}`;
describe('webhook delivery', () => {
  it('delivers a top-up as credits.granted, signed so that standardwebhooks verifies it, with the figures a backend needs', async () => {
    const webhook = await register(['CREDITS_GRANTED']);
    await api.topUp('wh1', 120, 'wh1-order');
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
      await api.topUp('wh2', 5, 'wh2-order');
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
