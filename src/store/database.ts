import mongoose from 'mongoose';
import { MongoError, MongoNetworkError, MongoNotConnectedError, MongoOperationTimeoutError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import type { Config } from '../config.js';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../embedded-mongo/index.js';

export type Database = {
  readonly connection: mongoose.Connection;
  /** Where it connected; may carry credentials, so never log it. */
  readonly uri: string;
  /** True when this process started the embedded, in-memory database (development and tests only). */
  readonly embedded: boolean;
  /** Round-trips a `ping`, rejecting after `PING_DEADLINE_MS` at the latest; what `/ready` reports. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** How long `/ready` waits for the database's answer: it answers 503 within a second, even with a frozen database. */
const PING_DEADLINE_MS = 800;

/**
 * Opens the one persistence path: mongoose on MongoDB. Without a URI it first starts the embedded
 * database on a free loopback port and connects to it over TCP, so development and tests exercise
 * the same driver code as production.
 *
 * Every command is bounded (`options.timeouts`): a database that is down fails it at once
 * (connection refused) or after the server selection timeout, and one that stops answering (a
 * stopped process, a partition) after the socket timeout, rather than whenever it answers again.
 * Commands are never buffered while the connection is down, which would only make them wait.
 */
export async function openDatabase(options: Config['database'], embedded: Pick<EmbeddedMongoOptions, 'onInternalError'> = {}): Promise<Database> {
  const embeddedServer = options.uri === undefined ? await startEmbeddedMongo(embedded) : undefined;
  const uri = options.uri ?? embeddedServer!.uri;
  const { serverSelectionMs, connectMs, socketMs } = options.timeouts;
  try {
    const connection = await mongoose
      .createConnection(uri, {
        dbName: options.name,
        serverSelectionTimeoutMS: serverSelectionMs,
        connectTimeoutMS: connectMs,
        socketTimeoutMS: socketMs,
        bufferCommands: false,
        // An optional field left undefined is absent, not stored as null.
        ignoreUndefined: true,
      })
      .asPromise();
    return {
      connection,
      uri,
      embedded: embeddedServer !== undefined,
      async ping() {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new MongoOperationTimeoutError(`no answer to ping within ${PING_DEADLINE_MS} ms`)), PING_DEADLINE_MS);
        });
        try {
          await Promise.race([connection.db!.admin().command({ ping: 1 }), deadline]);
        } finally {
          clearTimeout(timer);
        }
      },
      async close() {
        await connection.close();
        await embeddedServer?.stop();
      },
    };
  } catch (error) {
    await embeddedServer?.stop();
    throw error;
  }
}

/** Server error codes that say this server cannot serve now but will (stepping down, shutting down): 91, 189, 10107, 11600, 11602, 13435, 13436. */
const TRANSIENT_SERVER_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

/**
 * Whether `error` says the database cannot be reached or did not answer in time, rather than that
 * a command was wrong: such a command may or may not have applied, and is worth retrying (a write
 * with the same idempotency key, which replays if it did apply).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if (
      cause instanceof MongoNetworkError ||
      cause instanceof MongoServerSelectionError ||
      cause instanceof MongoOperationTimeoutError ||
      cause instanceof MongoNotConnectedError ||
      cause instanceof MongoTopologyClosedError ||
      // mongoose's own kind, thrown when it cannot select a server at all.
      cause.name === 'MongooseServerSelectionError' ||
      (cause instanceof MongoError && typeof cause.code === 'number' && TRANSIENT_SERVER_CODES.has(cause.code))
    ) {
      return true;
    }
  }
  return false;
}
