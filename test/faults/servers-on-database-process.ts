import mongoose from 'mongoose';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { signToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import type { AccountState, LedgerEntry } from '../../src/ledger/index.js';
import { startDatabaseProcess, type DatabaseProcess } from '../support/database-process.js';
import { killServerProcesses, spawnServerProcess, type ServerProcess } from '../support/server-process.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

/**
 * For the tests of one file: the embedded database in a process of its own, and server processes
 * (src/main.ts, as `npm start` runs it) started on it with `env` and killed after each test. What
 * a server left in the database can be read after it died or exited.
 */
export function useServersOnDatabaseProcess(dbName: string, env: Record<string, string> = {}) {
  let database: DatabaseProcess;
  const started: ServerProcess[] = [];
  beforeAll(async () => {
    database = await startDatabaseProcess();
  });
  afterEach(() => killServerProcesses(started));
  afterAll(async () => {
    await database?.stop();
  });

  return {
    /** A token the servers accept, for `sub`, valid ten minutes. */
    tokenFor: (sub: string) => signToken(loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET }).auth, { sub }, '10m'),

    async startServer(extra: Record<string, string> = {}): Promise<{ server: ServerProcess; url: string; graphqlUrl: string }> {
      const server = spawnServerProcess({ NODE_ENV: 'test', JWT_SECRET: SECRET, MONGODB_URI: database.uri, MONGODB_DB_NAME: dbName, ...env, ...extra });
      started.push(server);
      const outcome = await server.outcome;
      if (!('listening' in outcome)) throw new Error(`the server did not start: ${outcome.stderr}`);
      return { server, url: outcome.listening, graphqlUrl: `${outcome.listening}/graphql` };
    },

    /** The account as the servers left it in the database, and its history in seq order. */
    async stored(accountId: string) {
      const connection = await mongoose.createConnection(database.uri, { dbName }).asPromise();
      try {
        const account = await connection.db!.collection<{ _id: string; state: AccountState; pendingEntries: unknown[] }>('accounts').findOne({ _id: accountId });
        const entries = await connection.db!.collection<LedgerEntry>('ledger_entries').find({ accountId }, { projection: { _id: 0 } }).sort({ seq: 1 }).toArray();
        return { account: account!, entries: entries as LedgerEntry[] };
      } finally {
        await connection.close();
      }
    },
  };
}
