import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { accountGlobalId } from '../../src/graphql/inputs/global-ids.js';
import { execute, type GraphQLResponse } from '../graphql/client.js';
import { CreditUsageDocument } from '../graphql/generated/graphql.js';
import { openSocket } from '../graphql/subscription-client.js';
import { startDatabaseProcess, type DatabaseProcess } from '../support/database-process.js';

/**
 * The server against a database that goes down, stops answering and comes back empty: the
 * embedded database in a process of its own, killed (SIGKILL), frozen (SIGSTOP) and started again
 * on the same port, with the server pointed at it through MONGODB_URI.
 */
type ConsumeResult = { consumeCredits: { __typename: string; replayed?: boolean; balances?: { meter: string; available: number; used: number }[] } };
const CONSUME = parse(`mutation ($input: ConsumeCreditsInput!) {
  consumeCredits(input: $input) {
    __typename
    ... on AccountPayload { replayed balances { meter available used } }
  }
}`) as TypedDocumentNode<ConsumeResult, { input: Record<string, unknown> }>;

let database: DatabaseProcess;
let app: App;
let running: RunningApp;
const config = () => loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: 'silent',
  MONGODB_URI: database.uri,
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500',
  MONGODB_CONNECT_TIMEOUT_MS: '500',
  MONGODB_SOCKET_TIMEOUT_MS: '1000',
});

beforeAll(async () => {
  database = await startDatabaseProcess();
  app = createApp(config());
  running = await app.start();
});
afterAll(async () => {
  await app?.stop();
  await database?.stop();
});

const ORGANIZATION = accountGlobalId('org:o1');
const token = () => signToken(config().auth, { sub: 'a1', org: 'o1', role: 'admin' }, '10m');

async function consume(idempotencyKey: string, amount = 1): Promise<GraphQLResponse<ConsumeResult> & { ms: number }> {
  const started = Date.now();
  const response = await execute(running.graphqlUrl, CONSUME, { token: await token(), variables: { input: { accountId: ORGANIZATION, meter: 'AI_CREDITS', amount, idempotencyKey } } });
  return { ...response, ms: Date.now() - started };
}

async function ready(): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${running.url}/ready`);
  await response.body?.cancel();
  return { status: response.status, ms: Date.now() - started };
}

async function untilReady(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if ((await ready()).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server never became ready again');
}

/** What a request that met an unavailable database answers: typed, retryable, HTTP 503 with Retry-After. */
function expectUnavailable(response: GraphQLResponse<unknown>) {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('2');
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions).toEqual({ code: 'UNAVAILABLE' });
  expect(response.errors![0]!.message).toContain('same idempotency key');
}

const available = (response: GraphQLResponse<ConsumeResult>) => response.data!.consumeCredits.balances!.find((balance) => balance.meter === 'AI_CREDITS')!.available;

describe('a database that goes down', () => {
  it('fails requests fast with a typed, retryable UNAVAILABLE (503, Retry-After), /ready answers 503 within a second, and the server recovers by itself when it is back', async () => {
    expect((await consume('down-1')).data?.consumeCredits.__typename).toBe('ConsumeCreditsSuccess');
    const socket = openSocket(running.graphqlUrl, { authorization: `Bearer ${await token()}` });
    await socket.acknowledged;
    await database.kill();

    const during = await consume('down-2');
    expectUnavailable(during);
    expect(during.ms).toBeLessThan(3_000);
    const probe = await ready();
    expect(probe.status).toBe(503);
    expect(probe.ms).toBeLessThan(1_000);
    // Over WebSocket, the subscription that needs the database fails alone, as UNAVAILABLE; the socket stays open.
    const results = [];
    for await (const result of socket.subscribe(CreditUsageDocument, { accountId: ORGANIZATION, afterSeq: 0 })) results.push(result);
    expect(results.map((result) => result.errors?.map((error) => error.extensions?.code))).toEqual([['UNAVAILABLE']]);
    expect(await Promise.race([socket.closed, Promise.resolve('open')])).toBe('open');
    await socket.dispose();

    // Back, but empty: the organization this process provisioned is opened again rather than not found.
    await database.restart();
    await untilReady();
    const after = await consume('down-3');
    expect(after.errors).toBeUndefined();
    expect(after.data!.consumeCredits.__typename).toBe('ConsumeCreditsSuccess');
  });
});

describe('a database that stops answering (a stopped process, a partition)', () => {
  it('answers every request and /ready within bounded time, and a write cut off applies once when retried with its key', async () => {
    const before = available(await consume('frozen-1'));
    database.freeze();
    try {
      const during = await consume('frozen-2', 3);
      expectUnavailable(during);
      expect(during.ms).toBeLessThan(5_000);
      const probe = await ready();
      expect(probe.status).toBe(503);
      expect(probe.ms).toBeLessThan(1_000);
    } finally {
      database.thaw();
    }
    await untilReady();
    // The write may have applied when the database woke up and read it: the retry says which, and charges once.
    const retried = await consume('frozen-2', 3);
    expect(retried.data!.consumeCredits.__typename).toBe('ConsumeCreditsSuccess');
    expect(available(retried)).toBe(before - 3);
    const again = await consume('frozen-2', 3);
    expect(again.data!.consumeCredits).toMatchObject({ replayed: true });
    expect(available(again)).toBe(before - 3);
  });
});

describe('a database emptied under a connected server (a restored backup)', () => {
  it('opens a provisioned organization again when a write finds it missing, and answers that write', async () => {
    await running.database.connection.db!.dropDatabase();
    const after = await consume('emptied-1');
    expect(after.errors).toBeUndefined();
    expect(after.data!.consumeCredits.__typename).toBe('ConsumeCreditsSuccess');
  });

  it('answers every write of a burst that finds it missing, not only the first', async () => {
    await running.database.connection.db!.dropDatabase();
    const burst = await Promise.all(Array.from({ length: 8 }, (_, index) => consume(`emptied-burst-${index}`)));
    expect(burst.map((answer) => answer.data?.consumeCredits.__typename)).toEqual(Array(8).fill('ConsumeCreditsSuccess'));
  });
});
