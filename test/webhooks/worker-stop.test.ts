import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { webhookApi } from './webhook-fixture.js';

// A receiver that accepts everything, once let go (and then 100 ms a request).
const arrivals: string[] = [];
let letGo: () => void = () => undefined;
const released = new Promise<void>((resolve) => (letGo = resolve));
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    arrivals.push(request.headers['webhook-id'] as string);
    void released.then(() => setTimeout(() => response.writeHead(200).end(), 100));
  });
});
beforeAll(() => new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe('stopping the server', () => {
  it('ends its deliveries after the attempt under way, leaving the rest of a backlog to the next process', async () => {
    const config = loadConfig({ MONGODB_URI: process.env.MONGODB_URI, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', WEBHOOK_POLL_MS: '50' });
    const app = createApp(config);
    const running: RunningApp = await app.start();
    try {
      const api = webhookApi({ url: running.graphqlUrl, token: (claims) => signToken(config.auth, claims) });
      await api.register(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, ['CREDITS_GRANTED']);
      await api.open({ sub: 'backlog' });
      for (let grant = 0; grant < 6; grant += 1) await api.grant('user:backlog', 1, `backlog-${grant}`);
      // The first attempt is under way, and all six are routed to the endpoint.
      const deliveries = running.database.connection.collection('webhook_deliveries');
      while (arrivals.length === 0 || (await deliveries.countDocuments({ accountId: 'user:backlog' })) < 6) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      const stopped = app.stop();
      letGo();
      await stopped;
    }
    // The stop waited for the attempt under way only; the other five are the next process's.
    expect(arrivals).toHaveLength(1);
  });
});
