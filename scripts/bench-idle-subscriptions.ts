/**
 * What an idle live subscription costs the server, and how fast one write reaches all of them:
 *   npm run bench:subscriptions -- --connections 1000 [--subscription creditUsage|balanceChanged] [--per-user 10]
 *
 * The app runs in this process (loopback, embedded database, `LOG_LEVEL=silent`); the WebSocket
 * clients run in a child process (this script with `--client`), so the server's heap and RSS
 * readings hold none of the clients' sockets. Members of one organization (one user per
 * `--per-user` connections) each open sockets with one subscription to the organization's pool,
 * so that one debit of the pool fans out to every subscriber. Memory is read after `gc()` (run
 * with `--expose-gc`) before and after opening the connections; the fan-out latency of each
 * subscriber is from just before `store.execute` (server process) to the tick's arrival in the
 * client process (both on this machine's clock), so it includes the client parsing its messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeGlobalID } from '@pothos/plugin-relay';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import { organizationAccountId } from '../src/store/directory.js';

type Kind = 'creditUsage' | 'balanceChanged';
const QUERIES: Record<Kind, string> = {
  creditUsage: 'subscription ($id: ID!, $after: Int) { creditUsage(accountId: $id, afterSeq: $after) { seq meter kind delta available used } }',
  balanceChanged: 'subscription ($id: ID!) { balanceChanged(accountId: $id) { meter available used reserved } }',
};

/** Parent to child. */
type Command =
  | { type: 'open'; url: string; tokens: string[]; count: number; kind: Kind; accountId: string; afterSeq: number; warmup?: boolean }
  | { type: 'arm' }
  | { type: 'close' };
/** Child to parent. */
type Report =
  | { type: 'opened'; count: number; ms: number; heapUsed: number; rss: number }
  | { type: 'armed' }
  | { type: 'received'; at: number[] }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

const now = () => performance.timeOrigin + performance.now();
const MIB = 1024 * 1024;

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc (npm run bench:subscriptions does)');
  for (let round = 0; round < 5; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function memory(): Promise<{ heapUsed: number; rss: number }> {
  await collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------- client process

function runClient(): void {
  const send = (report: Report) => process.send!(report);
  let sockets: WebSocket[] = [];
  /** Per socket: the time the tick of the benchmark's write arrived (0 until then). */
  let arrivals: number[] = [];
  let armed = false;
  let pending = 0;

  /** Opens one socket with one subscription; resolves once its first value (the sign it is live) arrived. */
  const openOne = (command: Extract<Command, { type: 'open' }>, index: number, warmups?: WebSocket[]) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(command.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const keep = warmups === undefined;
      const slot = sockets.length;
      if (keep) {
        sockets.push(socket);
        arrivals.push(0);
      } else warmups.push(socket);
      let live = false;
      socket.once('error', reject);
      socket.once('close', (code, reason) => {
        if (!live) reject(new Error(`socket closed before its subscription was live: ${code} ${reason.toString()}`));
      });
      socket.once('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${command.tokens[index % command.tokens.length]}` } })),
      );
      socket.on('message', (raw) => {
        const message = JSON.parse(raw.toString()) as { type: string; payload?: { data?: Record<string, unknown>; errors?: unknown } };
        if (message.type === 'connection_ack') {
          const variables = command.kind === 'creditUsage' ? { id: command.accountId, after: command.afterSeq } : { id: command.accountId };
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERIES[command.kind], variables } }));
        } else if (message.type === 'next') {
          if (message.payload?.errors !== undefined) return reject(new Error(JSON.stringify(message.payload.errors)));
          if (!live) {
            // creditUsage replays the pool's last entry (afterSeq), balanceChanged sends the balances now.
            live = true;
            resolve();
          } else if (armed && keep && arrivals[slot] === 0) {
            arrivals[slot] = now();
            if (--pending === 0) send({ type: 'received', at: arrivals });
          }
        } else if (message.type === 'error' || message.type === 'complete') {
          reject(new Error(`subscription ended: ${JSON.stringify(message)}`));
        }
      });
    });

  const closeAll = async (all: WebSocket[]) => {
    await Promise.all(
      all.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1000);
            setTimeout(() => (socket.terminate(), resolve()), 2_000).unref();
          }),
      ),
    );
  };

  process.on('message', (command: Command) => {
    void (async () => {
      if (command.type === 'open') {
        // A warm-up's sockets are closed at once; the others stay open, idle, until 'close'.
        const keep = command.warmup !== true;
        const started = now();
        const warmups: WebSocket[] = [];
        await inBatches(
          Array.from({ length: command.count }, (_, index) => index),
          200,
          (index) => openOne(command, index, keep ? undefined : warmups),
        );
        const ms = now() - started;
        await closeAll(warmups);
        await collectGarbage();
        const { heapUsed, rss } = process.memoryUsage();
        send({ type: 'opened', count: command.count, ms, heapUsed, rss });
      } else if (command.type === 'arm') {
        armed = true;
        pending = sockets.length;
        send({ type: 'armed' });
      } else {
        await closeAll(sockets);
        sockets = [];
        arrivals = [];
        send({ type: 'closed' });
        process.disconnect();
      }
    })().catch((error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    });
  });
}

// ---------------------------------------------------------------- server process

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runBenchmark(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      connections: { type: 'string', default: '1000' },
      subscription: { type: 'string', default: 'creditUsage' },
      'per-user': { type: 'string', default: '10' },
    },
    strict: true,
  });
  const connections = Number(values.connections);
  const perUser = Number(values['per-user']);
  const kind = values.subscription as Kind;
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
  if (!Number.isInteger(perUser) || perUser < 1) throw new Error('--per-user must be a positive integer');
  if (!(kind in QUERIES)) throw new Error(`--subscription must be creditUsage or balanceChanged, got '${kind}'`);

  // Bounded: whatever happens, the process ends.
  setTimeout(() => {
    console.error('bench: timed out');
    process.exit(1);
  }, 120_000 + connections * 30).unref();

  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent' });
  const app = createApp(config);
  const running = await app.start();
  let child: ChildProcess | undefined;
  try {
    // Members of one organization; the first request opens each user's account and the pool.
    const organization = 'bench';
    const users = Math.ceil(connections / perUser);
    const tokens = await Promise.all(Array.from({ length: users }, (_, index) => signToken(config.auth, { sub: `bench-u${index}`, org: organization })));
    await inBatches(tokens, 20, async (token) => {
      const response = await fetch(running.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (!response.ok || body.errors !== undefined) throw new Error(`provisioning failed: ${response.status} ${JSON.stringify(body)}`);
    });
    const poolId = organizationAccountId(organization);
    const entries = await running.store.entriesAfter(poolId, 0, 10_000);
    const lastSeq = entries.at(-1)?.seq ?? 0;
    if (lastSeq === 0) throw new Error(`the pool ${poolId} has no entries`);

    child = fork(fileURLToPath(import.meta.url), ['--client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const reports: Report[] = [];
    let waiting: ((report: Report) => void) | undefined;
    child.on('message', (report: Report) => {
      if (report.type === 'failed') {
        console.error(`bench: client failed: ${report.message}`);
        process.exit(1);
      }
      if (waiting) {
        const deliver = waiting;
        waiting = undefined;
        deliver(report);
      } else reports.push(report);
    });
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) {
        console.error(`bench: client exited with ${code}`);
        process.exit(1);
      }
    });
    const ask = (command: Command & { warmup?: boolean }): Promise<Report> => {
      child!.send(command);
      return new Promise((resolve) => (reports.length > 0 ? resolve(reports.shift()!) : (waiting = resolve)));
    };
    const open = { type: 'open' as const, url: running.graphqlUrl, tokens, kind, accountId: encodeGlobalID('Account', poolId), afterSeq: lastSeq - 1 };

    // Warm-up: open and close a few, so that code paths and caches count in the baseline, not per connection.
    await ask({ ...open, count: 20, warmup: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await memory();
    const opened = (await ask({ ...open, count: connections })) as Extract<Report, { type: 'opened' }>;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await memory();

    await ask({ type: 'arm' });
    const received = new Promise<Report>((resolve) => (waiting = resolve));
    const wrote = now();
    const outcome = await running.store.execute(poolId, { type: 'DEBIT', idempotencyKey: `bench-${wrote}`, feature: 'topic.generate', memberId: 'bench-u0' });
    const committed = now();
    if (!outcome.ok) throw new Error(`the debit was refused: ${JSON.stringify(outcome)}`);
    const { at } = (await received) as Extract<Report, { type: 'received' }>;
    const latencies = at.map((arrival) => arrival - wrote).sort((a, b) => a - b);

    const mb = (bytes: number) => (bytes / MIB).toFixed(1);
    const perConnection = (delta: number) => Math.round(delta / connections);
    console.log('creditstream idle subscription benchmark');
    console.log(`setup: server in this process (pid ${process.pid}), clients in a child process (pid ${child.pid}); loopback; embedded database`);
    console.log(`node ${process.version}, ${(await import('node:os')).availableParallelism()} cores`);
    console.log(`subscription: ${kind} on one organization pool, ${users} users x ${perUser} sockets, one subscription per socket`);
    console.log(`connections: ${connections}`);
    console.log(`time to open all (connect, connection_init/ack, subscribe, first value): ${opened.ms.toFixed(0)} ms`);
    console.log(`server heapUsed before/after: ${mb(before.heapUsed)} / ${mb(after.heapUsed)} MiB`);
    console.log(`server rss before/after: ${mb(before.rss)} / ${mb(after.rss)} MiB`);
    console.log(`server bytes per idle connection: heap ${perConnection(after.heapUsed - before.heapUsed)}, rss ${perConnection(after.rss - before.rss)}`);
    console.log(`client process (not in the above) after opening: heapUsed ${mb(opened.heapUsed)} MiB, rss ${mb(opened.rss)} MiB`);
    console.log(`one debit: store.execute took ${(committed - wrote).toFixed(1)} ms`);
    console.log(
      `fan-out latency to ${latencies.length} subscribers (execute start to arrival in the client): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    await ask({ type: 'close' });
  } finally {
    child?.kill();
    await app.stop();
  }
}

if (process.argv.includes('--client')) {
  runClient();
} else {
  runBenchmark().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
