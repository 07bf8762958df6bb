/**
 * The subscribers: a small WebSocket client of our own (graphql-ws's `graphql-transport-ws`
 * protocol over the `ws` package), in a process apart from the servers. It opens sockets in
 * labelled groups, one subscription each, and once armed records when each tick arrives (its
 * meter's `used`, which names the debit, and the monotonic time) or only counts them. The same
 * client talks to creditstream and to the raw `ws` baseline, which speaks the same protocol.
 */
import WebSocket from 'ws';
import { inParallel, now } from './measure.js';
import { serve } from './rpc.js';

export type SocketSpec = { readonly url: string; readonly token: string; readonly accountId: string; readonly afterSeq: number };

/** What the client subscribes to: the ticks of one account, after `afterSeq` (so the first one, a replay, says it is live). */
const CREDIT_USAGE =
  'subscription ($id: ID!, $after: Int) { creditUsage(accountId: $id, afterSeq: $after) { seq meter kind delta previousAvailable available used reserved at } }';

const OPEN_TIMEOUT_MS = 30_000;
const USED = /"used":(\d+)/;

type Tracked = { readonly socket: WebSocket; readonly label: string; lastUsed: number; closing: boolean };

const groups = new Map<string, Tracked[]>();
let armed = new Set<string>();
let recordArrivals = false;
/** Whether ticks are read for their `used` (for arrivals and `waitFor`), or only counted. */
let readUsed = true;
let arrivals: number[] = [];
let received = 0;
let firstAt = 0;
let lastAt = 0;
/** Ticks with errors, subscriptions the server ended, sockets it closed: each should stay 0. */
let errors = 0;
let ended = 0;
let dropped = 0;
let firstProblem: string | null = null;
let waiter: { target: number; remaining: number; resolve: () => void } | undefined;

function problem(description: string): void {
  firstProblem ??= description;
}

/** Reads only what it needs of a message (they are ASCII JSON): the fan-out must measure the servers, not this client. */
function onTick(tracked: Tracked, data: Buffer, at: number): void {
  if (data.indexOf('"next"') < 0) {
    if (data.indexOf('"complete"') >= 0 || data.indexOf('"error"') >= 0) {
      ended += 1;
      problem(`a subscription ended: ${data.toString().slice(0, 300)}`);
    }
    return;
  }
  if (data.indexOf('"errors"') >= 0) {
    errors += 1;
    problem(`a tick with errors: ${data.toString().slice(0, 300)}`);
    return;
  }
  if (!readUsed) {
    if (armed.has(tracked.label)) {
      received += 1;
      if (firstAt === 0) firstAt = at;
      lastAt = at;
    }
    return;
  }
  const used = Number(USED.exec(data.toString())?.[1] ?? -1);
  if (armed.has(tracked.label)) {
    received += 1;
    if (firstAt === 0) firstAt = at;
    lastAt = at;
    if (recordArrivals) arrivals.push(used, at);
    if (waiter && tracked.lastUsed < waiter.target && used >= waiter.target && --waiter.remaining === 0) waiter.resolve();
  }
  if (used > tracked.lastUsed) tracked.lastUsed = used;
}

/** Opens one socket with one subscription; resolves once its first value (the replay) arrived. */
function openOne(label: string, spec: SocketSpec, into: Tracked[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(spec.url, 'graphql-transport-ws', { perMessageDeflate: false });
    const tracked: Tracked = { socket, label, lastUsed: -1, closing: false };
    let live = false;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`a subscription was not live within ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', (code, reason) => {
      clearTimeout(timer);
      if (!live) reject(new Error(`a socket closed before its subscription was live: ${code} ${reason.toString()}`));
      else if (!tracked.closing) {
        dropped += 1;
        problem(`the server closed a socket: ${code} ${reason.toString()}`);
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${spec.token}` } })));
    socket.on('message', (data: Buffer) => {
      const at = now();
      if (live) return onTick(tracked, data, at);
      const text = data.toString();
      const message = JSON.parse(text) as { type: string; payload?: { errors?: unknown } };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: CREDIT_USAGE, variables: { id: spec.accountId, after: spec.afterSeq } } }));
      } else if (message.type === 'next' && message.payload?.errors === undefined) {
        live = true;
        tracked.lastUsed = Number(USED.exec(text)?.[1] ?? -1);
        into.push(tracked);
        clearTimeout(timer);
        resolve();
      } else {
        clearTimeout(timer);
        socket.terminate();
        reject(new Error(`the subscription was refused: ${text.slice(0, 500)}`));
      }
    });
  });
}

async function closeGroup(members: readonly Tracked[]): Promise<void> {
  await Promise.all(
    members.map(
      (tracked) =>
        new Promise<void>((resolve) => {
          tracked.closing = true;
          if (tracked.socket.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            tracked.socket.terminate();
            resolve();
          }, 2_000);
          tracked.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          tracked.socket.close(1000);
        }),
    ),
  );
}

const methods = {
  async open(request: { label: string; sockets: readonly SocketSpec[]; concurrency?: number }): Promise<{ opened: number; ms: number }> {
    const started = now();
    const members = groups.get(request.label) ?? [];
    groups.set(request.label, members);
    await inParallel(request.sockets.length, request.concurrency ?? 100, (index) => openOne(request.label, request.sockets[index]!, members));
    return { opened: request.sockets.length, ms: now() - started };
  },

  async close(request: { label: string }): Promise<void> {
    const members = groups.get(request.label) ?? [];
    groups.delete(request.label);
    armed.delete(request.label);
    await closeGroup(members);
  },

  /**
   * Starts counting the ticks of the sockets of `labels`, and with `record` timing them (or with
   * `countOnly`, only counting: then `waitFor` cannot be used); resets what was counted.
   */
  arm(request: { labels: readonly string[]; record: boolean; countOnly?: boolean }): void {
    armed = new Set(request.labels);
    recordArrivals = request.record;
    readUsed = request.countOnly !== true;
    arrivals = [];
    received = 0;
    firstAt = 0;
    lastAt = 0;
  },

  /** Resolves once every armed socket has had a tick with `used` at least `used`, or after `timeoutMs`. */
  async waitFor(request: { used: number; timeoutMs: number }): Promise<{ complete: boolean; missing: number }> {
    let remaining = 0;
    for (const label of armed) for (const tracked of groups.get(label) ?? []) if (tracked.lastUsed < request.used) remaining += 1;
    if (remaining === 0) return { complete: true, missing: 0 };
    const done = new Promise<void>((resolve) => (waiter = { target: request.used, remaining, resolve }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, request.timeoutMs)));
    await Promise.race([done, timedOut]);
    clearTimeout(timer);
    const missing = waiter?.remaining ?? 0;
    waiter = undefined;
    return { complete: missing === 0, missing };
  },

  /** What arrived since `arm`: [used, arrival] per tick (with `record`), the count and the first and last arrival. */
  collect(): { received: number; firstAt: number; lastAt: number; arrivals: Float64Array; errors: number; ended: number; dropped: number; firstProblem: string | null } {
    const report = { received, firstAt, lastAt, arrivals: Float64Array.from(arrivals), errors, ended, dropped, firstProblem };
    arrivals = [];
    return report;
  },
};

export type WsClientsApi = typeof methods;

process.once('SIGTERM', () => {
  for (const members of groups.values()) for (const tracked of members) tracked.socket.terminate();
  process.exit(0);
});

serve(methods, { pid: process.pid });
