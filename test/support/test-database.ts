import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/database.js';

/**
 * A fresh database for one test file: the embedded one by default, or a throw-away database on the
 * real MongoDB named by `MONGODB_URI`, so the same suite checks that the two agree.
 */
export async function openTestDatabase(label: string): Promise<Database> {
  const { database: options } = loadConfig(process.env);
  const database = await openDatabase({ ...options, name: `cs-test-${label}-${randomUUID().slice(0, 8)}` });
  return {
    ...database,
    async close() {
      await database.connection.dropDatabase();
      await database.close();
    },
  };
}
