import mongoose from 'mongoose';
import type { Config } from '../config.js';
import { startEmbeddedMongo } from '../embedded-mongo/index.js';

export type Database = {
  readonly connection: mongoose.Connection;
  /** Where it connected; may carry credentials, so never log it. */
  readonly uri: string;
  /** True when this process started the embedded, in-memory database (development and tests only). */
  readonly embedded: boolean;
  /** Round-trips a `ping`; what `/ready` reports. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Opens the one persistence path: mongoose on MongoDB. Without a URI it first starts the embedded
 * database on a free loopback port and connects to it over TCP, so development and tests exercise
 * the same driver code as production.
 */
export async function openDatabase(options: Config['database']): Promise<Database> {
  const embeddedServer = options.uri === undefined ? await startEmbeddedMongo() : undefined;
  const uri = options.uri ?? embeddedServer!.uri;
  try {
    const connection = await mongoose
      // ignoreUndefined: an optional field left undefined is absent, not stored as null.
      .createConnection(uri, { dbName: options.name, serverSelectionTimeoutMS: 10_000, ignoreUndefined: true })
      .asPromise();
    return {
      connection,
      uri,
      embedded: embeddedServer !== undefined,
      async ping() {
        await connection.db!.admin().command({ ping: 1 });
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
