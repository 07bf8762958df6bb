import type { IncomingMessage, ServerResponse } from 'node:http';
import { RETRY_AFTER_SECONDS } from './graphql/errors.js';

const SHUTTING_DOWN = JSON.stringify({ errors: [{ message: 'The server is shutting down: send the request again.', extensions: { code: 'UNAVAILABLE' } }] });

/**
 * The HTTP requests being answered, so that stopping lets them finish (a mutation in flight is
 * answered, not cut off) while nothing new starts. Subscriptions over server-sent events never
 * finish by themselves and are not waited for: closing their connections ends them.
 */
export function inFlightRequests() {
  const answering = new Set<ServerResponse>();
  let draining = false;
  let drained: (() => void) | undefined;

  return {
    /** Whether to answer `request`: once stopping has begun it is answered 503 here instead, and its connection closed. */
    admit(request: IncomingMessage, response: ServerResponse): boolean {
      if (draining) {
        response.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': String(RETRY_AFTER_SECONDS) }).end(SHUTTING_DOWN);
        return false;
      }
      if (request.headers.accept?.includes('text/event-stream')) return true;
      answering.add(response);
      response.once('close', () => {
        answering.delete(response);
        if (answering.size === 0) drained?.();
      });
      return true;
    },

    /** Refuses what comes next, and resolves once the requests being answered are, or after `graceMs` at the latest. */
    async drain(graceMs: number): Promise<void> {
      draining = true;
      // Their connections close after the answer, rather than wait for a request that would be refused.
      for (const response of answering) if (!response.headersSent) response.setHeader('connection', 'close');
      if (answering.size === 0) return;
      await new Promise<void>((resolve) => {
        drained = resolve;
        setTimeout(resolve, graceMs).unref();
      });
    },
  };
}
