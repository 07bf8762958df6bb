import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { refusedAddress, type Lookup } from './destination-policy.js';
import { sendWebhook, type SendOptions } from './http-sender.js';
import { newSigningSecret } from './signing-secret.js';

type Received = { readonly url: string; readonly headers: IncomingHttpHeaders; readonly body: string };

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real HTTP server on a free port of `host`, answering with `handler` once it has read each request. */
async function startReceiver(handler: (request: IncomingMessage, response: ServerResponse) => void, host = '127.0.0.1') {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(request, response);
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    // A receiver that never answers must not keep the test's server from closing.
    server.once('close', () => socket.destroy());
  });
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { origin: `http://${host}:${port}`, port, received, connections: () => connections, server };
}

const answer =
  (status: number, body = '', headers: Record<string, string> = {}) =>
  (_request: IncomingMessage, response: ServerResponse) =>
    response.writeHead(status, headers).end(body);

const resolvesTo =
  (...addresses: string[]): Lookup =>
  async () =>
    addresses.map((address) => ({ address }));

const secret = newSigningSecret();
const body = JSON.stringify({ type: 'credits.exhausted', data: { accountId: 'acct_1' } });
const event = (url: string) => ({ url, secrets: [secret], eventId: 'evt_1', timestamp: new Date(), body });
const options = (overrides: Partial<SendOptions> = {}): SendOptions => ({ allowPrivate: true, timeoutMs: 5_000, maxResponseBytes: 64 * 1024, maxRedirects: 0, ...overrides });

/** Verifies the way a receiver does, with the Standard Webhooks library (which also wants a recent timestamp). */
const verifies = (received: Received) => new Webhook(secret).verify(received.body, received.headers as Record<string, string>) !== undefined;

describe('sendWebhook', () => {
  it('POSTs the body as JSON with Standard Webhooks headers a receiver verifies, and is ok on a 2xx', async () => {
    const receiver = await startReceiver(answer(200, 'thanks'));
    const request = event(`${receiver.origin}/hooks?token=abc`);
    const result = await sendWebhook(request, options());
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null, responseSnippet: 'thanks' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const [received] = receiver.received;
    expect(received).toMatchObject({ url: '/hooks?token=abc', body });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^creditstream-webhooks\/\d+\.\d+\.\d+$/),
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(Math.floor(request.timestamp.getTime() / 1000)),
    });
    expect(verifies(received!)).toBe(true);
    expect(() => new Webhook(newSigningSecret()).verify(received!.body, received!.headers as Record<string, string>)).toThrow();
  });

  it('signs with every secret in force, so that a receiver verifies with the previous secret as well as the new one', async () => {
    const receiver = await startReceiver(answer(200));
    const previous = newSigningSecret();
    expect(await sendWebhook({ ...event(`${receiver.origin}/hooks`), secrets: [secret, previous] }, options())).toMatchObject({ ok: true });
    const [received] = receiver.received;
    const headers = received!.headers as Record<string, string>;
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    for (const key of [secret, previous]) expect(new Webhook(key).verify(received!.body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(received!.body, headers)).toThrow();
  });

  it('is not ok on a non-2xx, with its status and the start of its body', async () => {
    const receiver = await startReceiver(answer(500, 'x'.repeat(5000)));
    const result = await sendWebhook(event(receiver.origin), options());
    expect(result).toMatchObject({ ok: false, statusCode: 500, error: null });
    expect(result.responseSnippet).toBe('x'.repeat(1024));
  });

  it('answers CONNECTION_REFUSED when nothing listens', async () => {
    const receiver = await startReceiver(answer(200));
    await new Promise((resolve) => receiver.server.close(resolve));
    const result = await sendWebhook(event(receiver.origin), options());
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'CONNECTION_REFUSED' });
  });

  it('answers TIMEOUT when the receiver never answers within the deadline', async () => {
    const receiver = await startReceiver(() => {});
    const result = await sendWebhook(event(receiver.origin), options({ timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'TIMEOUT' });
    expect(receiver.received).toHaveLength(1);
  });

  it('stops reading a body longer than maxResponseBytes, and the status still decides', async () => {
    let closed: Promise<unknown> = new Promise(() => {});
    const chunk = Buffer.alloc(16 * 1024, 'y');
    const receiver = await startReceiver((_request, response) => {
      closed = once(response, 'close');
      response.on('error', () => {});
      response.writeHead(200);
      // An endless body: only the sender closing the connection ends it (the deadline is a minute away).
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const result = await sendWebhook(event(receiver.origin), options({ timeoutMs: 60_000, maxResponseBytes: 4096 }));
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null, detail: 'response body longer than 4096 bytes: not read further' });
    expect(result.responseSnippet).toBe('y'.repeat(1024));
    await closed;
  });

  it('is ok on a 2xx whose body does not finish within the deadline: the receiver has the event', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200);
      response.write('partial');
    });
    const result = await sendWebhook(event(receiver.origin), options({ timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null, detail: 'response body not finished within 300 ms', responseSnippet: 'partial' });
  });

  it('answers RESPONSE_TOO_LARGE for headers too large to read', async () => {
    const server = createTcpServer((socket) => {
      socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nx-padding: ${'p'.repeat(20_000)}\r\ncontent-length: 0\r\n\r\n`));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const result = await sendWebhook(event(`http://127.0.0.1:${port}/`), options());
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'RESPONSE_TOO_LARGE' });
  });

  it('connects to the address it resolved once, with the host name in Host', async () => {
    const receiver = await startReceiver(answer(204));
    let lookups = 0;
    const lookup: Lookup = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1' }];
    };
    const result = await sendWebhook(event(`http://hooks.test:${receiver.port}/in`), options({ lookup }));
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(receiver.received[0]!.headers.host).toBe(`hooks.test:${receiver.port}`);
    expect(lookups).toBe(1);
  });

  it('over https, names the host in TLS SNI while connecting to the resolved address', async () => {
    const serverNames: string[] = [];
    // No certificate: the server reads the name the client asks for, then ends the handshake.
    const server = createTlsServer({
      SNICallback: (serverName, callback) => {
        serverNames.push(serverName);
        callback(new Error('no certificate here'));
      },
    });
    server.on('tlsClientError', () => {});
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const result = await sendWebhook(event(`https://hooks.test:${port}/in`), options({ lookup: resolvesTo('127.0.0.1') }));
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'CONNECTION_FAILED' });
    expect(serverNames).toEqual(['hooks.test']);
  });
});

describe('sendWebhook redirects', () => {
  /** The second hop listens on 127.0.0.2 (loopback too, on Linux), so the policy can tell the hops apart. */
  const redirecting = async (status: number) => {
    const target = await startReceiver(answer(204), '127.0.0.2');
    const first = await startReceiver((request, response) => {
      if (request.url === '/first') response.writeHead(308, { location: '/second' }).end();
      else response.writeHead(status, { location: `${target.origin}/final` }).end('moved');
    });
    return { first, target, url: `${first.origin}/first` };
  };

  it('follows 307 and 308 up to maxRedirects, repeating the POST with the same signed body', async () => {
    const { first, target, url } = await redirecting(307);
    const result = await sendWebhook(event(url), options({ maxRedirects: 2 }));
    expect(result).toMatchObject({ ok: true, statusCode: 204, error: null });
    expect(first.received.map((request) => request.url)).toEqual(['/first', '/second']);
    const [request] = target.received;
    expect(request).toMatchObject({ url: '/final', body });
    expect(request!.headers.host).toBe(`127.0.0.2:${target.port}`);
    expect(verifies(request!)).toBe(true);
  });

  it('refuses a redirect beyond maxRedirects (0 by default), with the redirect status', async () => {
    const { target, url } = await redirecting(307);
    expect(await sendWebhook(event(url), options({ maxRedirects: 1 }))).toMatchObject({ ok: false, statusCode: 307, error: 'TOO_MANY_REDIRECTS', responseSnippet: 'moved' });
    expect(await sendWebhook(event(url), options())).toMatchObject({ ok: false, statusCode: 308, error: 'TOO_MANY_REDIRECTS' });
    expect(target.connections()).toBe(0);
  });

  it.each([301, 302, 303])('does not follow a %i, which would turn the POST into a GET', async (status) => {
    const { target, url } = await redirecting(status);
    expect(await sendWebhook(event(url), options({ maxRedirects: 5 }))).toMatchObject({ ok: false, statusCode: status, error: 'INVALID_REDIRECT' });
    expect(target.connections()).toBe(0);
  });

  it('refuses a redirect to a URL that is not http(s)', async () => {
    const receiver = await startReceiver(answer(307, '', { location: 'ftp://files.example.com/in' }));
    expect(await sendWebhook(event(receiver.origin), options({ maxRedirects: 1 }))).toMatchObject({
      ok: false,
      statusCode: 307,
      error: 'INVALID_REDIRECT',
      detail: '307 to UNSUPPORTED_SCHEME',
    });
  });
});

describe('sendWebhook and the destination policy', () => {
  it('refuses a loopback address, literal or resolved, without connecting', async () => {
    const receiver = await startReceiver(answer(200));
    expect(await sendWebhook(event(receiver.origin), options({ allowPrivate: false }))).toMatchObject({ ok: false, statusCode: null, error: 'DESTINATION_REFUSED', detail: '127.0.0.1: LOOPBACK' });
    const lookup = resolvesTo('127.0.0.1');
    expect(await sendWebhook(event(`http://hooks.test:${receiver.port}/`), options({ allowPrivate: false, lookup }))).toMatchObject({ error: 'DESTINATION_REFUSED' });
    expect(receiver.connections()).toBe(0);
  });

  it('refuses a host name when any address it resolves to is private', async () => {
    for (const lookup of [resolvesTo('10.0.0.1'), resolvesTo('93.184.216.34', '10.0.0.1')]) {
      expect(await sendWebhook(event('https://internal.example.com/in'), options({ allowPrivate: false, lookup }))).toMatchObject({
        ok: false,
        error: 'DESTINATION_REFUSED',
        detail: 'internal.example.com: PRIVATE',
      });
    }
    expect(await sendWebhook(event('https://nowhere.example.com/in'), options({ allowPrivate: false, lookup: resolvesTo() }))).toMatchObject({ error: 'CONNECTION_FAILED' });
  });

  it('checks a redirect target again: a redirect to a refused address is not followed', async () => {
    const target = await startReceiver(answer(204), '127.0.0.2');
    const first = await startReceiver(answer(307, '', { location: `${target.origin}/` }));
    // The first hop's 127.0.0.1 stands for a public address; 127.0.0.2 is refused as loopback.
    const refused = (address: string) => (address === '127.0.0.1' ? undefined : refusedAddress(address));
    const result = await sendWebhook(event(first.origin), options({ allowPrivate: false, refusedAddress: refused, maxRedirects: 1 }));
    expect(result).toMatchObject({ ok: false, statusCode: 307, error: 'DESTINATION_REFUSED', detail: '127.0.0.2: LOOPBACK' });
    expect(first.received).toHaveLength(1);
    expect(target.connections()).toBe(0);
  });

  it('resolves once: a DNS answer that turns to loopback after the check is never connected to', async () => {
    const receiver = await startReceiver(answer(200));
    const answers = ['192.0.2.1', '127.0.0.1'];
    let lookups = 0;
    const rebinding: Lookup = async () => [{ address: answers[Math.min(lookups++, 1)]! }];
    const result = await sendWebhook(event(`http://rebind.test:${receiver.port}/`), options({ allowPrivate: false, lookup: rebinding, timeoutMs: 300 }));
    // 192.0.2.1 (TEST-NET-1) leads nowhere: refused, unreachable or silent, depending on the network.
    expect(result.ok).toBe(false);
    expect(lookups).toBe(1);
    expect(receiver.connections()).toBe(0);
  });
});
