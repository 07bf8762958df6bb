import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** Headers a proxy adds: a request that carries one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `GET /metrics`, the registries' metrics in Prometheus's text format. With a token (METRICS_TOKEN), only for
 * a request that sends it as `Authorization: Bearer <token>` (401 otherwise); without, only for a
 * client on the loopback interface that no proxy forwarded (403 otherwise), so a server bound to
 * 0.0.0.0 does not publish its figures by default. Answers `false` for any other path.
 */
export function metricsEndpoint(registries: readonly Registry[], token: string | undefined) {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  const refusal = (request: IncomingMessage): { status: number; message: string; headers?: Record<string, string> } | undefined => {
    if (expected) {
      // Compared as digests, in constant time: neither the token's length nor its bytes leak.
      const given = request.headers.authorization;
      if (given !== undefined && timingSafeEqual(digest(given), expected)) return undefined;
      return { status: 401, message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.\n', headers: { 'www-authenticate': 'Bearer' } };
    }
    if (isLoopback(request.socket.remoteAddress) && !FORWARDING_HEADERS.some((header) => header in request.headers)) return undefined;
    return { status: 403, message: 'Metrics are served to loopback clients only: set METRICS_TOKEN to scrape from elsewhere.\n' };
  };

  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if ((request.url ?? '/').split('?', 1)[0] !== METRICS_PATH) return false;
    const refused = refusal(request);
    if (refused) {
      response.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8', ...refused.headers }).end(refused.message);
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    } else {
      // Merged at each scrape: metrics are registered as the app starts (yoga's when its plugins initialize).
      const registry = Registry.merge([...registries]);
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
        (error: unknown) => response.destroy(error as Error),
      );
    }
    return true;
  };
}
