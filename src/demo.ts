import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken } from './auth/index.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** Where `npm run demo:build` writes the live usage card (`demo/dist`, gitignored). */
export const DEMO_DIST = fileURLToPath(new URL('../demo/dist', import.meta.url));

/** The account the development token of `GET /demo/token` names: an admin of a demo organization. */
export const DEMO_CLAIMS = { sub: 'demo-user', org: 'demo-org', role: 'admin' } as const;

/** How long a demo token lives, and the longest `?ttl=` may ask for: an hour. */
const DEMO_TOKEN_TTL_SECONDS = 3600;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

export type DemoHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * The live usage card demo, one of the development conveniences (`config.developmentConveniences`,
 * see config.ts): `/demo` serves the built page from `root` (when it was built), and
 * `GET /demo/token` mints a one-hour token (at most JWT_MAX_TTL_SECONDS) for `DEMO_CLAIMS` when
 * `config.demoTokens` allows it (never signed with a configured JWT_SECRET unless
 * DEMO_TOKENS=true), 404 otherwise; `?ttl=N` asks for one that lives N seconds, no longer (to
 * watch a session expire, as the browser test does), 400 for anything else. Answers
 * `false` for anything it does not serve (and for everything without the conveniences), which
 * then goes to the GraphQL server.
 */
export function createDemoHandler({ config, logger, root = DEMO_DIST }: { config: Config; logger: Logger; root?: string }): DemoHandler {
  if (!config.developmentConveniences) return async () => false;
  const base = resolve(root);
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const { pathname } = url;
    if (pathname !== '/demo' && !pathname.startsWith('/demo/')) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;

    if (pathname === '/demo/token') {
      if (!config.demoTokens) return send(response, 404, 'text/plain; charset=utf-8', noDemoToken(config));
      const longest = Math.min(DEMO_TOKEN_TTL_SECONDS, config.auth.maxLifetimeSeconds);
      const ttl = url.searchParams.get('ttl') ?? String(longest);
      if (!/^[1-9][0-9]{0,6}$/.test(ttl) || Number(ttl) > longest) {
        return send(response, 400, 'text/plain; charset=utf-8', `ttl must be a whole number of seconds from 1 to ${longest}.\n`);
      }
      const token = await signToken(config.auth, DEMO_CLAIMS, `${ttl}s`);
      response.setHeader('cache-control', 'no-store');
      return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({ token }));
    }

    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice('/demo'.length));
    } catch {
      return send(response, 400, 'text/plain; charset=utf-8', 'Bad request\n');
    }
    if (relative === '' || relative === '/') relative = '/index.html';
    const file = resolve(base, `.${relative}`);
    // No directory traversal: the file must be inside the built demo (and no NUL bytes).
    if (relative.includes('\0') || !file.startsWith(base + sep)) return send(response, 404, 'text/plain; charset=utf-8', 'Not found\n');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      const hint = relative === '/index.html' ? 'The demo is not built: run `npm run demo:build`.\n' : 'Not found\n';
      return send(response, 404, 'text/plain; charset=utf-8', hint);
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'x-content-type-options': 'nosniff',
      // Vite fingerprints the assets; the page itself is always fetched again.
      'cache-control': relative.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (request.method === 'HEAD') {
      response.end();
      return true;
    }
    await new Promise<void>((done) => {
      createReadStream(file)
        .on('error', (error) => {
          logger.warn(`demo: ${error.message}`);
          response.destroy(error);
          done();
        })
        .on('end', done)
        .pipe(response);
    });
    return true;
  };
}

function noDemoToken(config: Config): string {
  if (config.auth.kind !== 'secret') return 'No demo token: tokens come from the identity provider.\n';
  if (!config.auth.developmentSecret) return 'No demo token: JWT_SECRET is set, and demo tokens are signed with it only when DEMO_TOKENS=true.\n';
  return 'No demo token: DEMO_TOKENS=false.\n';
}

function send(response: ServerResponse, status: number, contentType: string, body: string): true {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
  response.end(body);
  return true;
}
