import { Redis } from 'ioredis';

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
