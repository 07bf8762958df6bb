import { MongoClient, type MongoClientOptions, MongoServerError } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from './index.js';

export type TestDatabase = { readonly server: EmbeddedMongo; readonly client: MongoClient };

/**
 * For test files: starts a private embedded server and a connected MongoClient before the file's
 * tests and stops both afterwards. Read the fields inside tests, not at module load.
 */
export function useTestDatabase(clientOptions: MongoClientOptions = {}): TestDatabase {
  const handle = {} as { server: EmbeddedMongo; client: MongoClient };
  beforeAll(async () => {
    handle.server = await startEmbeddedMongo();
    handle.client = await new MongoClient(handle.server.uri, clientOptions).connect();
  });
  afterAll(async () => {
    await handle.client.close();
    await handle.server.stop();
  });
  return handle;
}

/** The server error a promise rejects with (fails the test if it resolves or fails otherwise). */
export async function serverError(promise: Promise<unknown>): Promise<MongoServerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MongoServerError) return error;
    throw error;
  }
  throw new Error('expected the server to refuse this, but it succeeded');
}
