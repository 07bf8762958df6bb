import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import { createDemoHandler } from '../src/demo.js';
import { createLogger } from '../src/logger.js';

const logger = createLogger('silent');

async function serve(environment: 'development' | 'production', root: string): Promise<{ server: Server; url: string }> {
  const config = loadConfig(
    environment === 'production'
      ? { NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:1/x', JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' }
      : { NODE_ENV: 'development', LOG_LEVEL: 'silent' },
  );
  const demo = createDemoHandler({ config, logger, root });
  const server = createServer((request, response) => {
    void demo(request, response).then((handled) => {
      if (!handled) response.writeHead(404, { 'x-fallthrough': '1' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the /demo handler', () => {
  let root: string;
  let development: { server: Server; url: string };
  let production: { server: Server; url: string };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-demo-'));
    root = join(dir, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>card</title>');
    await writeFile(join(root, 'assets', 'main.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'main.css'), 'body{}');
    await writeFile(join(dir, 'secret.txt'), 'outside the demo');
    development = await serve('development', root);
    production = await serve('production', root);
  });
  afterAll(async () => {
    await new Promise((resolve) => development.server.close(resolve));
    await new Promise((resolve) => production.server.close(resolve));
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('serves the built page and its assets with their content types', async () => {
    for (const path of ['/demo', '/demo/', '/demo?token=abc']) {
      const page = await fetch(`${development.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<title>card</title>');
    }
    const script = await fetch(`${development.url}/demo/assets/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${development.url}/demo/assets/main.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${development.url}/demo/assets/none.js`)).status).toBe(404);
  });

  it('never serves a file outside the built demo', async () => {
    for (const path of ['/demo/../secret.txt', '/demo/%2e%2e/secret.txt', '/demo/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/demo/..%5csecret.txt', '/demo/%00']) {
      const response = await fetch(`${development.url}${path}`);
      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toContain('outside the demo');
    }
  });

  it('mints a demo admin token in development', async () => {
    const response = await fetch(`${development.url}/demo/token`);
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const authenticate = createAuthenticator(loadConfig({ NODE_ENV: 'test' }).auth);
    await expect(authenticate(token)).resolves.toMatchObject({ ok: true, viewer: { userId: 'demo-user', organizationId: 'demo-org', role: 'admin' } });
  });

  it('mints a shorter-lived demo token for ?ttl= in seconds, up to the hour, and refuses anything else', async () => {
    const response = await fetch(`${development.url}/demo/token?ttl=2`);
    expect(response.status).toBe(200);
    const { exp, iat } = decodeJwt(((await response.json()) as { token: string }).token);
    expect(exp! - iat!).toBe(2);
    expect(decodeJwt(((await (await fetch(`${development.url}/demo/token?ttl=3600`)).json()) as { token: string }).token)).toMatchObject({ sub: 'demo-user' });
    for (const ttl of ['0', '-5', '3601', '1.5', '1e3', 'abc', '', '99999999999']) {
      const refused = await fetch(`${development.url}/demo/token?ttl=${encodeURIComponent(ttl)}`);
      expect(refused.status, ttl).toBe(400);
      expect(await refused.text()).toBe('ttl must be a whole number of seconds from 1 to 3600.\n');
    }
  });

  it('serves nothing in production: no page and no token', async () => {
    for (const path of ['/demo', '/demo/', '/demo/token', '/demo/assets/main.js']) {
      const response = await fetch(`${production.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-fallthrough')).toBe('1');
    }
  });
});
