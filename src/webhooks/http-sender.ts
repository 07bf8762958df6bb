import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import packageJson from '../../package.json' with { type: 'json' };
import { parseWebhookUrl, resolveDestination, type DestinationRefusal, type Lookup } from './destination-policy.js';
import { signatureHeader } from './signing-secret.js';

const USER_AGENT = `creditstream-webhooks/${packageJson.version}`;

/** As much of a receiver's answer as the delivery log keeps: enough to read an error page's message. */
const SNIPPET_BYTES = 1024;

/** An error's message is kept this short in `detail`. */
const MAX_DETAIL_LENGTH = 200;

export type DeliveryError =
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_FAILED'
  | 'DESTINATION_REFUSED'
  | 'TOO_MANY_REDIRECTS'
  | 'RESPONSE_TOO_LARGE'
  | 'INVALID_REDIRECT';

/**
 * One attempt to deliver: `ok` when the receiver answered 2xx. `statusCode` is the last status
 * received (a redirect's when the redirect was not followed), null when none came. `error` says
 * what went wrong besides a non-2xx status; `detail` says more, without the URL (its path or query
 * may hold the receiver's token) or the secret.
 */
export type DeliveryAttemptResult = {
  readonly ok: boolean;
  readonly statusCode: number | null;
  /** From the start to the outcome: resolving, connecting and every redirect included. */
  readonly latencyMs: number;
  readonly error: DeliveryError | null;
  readonly detail?: string;
  /** The first bytes of the response body (at most 1 KiB), for the delivery log. */
  readonly responseSnippet?: string;
};

/** `secrets`: those in force, newest first; the delivery carries one signature for each. */
export type WebhookRequest = { readonly url: string; readonly secrets: readonly string[]; readonly eventId: string; readonly timestamp: Date; readonly body: string };

export type SendOptions = {
  /** WEBHOOK_ALLOW_PRIVATE: whether loopback, private and link-local addresses may be reached. */
  readonly allowPrivate: boolean;
  /** One deadline for resolving, connecting, sending and receiving the status, over every redirect. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  /** How host names are resolved (the system's DNS unless given). */
  readonly lookup?: Lookup;
  /** Why one address is refused when private ones are not allowed (`refusedAddress` unless given; a test seam). */
  readonly refusedAddress?: (address: string) => DestinationRefusal | undefined;
};

/** What one HTTP exchange came to: a response (its body read within the bounds) or no response at all. */
type Exchange =
  | { readonly kind: 'response'; readonly statusCode: number; readonly location: string | undefined; readonly snippet: string; readonly detail?: string }
  | { readonly kind: 'failure'; readonly error: DeliveryError; readonly detail: string };

/**
 * POSTs a signed event to a webhook endpoint, the Standard Webhooks way: `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature` (a signature for each secret in force) headers. Never throws: every failure is a result.
 *
 * The host is resolved once per hop, its addresses checked against the destination policy, and the
 * connection made to the checked address (the host name still in `Host` and TLS SNI), so a DNS
 * answer that changes between the check and the connection (DNS rebinding) cannot reach a private address.
 *
 * The status decides: a 2xx whose body is longer than `maxResponseBytes`, or that does not finish
 * before the deadline, is delivered (the receiver has taken the event) and the body is just not read
 * further. Headers too large to parse (over Node's 16 KiB) are RESPONSE_TOO_LARGE: no status was read.
 *
 * Redirects: only 307 and 308 are followed (they repeat the POST with the same body and headers),
 * at most `maxRedirects` (0 by default: a redirect is a failure with its status), each target
 * parsed and checked like the endpoint's URL. 301, 302 and 303 are failures (INVALID_REDIRECT):
 * clients turn them into a GET, which would drop the event.
 */
export async function sendWebhook(request: WebhookRequest, options: SendOptions): Promise<DeliveryAttemptResult> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const timestampSeconds = Math.floor(request.timestamp.getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(request.body)),
    'user-agent': USER_AGENT,
    'webhook-id': request.eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(request.secrets, request.eventId, timestampSeconds, request.body),
  };
  let statusCode: number | null = null;
  const finish = (outcome: Omit<DeliveryAttemptResult, 'latencyMs' | 'statusCode'>): DeliveryAttemptResult => ({
    ...outcome,
    statusCode,
    latencyMs: Math.round(performance.now() - started),
  });
  const parsed = parseWebhookUrl(request.url);
  if (!parsed.ok) return finish({ ok: false, error: 'DESTINATION_REFUSED', detail: parsed.problem });
  let url = parsed.url;
  for (let redirects = 0; ; redirects += 1) {
    const destination = await beforeDeadline(resolveDestination(url, { allowPrivate: options.allowPrivate, lookup: options.lookup, refused: options.refusedAddress }), deadline);
    if (destination === TIMED_OUT) return finish({ ok: false, error: 'TIMEOUT', detail: `${url.hostname} not resolved within ${options.timeoutMs} ms` });
    if (!destination.ok) {
      return destination.reason === 'UNRESOLVABLE'
        ? finish({ ok: false, error: 'CONNECTION_FAILED', detail: `${url.hostname} does not resolve` })
        : finish({ ok: false, error: 'DESTINATION_REFUSED', detail: `${url.hostname}: ${destination.reason}` });
    }
    // Every address passed the policy; the first is the one connected to, and no other.
    const exchange = await post(url, destination.addresses[0]!, headers, request.body, options, deadline);
    if (exchange.kind === 'failure') return finish({ ok: false, error: exchange.error, detail: exchange.detail });
    statusCode = exchange.statusCode;
    const snippet = exchange.snippet === '' ? {} : { responseSnippet: exchange.snippet };
    if (statusCode >= 300 && statusCode < 400 && exchange.location !== undefined) {
      const target = redirectTarget(statusCode, exchange.location, url, redirects, options.maxRedirects);
      if (!target.ok) return finish({ ok: false, error: target.error, detail: target.detail, ...snippet });
      url = target.url;
      continue;
    }
    return finish({ ok: statusCode >= 200 && statusCode < 300, error: null, ...(exchange.detail ? { detail: exchange.detail } : {}), ...snippet });
  }
}

type RedirectTarget = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly error: DeliveryError; readonly detail: string };

function redirectTarget(statusCode: number, location: string, from: URL, redirects: number, maxRedirects: number): RedirectTarget {
  if (statusCode !== 307 && statusCode !== 308) return { ok: false, error: 'INVALID_REDIRECT', detail: `${statusCode} would turn the POST into a GET: only 307 and 308 are followed` };
  if (redirects >= maxRedirects) return { ok: false, error: 'TOO_MANY_REDIRECTS', detail: `${statusCode} not followed: at most ${maxRedirects} redirects are` };
  let absolute: string;
  try {
    absolute = new URL(location, from).href;
  } catch {
    return { ok: false, error: 'INVALID_REDIRECT', detail: `${statusCode} to NOT_A_URL` };
  }
  const parsed = parseWebhookUrl(absolute);
  return parsed.ok ? parsed : { ok: false, error: 'INVALID_REDIRECT', detail: `${statusCode} to ${parsed.problem}` };
}

const TIMED_OUT = Symbol('timed out');

/** `work`'s answer, or TIMED_OUT when the deadline comes first (a DNS look-up cannot be cancelled, only abandoned). */
function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T | typeof TIMED_OUT> {
  if (deadline.aborted) return Promise.resolve(TIMED_OUT);
  return new Promise((resolve, reject) => {
    const onDeadline = () => resolve(TIMED_OUT);
    deadline.addEventListener('abort', onDeadline, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onDeadline));
  });
}

/** One POST to `url` over a connection to `address` only, its response read within the bounds. */
function post(url: URL, address: string, headers: Record<string, string>, body: string, options: SendOptions, deadline: AbortSignal): Promise<Exchange> {
  if (deadline.aborted) return Promise.resolve({ kind: 'failure', error: 'TIMEOUT', detail: `no response within ${options.timeoutMs} ms` });
  return new Promise((resolve) => {
    let answerCutShort: ((detail: string) => void) | undefined;
    const settle = (result: Exchange) => {
      deadline.removeEventListener('abort', onDeadline);
      // Nothing more is read from a settled exchange: its connection (never reused, agent: false) is closed.
      exchange.destroy();
      resolve(result);
    };
    const onDeadline = () =>
      answerCutShort ? answerCutShort(`response body not finished within ${options.timeoutMs} ms`) : settle({ kind: 'failure', error: 'TIMEOUT', detail: `no response within ${options.timeoutMs} ms` });
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      const family = isIP(address);
      if (lookupOptions.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const exchange = send(url, { method: 'POST', headers, lookup: pinned, agent: false }, (response) => {
      answerCutShort = readResponse(response, Math.min(SNIPPET_BYTES, options.maxResponseBytes), options.maxResponseBytes, settle);
    });
    exchange.on('error', (error: NodeJS.ErrnoException) => (answerCutShort ? answerCutShort('response body cut short') : settle(failureOf(error))));
    deadline.addEventListener('abort', onDeadline, { once: true });
    exchange.end(body);
  });
}

/**
 * Reads `response`'s body, keeping its first `snippetBytes`, until it ends or passes `maxBytes`;
 * answers the function that settles with what was read when the body is cut short.
 */
function readResponse(response: IncomingMessage, snippetBytes: number, maxBytes: number, settle: (exchange: Exchange) => void): (detail: string) => void {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let receivedBytes = 0;
  const answer = (detail?: string) =>
    settle({
      kind: 'response',
      statusCode: response.statusCode ?? 0,
      location: response.headers.location,
      snippet: Buffer.concat(kept).toString('utf8'),
      ...(detail ? { detail } : {}),
    });
  response.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    if (keptBytes < snippetBytes) {
      const part = chunk.subarray(0, snippetBytes - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    if (receivedBytes > maxBytes) answer(`response body longer than ${maxBytes} bytes: not read further`);
  });
  response.on('end', () => answer());
  response.on('error', () => answer('response body cut short'));
  return answer;
}

function failureOf(error: NodeJS.ErrnoException): Exchange {
  const detail = (error.code ? `${error.code}: ${error.message}` : error.message).slice(0, MAX_DETAIL_LENGTH);
  if (error.code === 'ECONNREFUSED') return { kind: 'failure', error: 'CONNECTION_REFUSED', detail };
  if (error.code === 'HPE_HEADER_OVERFLOW') return { kind: 'failure', error: 'RESPONSE_TOO_LARGE', detail: 'response headers longer than 16 KiB' };
  return { kind: 'failure', error: 'CONNECTION_FAILED', detail };
}
