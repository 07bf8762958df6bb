import mongoose from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { accountGlobalId } from '../../src/graphql/inputs/global-ids.js';
import { execute } from '../graphql/client.js';
import { ConsumeCreditsDocument, GenerateDocument } from '../graphql/generated/graphql.js';
import { openSocket } from '../graphql/subscription-client.js';
import { startDatabaseProcess, type DatabaseProcess } from '../support/database-process.js';
import { killServerProcesses, spawnServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * The server process (src/main.ts, as `npm start` runs it) told to stop with SIGTERM while it
 * answers: its database is a process of its own, so what the server left there can be read after it exited.
 */
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const DB_NAME = 'graceful-shutdown';
const BURST = 20;

let database: DatabaseProcess;
const started: ServerProcess[] = [];

beforeAll(async () => {
  database = await startDatabaseProcess();
});
afterEach(() => killServerProcesses(started));
afterAll(async () => {
  await database?.stop();
});

describe('SIGTERM', () => {
  it('stops accepting, answers the mutations in flight, closes WebSockets with 1001 Going Away, leaves every ledger entry copied, and exits 0', async () => {
    const server = spawnServerProcess({ NODE_ENV: 'test', JWT_SECRET: SECRET, MONGODB_URI: database.uri, MONGODB_DB_NAME: DB_NAME, SIMULATED_PROVIDER_LATENCY_MS: '1000' });
    started.push(server);
    const outcome = await server.outcome;
    if (!('listening' in outcome)) throw new Error(`the server did not start: ${outcome.stderr}`);
    const graphqlUrl = `${outcome.listening}/graphql`;
    const token = await signToken(loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET }).auth, { sub: 'u1' }, '10m');
    const socket = openSocket(graphqlUrl, { authorization: `Bearer ${token}` });
    await socket.acknowledged;

    // In flight when the signal comes: a generation (a second of provider work) and a burst of debits.
    const generation = execute(graphqlUrl, GenerateDocument, { token, variables: { input: { feature: 'brand.analyze', idempotencyKey: 'g1', input: { url: 'x.example' } } } });
    const debits = Array.from({ length: BURST }, (_, index) =>
      execute(graphqlUrl, ConsumeCreditsDocument, { token, variables: { input: { accountId: accountGlobalId('user:u1'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: `d${index}` } } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');

    expect(await socket.closed).toMatchObject({ code: 1001 });
    // Still answering the generation, but accepting nothing new.
    expect(server.child.exitCode).toBeNull();
    await expect(fetch(`${outcome.listening}/health`)).rejects.toThrow();

    expect((await generation).data?.generate?.__typename).toBe('GenerationSuccess');
    expect((await Promise.all(debits)).map((debit) => debit.data?.consumeCredits?.__typename)).toEqual(Array(BURST).fill('ConsumeCreditsSuccess'));
    expect(await server.exited).toMatchObject({ exitCode: 0, signal: null });

    // Every entry of the account is in the history, once, with nothing left waiting in the account.
    const connection = await mongoose.createConnection(database.uri, { dbName: DB_NAME }).asPromise();
    try {
      const account = await connection.db!.collection<{ _id: string; state: { lastSeq: number }; pendingEntries: unknown[] }>('accounts').findOne({ _id: 'user:u1' });
      const seqs = await connection.db!.collection('ledger_entries').distinct('seq', { accountId: 'user:u1' });
      expect(seqs.length).toBe(account!.state.lastSeq);
      expect(account!.pendingEntries).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
