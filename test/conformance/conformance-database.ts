import { afterAll, beforeAll } from 'vitest';
import type { Collection, Db, Document } from 'mongodb';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase } from '../support/test-database.js';

export type ConformanceDatabase = {
  /** The driver's database: the embedded one, or a throw-away database on `MONGODB_URI`'s MongoDB. */
  readonly db: Db;
  /** True on the embedded database; only for features it documents as refused (README), never to bend an expectation. */
  readonly embedded: boolean;
  /** A collection of its own for one test, so tests never see each other's documents. */
  collection<T extends Document = Document>(name: string): Collection<T>;
};

/**
 * For a conformance test file: a fresh database for the file's tests, dropped afterwards. Every
 * test states what MongoDB does and runs the same against a real MongoDB (`MONGODB_URI`) and the
 * embedded database, which is how the embedded one is kept from being silently different.
 */
export function useConformanceDatabase(label: string): ConformanceDatabase {
  let database: Database | undefined;
  let counter = 0;
  beforeAll(async () => {
    database = await openTestDatabase(`conformance-${label}`);
  });
  afterAll(async () => {
    await database?.close();
  });
  const opened = (): Database => {
    if (!database) throw new Error('useConformanceDatabase: read it inside a test');
    return database;
  };
  return {
    get db() {
      return opened().connection.db!;
    },
    get embedded() {
      return opened().embedded;
    },
    collection<T extends Document = Document>(name: string) {
      counter += 1;
      return opened().connection.db!.collection<T>(`${name}_${counter}`);
    },
  };
}

export { serverError } from '../../src/embedded-mongo/test-database.js';
