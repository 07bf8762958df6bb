import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../graphql/test-server.js';
import { Receiver, signedFor, type Delivery } from './receiver.js';
import { webhookApi } from './webhook-fixture.js';

// An attempt may take a minute: a receiver that never answers keeps its stream busy that long.
const server = useTestServer({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_MS: '120000' } });
const api = webhookApi(server);

const slow = new Receiver();
const fast = new Receiver();
beforeAll(() => Promise.all([slow.start(), fast.start()]));
afterAll(() => Promise.all([slow.stop(), fast.stop()]));

const isFor = (sub: string) => (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === `user:${sub}`;

describe('a slow endpoint', () => {
  it('holds its own stream only: events routed after its attempt began reach another endpoint while it is still waiting', async () => {
    const stuck = await api.register(slow.url, ['CREDITS_GRANTED']);
    const healthy = await api.register(fast.url, ['CREDITS_GRANTED']);
    slow.hold = () => true;
    await api.topUp('slow-acct', 1, 'slow-1');
    // Its first attempt is under way, unanswered.
    await slow.of(undefined, 1, (delivery) => signedFor(stuck.webhook)(delivery) && isFor('slow-acct')(delivery));

    await api.topUp('fast-acct', 1, 'fast-1');
    const [delivered] = await fast.of(undefined, 1, (delivery) => signedFor(healthy.webhook)(delivery) && isFor('fast-acct')(delivery));
    expect(delivered).toBeDefined();
    // The slow endpoint still has only its one unanswered attempt.
    expect(slow.requests.filter(isFor('slow-acct'))).toHaveLength(1);
  });
});
