import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { inLogScope, type Logger } from './logger.js';

/** A request id a client or proxy sent that is safe to log and echo: a short token, no spaces or control characters. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Gives each request an id, the client's `x-request-id` when it is a sane bounded token and a new
 * one otherwise, echoes it in the response's `x-request-id`, and runs `next` in its log scope, so
 * every line logged while serving it carries it. One line at `info` says how the request ended.
 */
export function withRequestLog(logger: Logger, next: RequestListener): RequestListener {
  return (request, response) => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    const started = performance.now();
    inLogScope({ requestId }, () => {
      // Bound to the request's scope: the response's events fire outside it.
      response.once(
        'close',
        AsyncResource.bind(() => {
          const path = (request.url ?? '/').split('?', 1)[0];
          const durationMs = Math.round(performance.now() - started);
          logger.info({ method: request.method, path, status: response.statusCode, durationMs, finished: response.writableFinished }, 'request');
        }),
      );
      next(request, response);
    });
  };
}
