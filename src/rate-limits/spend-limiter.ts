import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Viewer } from '../auth/index.js';

export type SpendLimiterOptions = {
  /** Spending requests a principal may send a minute; 0 turns the limit off. */
  readonly perMinute: number;
  /** Whether service tokens are counted too (they are the product's backend, exempt by default). */
  readonly services: boolean;
  /** Counted in this Redis, so that the limit holds across server processes; in this process otherwise. */
  readonly redisUrl: string | undefined;
  /** Told when Redis stops answering (once, until it is back): the count is this process's meanwhile. */
  readonly onRedisDown: (error: Error) => void;
};

export type SpendLimiter = {
  /**
   * Counts one spending request of `viewer`: null when it is within the limit (or not limited),
   * otherwise how many seconds until the principal's window has room again.
   */
  take(viewer: Viewer): Promise<number | null>;
  /** Takes back what `take` counted for a request that spent nothing new: a replay of an applied key. Never rejects. */
  giveBack(viewer: Viewer): Promise<void>;
  close(): Promise<void>;
};

const WINDOW_SECONDS = 60;
const REDIS_KEY_PREFIX = 'creditstream:spend:';
/**
 * How long a count may wait for Redis before this process's own count answers instead: a frozen
 * Redis slows a spending request by at most this much, never fails it.
 */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/** A member is its subject within its organization, whatever its role; a service is never a user. */
function principalOf(viewer: Viewer): string {
  return JSON.stringify([viewer.organizationId, viewer.role === 'service' ? 'service' : 'user', viewer.userId]);
}

/**
 * The limit on spending requests per principal, a fixed window of a minute
 * (rate-limiter-flexible). With Redis, every process counts in one place; when Redis is down or
 * slow, each process counts in its own memory instead (the insurance limiter), so spending goes
 * on, limited per process, rather than failing.
 */
export function createSpendLimiter({ perMinute, services, redisUrl, onRedisDown }: SpendLimiterOptions): SpendLimiter {
  if (perMinute === 0) return { take: () => Promise.resolve(null), giveBack: () => Promise.resolve(), close: () => Promise.resolve() };
  const limits = { points: perMinute, duration: WINDOW_SECONDS, keyPrefix: REDIS_KEY_PREFIX };
  const memory = new RateLimiterMemory(limits);
  const redis = redisUrl === undefined ? undefined : connect(redisUrl, onRedisDown);
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({ ...limits, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory })
    : memory;
  const limited = (viewer: Viewer) => services || viewer.role !== 'service';

  return {
    async take(viewer) {
      if (!limited(viewer)) return null;
      try {
        await limiter.consume(principalOf(viewer));
        return null;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      }
    },
    async giveBack(viewer) {
      // Never fails: it runs after a replay has been answered by the ledger, and an error here
      // would hide that answer; a count not given back only costs the principal one request.
      if (limited(viewer)) await limiter.reward(principalOf(viewer)).catch(() => undefined);
    },
    async close() {
      redis?.disconnect();
    },
  };
}

/** A connection of the limiter's own: no offline queue and a short timeout, so a count never waits long for Redis. */
function connect(url: string, onRedisDown: (error: Error) => void): Redis {
  const redis = new Redis(url, { connectionName: 'creditstream-spend-limits', enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, lazyConnect: true });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) onRedisDown(error);
    down = true;
  });
  redis.on('ready', () => {
    down = false;
  });
  // Counted in memory until the connection is ready; it reconnects by itself after a failure.
  redis.connect().catch(() => {});
  return redis;
}
