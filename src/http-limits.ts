import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, RequestListener, ServerOptions, ServerResponse } from 'node:http';
import type { Config } from './config.js';

/** How often Node looks for requests past their time: a timeout is enforced at most this late (Node's default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 500;

/**
 * The HTTP server's limits on slow clients: a request, headers included, must arrive within
 * `requestTimeoutMs` (its headers within `headersTimeoutMs`), or Node answers 408 and closes the
 * connection. Without them a body sent a byte at a time kept a connection for Node's 300 s.
 */
export function slowClientLimits(http: Config['http']): ServerOptions {
  return { requestTimeout: http.requestTimeoutMs, headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
}

function refuseTooLarge(response: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({ errors: [{ message: `The request body is larger than ${maxBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  // The rest of the body is never read: the connection closes once the answer is out.
  response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(body);
}

/**
 * Reads each request's body before `next` sees it, refusing one over `maxBytes` with HTTP 413: at
 * once when its Content-Length says so, as soon as that much has come when it is chunked. `next`
 * gets the body as `request.body`, which yoga's server adapter takes instead of the stream.
 */
export function withBodyLimit(maxBytes: number, next: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) return refuseTooLarge(response, maxBytes);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) return void chunks.push(chunk);
      request.off('data', onData).off('end', onEnd).pause();
      refuseTooLarge(response, maxBytes);
    };
    // Bound to the caller's async context (the request's log scope): the request's events fire outside it.
    const onEnd = AsyncResource.bind(() => {
      if (received > 0) Object.assign(request, { body: Buffer.concat(chunks, received) });
      next(request, response);
    });
    // A client that goes away mid-body (or is cut off by the request timeout) gets no answer.
    request.on('data', onData).on('end', onEnd).on('error', () => request.off('end', onEnd));
  };
}
