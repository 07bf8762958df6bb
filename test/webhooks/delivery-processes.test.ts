import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { useServersOnDatabaseProcess } from '../faults/servers-on-database-process.js';
import { execute } from '../graphql/client.js';
import { GrantCreditsDocument, ViewerDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { Receiver } from './receiver.js';

/**
 * Issue 15: delivery across server processes (src/main.ts on one embedded database process): of
 * two processes, one delivers each event; a process killed while an attempt is under way leaves
 * the event to the next one once its lease ends, lost by none.
 */
const LEASE_MS = 2000;
const servers = useServersOnDatabaseProcess('webhook-processes', { WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_LEASE_MS: String(LEASE_MS) });
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const serviceToken = () => signToken(loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET }).auth, { sub: 'svc:billing', role: 'service' }, '10m');

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const CREATE = parse(`mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename } }`);

async function register(url: string): Promise<void> {
  const answer = await execute<{ createWebhookEndpoint: { __typename: string } }, Record<string, unknown>>(url, CREATE, {
    token: await serviceToken(),
    variables: { input: { url: receiver.url, eventTypes: ['CREDITS_GRANTED'], description: 'processes' } },
  });
  expect(answer.data?.createWebhookEndpoint.__typename).toBe('WebhookEndpointWithSecretPayload');
}

async function topUp(url: string, sub: string, key: string): Promise<void> {
  await execute(url, ViewerDocument, { token: await servers.tokenFor(sub) });
  const input = { accountId: accountGlobalId(`user:${sub}`), meter: 'AI_CREDITS', amount: 7, reason: 'order', kind: 'TOP_UP', idempotencyKey: key } as const;
  const answer = await execute(url, GrantCreditsDocument, { token: await serviceToken(), variables: { input } });
  expect(answer.errors).toBeUndefined();
}

const ids = () => receiver.requests.map((delivery) => delivery.headers['webhook-id'] as string);
const accountOf = (body: string) => (JSON.parse(body) as { data: { accountId: string } }).data.accountId;

describe('webhook delivery across server processes (issue 15)', () => {
  it('two processes deliver each event once', async () => {
    const [first, second] = await Promise.all([servers.startServer(), servers.startServer()]);
    await register(first.graphqlUrl);
    const accounts = Array.from({ length: 12 }, (_, index) => `two-${index}`);
    // Each process writes half the events; both look at the outbox every 50 ms.
    await Promise.all(accounts.map((sub, index) => topUp(index % 2 === 0 ? first.graphqlUrl : second.graphqlUrl, sub, `${sub}-order`)));
    await receiver.of(undefined, accounts.length, (delivery) => accountOf(delivery.body).startsWith('user:two-'));
    // Time for a second delivery to show, were one to happen.
    await new Promise((resolve) => setTimeout(resolve, 4 * 50 + 500));
    const delivered = receiver.requests.filter((delivery) => accountOf(delivery.body).startsWith('user:two-'));
    expect(delivered.map((delivery) => accountOf(delivery.body)).sort()).toEqual(accounts.map((sub) => `user:${sub}`).sort());
    expect(new Set(delivered.map((delivery) => delivery.headers['webhook-id'])).size).toBe(accounts.length);
  });

  it('a process killed with SIGKILL mid-delivery leaves the event to the next process, which delivers it and the rest', async () => {
    const { server, graphqlUrl } = await servers.startServer();
    const isOurs = (body: string) => accountOf(body).startsWith('user:kill-');
    // The first attempt is never answered: the process is killed while it waits.
    let held = false;
    receiver.hold = (delivery) => isOurs(delivery.body) && !held && (held = true);
    try {
      await topUp(graphqlUrl, 'kill-0', 'kill-0-order');
      const [attempt] = await receiver.of(undefined, 1, (delivery) => isOurs(delivery.body));
      server.child.kill('SIGKILL');
      await server.exited;
      const next = await servers.startServer();
      await topUp(next.graphqlUrl, 'kill-0', 'kill-0-second-order');
      const id = attempt!.headers['webhook-id'] as string;
      // Once the dead process's lease ended, the event goes out again with its id, and the account's later one after it (seq order).
      const again = await receiver.of(id, 2);
      expect(again[1]!.body).toBe(attempt!.body);
      const delivered = await receiver.of(undefined, 3, (delivery) => isOurs(delivery.body));
      const seqOf = (body: string) => (JSON.parse(body) as { data: { seq: number } }).data.seq;
      const seqs = delivered.map((delivery) => seqOf(delivery.body));
      expect(seqs[0]).toBe(seqs[1]);
      expect(seqs[2]).toBeGreaterThan(seqs[1]!);
      expect(ids().filter((delivered) => delivered === id)).toHaveLength(2);
    } finally {
      receiver.hold = () => false;
    }
  });
});
