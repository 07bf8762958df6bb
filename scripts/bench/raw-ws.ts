/**
 * The baseline of the live figures: a raw `ws` server that speaks just enough of graphql-ws
 * (`connection_init` → `connection_ack`, `subscribe` → one first `next`) for the benchmark's
 * client to treat it like creditstream, and broadcasts a tick-sized `next` message to the
 * sockets that subscribed with the same `accountId`: serialized once per account, no GraphQL,
 * no database. With `BENCH_RAW_REDIS_URL` (for `--instances 2`) a broadcast goes through Redis
 * pub/sub to every raw server, as creditstream's ticks go between its processes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { heapAfterGc, now, sleep } from './measure.js';
import { serve } from './rpc.js';

const groups = new Map<string, Set<WebSocket>>();
const usedOf = new Map<string, number>();

/** A `next` message like creditstream's `creditUsage` tick of one debit of 1 credit. */
function tickMessage(used: number): string {
  const available = 5_000 - used;
  return JSON.stringify({
    id: '1',
    type: 'next',
    payload: {
      data: {
        creditUsage: { seq: used + 2, meter: 'AI_CREDITS', kind: 'DEBIT', delta: -1, previousAvailable: available + 1, available, used, reserved: 0, at: new Date().toISOString() },
      },
    },
  });
}

function sendLocally(group: string, message: string): void {
  for (const socket of groups.get(group) ?? []) socket.send(message);
}

const server = createServer((_request, response) => response.writeHead(404).end());
const sockets = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
sockets.on('connection', (socket) => {
  let group: string | undefined;
  const leave = () => {
    if (group !== undefined) groups.get(group)?.delete(socket);
    group = undefined;
  };
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type?: string; payload?: { variables?: { id?: unknown } } };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') {
      leave();
      group = String(message.payload?.variables?.id);
      let members = groups.get(group);
      if (!members) groups.set(group, (members = new Set()));
      members.add(socket);
      socket.send(tickMessage(usedOf.get(group) ?? 0));
    } else if (message.type === 'complete') leave();
  });
  socket.on('close', leave);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const redisUrl = process.env.BENCH_RAW_REDIS_URL;
const channel = process.env.BENCH_RAW_CHANNEL ?? 'bench:raw';
const publisher = redisUrl ? new Redis(redisUrl) : undefined;
const subscriber = redisUrl ? new Redis(redisUrl) : undefined;
if (subscriber) {
  await subscriber.subscribe(channel);
  subscriber.on('message', (_channel: string, payload: string) => {
    const cut = payload.indexOf('\n');
    sendLocally(payload.slice(0, cut), payload.slice(cut + 1));
  });
}

function deliver(group: string, message: string): Promise<unknown> | undefined {
  if (publisher) return publisher.publish(channel, `${group}\n${message}`);
  sendLocally(group, message);
  return undefined;
}

const nextUsed = (group: string) => {
  const used = (usedOf.get(group) ?? 0) + 1;
  usedOf.set(group, used);
  return used;
};

function bufferedBytes(): number {
  let total = 0;
  for (const socket of sockets.clients) total += socket.bufferedAmount;
  return total;
}

const methods = {
  heap: heapAfterGc,

  /** Open loop: `count` broadcasts at `ratePerSec`, the i-th to `groups[i % groups.length]`; answers [start, used] per broadcast. */
  async broadcast(plan: { groups: readonly string[]; ratePerSec: number; count: number; offsetMs?: number }): Promise<Float64Array> {
    const timings = new Float64Array(plan.count * 2);
    const interval = 1_000 / plan.ratePerSec;
    const first = now() + (plan.offsetMs ?? 0);
    const publishing: Promise<unknown>[] = [];
    for (let index = 0; index < plan.count; index++) {
      const wait = first + index * interval - now();
      if (wait > 0.5) await sleep(wait);
      const group = plan.groups[index % plan.groups.length]!;
      const used = nextUsed(group);
      const message = tickMessage(used);
      timings[2 * index] = now();
      timings[2 * index + 1] = used;
      const published = deliver(group, message);
      if (published) publishing.push(published);
    }
    await Promise.all(publishing);
    return timings;
  },

  /**
   * As fast as it goes for `durationMs`: rounds of one message to every group, yielding to the
   * event loop after each round and waiting while more than 16 MiB are buffered for the sockets.
   */
  async fanout(plan: { groups: readonly string[]; durationMs: number }): Promise<{ rounds: number; startedAt: number }> {
    const startedAt = now();
    const deadline = startedAt + plan.durationMs;
    let rounds = 0;
    while (now() < deadline) {
      const publishing: Promise<unknown>[] = [];
      for (const group of plan.groups) {
        const published = deliver(group, tickMessage(nextUsed(group)));
        if (published) publishing.push(published);
      }
      rounds += 1;
      await Promise.all(publishing);
      await nextTurn();
      while (bufferedBytes() > 16 * 1024 * 1024) await sleep(2);
    }
    return { rounds, startedAt };
  },
};

export type RawWsApi = typeof methods;
export type RawWsReady = { url: string };

process.once('SIGTERM', () => {
  for (const socket of sockets.clients) socket.terminate();
  publisher?.disconnect();
  subscriber?.disconnect();
  server.close(() => process.exit(0));
});

serve(methods, { url: `ws://127.0.0.1:${port}/graphql` } satisfies RawWsReady);
