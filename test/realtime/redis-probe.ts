import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Null when Redis answers a PING within a second, otherwise why not. */
export async function whyRedisIsUnreachable(url: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The connection's own error says more than the rejection ("Connection is closed").
  let cause: unknown;
  client.on('error', (error: unknown) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    const reason = cause ?? error;
    return `${url}: ${reason instanceof Error ? reason.message : String(reason)}`;
  } finally {
    client.disconnect();
  }
}

/**
 * Whether a file's tests that need Redis are to be skipped: when Redis does not answer, they are,
 * with a warning naming `what`; unless REQUIRE_REDIS=1 (as in CI), which turns the missing Redis
 * into a failing test, so that they can never drop out of a run unnoticed.
 */
export async function withoutRedis(what: string): Promise<boolean> {
  const unreachable = await whyRedisIsUnreachable(REDIS_URL);
  if (unreachable === null) return false;
  if (process.env.REQUIRE_REDIS === '1') {
    describe('Redis, required by REQUIRE_REDIS=1', () => {
      it('is reachable', () => {
        expect.fail(`Redis is not reachable at ${unreachable}`);
      });
    });
  } else console.warn(`Skipping ${what}: ${unreachable} (REQUIRE_REDIS=1 makes this a failure)`);
  return true;
}
