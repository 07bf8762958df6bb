import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, type FormattedExecutionResult } from 'graphql';
import { createSchema, createYoga, Repeater } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Authenticate } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import type { GraphQLServer } from '../../src/graphql/server.js';
import { shareEvents, useSharedSubscriptionExecution } from '../../src/graphql/subscriptions/shared-execution.js';
import { attachWebSocketTransport, type WebSocketTransport } from '../../src/graphql/websocket.js';
import { createLogger } from '../../src/logger.js';
import { take } from '../realtime/realtime-fixture.js';
import { Sockets } from './subscription-client.js';

/**
 * The mechanism alone, over real sockets: a schema of its own whose events are shared objects (one
 * per view and seq, as realtime's ticks are) and whose resolver counts how often it runs, behind
 * yoga with the shared execution plugin and the app's WebSocket transport.
 */
type Event = { readonly seq: number; readonly view: string };
const executions = vi.fn((event: Event) => `${event.view}:${event.seq}`);
const feeds = new Set<(seq: number) => void>();
let failing = false;

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { ok: Boolean }
    type Tick { seq: Int!, label: String! }
    type Subscription { ticks(view: String!): Tick!, unshared: Tick! }
  `,
  resolvers: {
    Tick: {
      label: (event: Event) => {
        if (failing) throw new Error('a resolver failed with a secret detail');
        return executions(event);
      },
    },
    Subscription: {
      ticks: {
        subscribe: (_root: unknown, { view }: { view: string }) => shareEvents(feedOf(view)),
        resolve: (event: Event) => event,
      },
      unshared: { subscribe: () => feedOf('unshared'), resolve: (event: Event) => event },
    },
  },
});

/** The same event object for every subscriber of a view. */
const events = new Map<string, Event>();
function eventOf(view: string, seq: number): Event {
  const key = `${view}/${seq}`;
  let event = events.get(key);
  if (!event) events.set(key, (event = { seq, view }));
  return event;
}

function feedOf(view: string): AsyncIterableIterator<Event> {
  return new Repeater<Event>(async (push, stop) => {
    const onSeq = (seq: number) => void push(eventOf(view, seq));
    feeds.add(onSeq);
    await stop;
    feeds.delete(onSeq);
  });
}
const publish = (seq: number) => feeds.forEach((push) => push(seq));

const authenticate: Authenticate = async () => ({
  ok: true,
  viewer: { userId: 'u1', organizationId: null, role: 'member', expiresAt: new Date(Date.now() + 3_600_000) },
});
const yoga = createYoga({ schema, plugins: [useSharedSubscriptionExecution()], maskedErrors: true, logging: false });
let http: Server;
let transport: WebSocketTransport;
let url = '';

beforeAll(async () => {
  http = createServer(yoga);
  transport = attachWebSocketTransport(http, yoga as unknown as GraphQLServer, {
    authenticate,
    logger: createLogger('silent'),
    production: true,
    caps: loadConfig({ NODE_ENV: 'test' }).websocket,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await transport.close();
  await new Promise((resolve) => http.close(resolve));
});

const sockets = new Sockets(() => url);
afterEach(async () => {
  await sockets.disposeAll();
  await vi.waitFor(() => expect(feeds.size).toBe(0));
  executions.mockClear();
  events.clear();
  failing = false;
});

type TickResult = FormattedExecutionResult<{ ticks?: { seq: number; label: string }; unshared?: { seq: number; label: string } }>;

/** `count` sockets, each with one subscription (`text` of its index), once all are on the server. */
async function subscribeAll(count: number, text: (index: number) => string) {
  const opened = await Promise.all(Array.from({ length: count }, () => sockets.connectWith('token')));
  const results = opened.map((socket, index) => socket.subscribe(parse(text(index)) as TypedDocumentNode<TickResult['data']>, {}) as AsyncIterableIterator<TickResult>);
  // Each subscription's feed starts when it is first read: then an event reaches all of them.
  await vi.waitFor(() => expect(feeds.size).toBe(count));
  return { opened, results };
}

const ticksOf = (view: string) => `subscription { ticks(view: "${view}") { seq label } }`;
const next = async (result: AsyncIterator<TickResult>) => (await take(result, 1))[0];

describe('shared execution of subscription events, over WebSocket', () => {
  it('executes an event once for all the sockets with the same document and variables, and once for each other view', async () => {
    const { results } = await subscribeAll(30, (index) => ticksOf(index % 3 === 0 ? 'b' : 'a'));
    publish(1);
    const received = await Promise.all(results.map(next));
    received.forEach((result, index) => expect(result).toEqual({ data: { ticks: { seq: 1, label: `${index % 3 === 0 ? 'b' : 'a'}:1` } } }));
    expect(executions).toHaveBeenCalledTimes(2);
  });

  it('executes the events of a stream not marked shareable for each subscriber', async () => {
    const { results } = await subscribeAll(5, () => 'subscription { unshared { seq label } }');
    publish(1);
    for (const result of await Promise.all(results.map(next))) expect(result).toEqual({ data: { unshared: { seq: 1, label: 'unshared:1' } } });
    expect(executions).toHaveBeenCalledTimes(5);
  });

  it('masks an error of the shared execution for every socket, as yoga masks any', async () => {
    const { results } = await subscribeAll(4, () => ticksOf('a'));
    failing = true;
    publish(1);
    for (const masked of await Promise.all(results.map(next))) {
      expect(masked).toMatchObject({ data: null, errors: [{ message: 'Unexpected error.' }] });
      expect(JSON.stringify(masked)).not.toContain('secret');
    }
  });

  it('goes on sending to every other socket when sockets close in the middle of a fan-out', async () => {
    const serverSockets: WebSocket[] = [];
    const send = WebSocket.prototype.send;
    const spy = vi.spyOn(WebSocket.prototype, 'send');
    // Only the server acknowledges: that is how its side of each socket is told from the client's.
    spy.mockImplementation(function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      if (String(args[0]).includes('"connection_ack"')) serverSockets.push(this);
      return send.apply(this, args);
    });
    const { opened, results } = await subscribeAll(30, () => ticksOf('a'));
    // The first `next` the server writes closes ten sockets that have not had theirs.
    let closing: WebSocket[] | null = null;
    spy.mockImplementation(function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      if (closing === null && String(args[0]).includes('"next"')) {
        closing = serverSockets.filter((socket) => socket !== this).slice(0, 10);
        closing.forEach((socket) => socket.terminate());
      }
      return send.apply(this, args);
    });
    const closedAt = opened.map(() => false);
    opened.forEach((socket, index) => void socket.closed.then(() => (closedAt[index] = true)));
    publish(1);
    await vi.waitFor(() => expect(closedAt.filter(Boolean)).toHaveLength(10));
    const kept = results.filter((_, index) => !closedAt[index]);
    for (const result of await Promise.all(kept.map(next))) expect(result).toEqual({ data: { ticks: { seq: 1, label: 'a:1' } } });
    publish(2);
    for (const result of await Promise.all(kept.map(next))) expect(result).toEqual({ data: { ticks: { seq: 2, label: 'a:2' } } });
    spy.mockRestore();
  });

  it('leaves what is refused before any resolver runs to the engine, which says it in its own words', async () => {
    const socket = await sockets.connectWith('token');
    const refused = socket.subscribe(parse('subscription ($view: String!) { ticks(view: $view) { seq } }') as TypedDocumentNode<TickResult['data']>, {});
    expect(await next(refused as AsyncIterableIterator<TickResult>)).toMatchObject({
      errors: [{ message: 'Variable "$view" of required type "String!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect(feeds.size).toBe(0);
  });
});
