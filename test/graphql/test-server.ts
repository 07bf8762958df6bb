import { afterAll, beforeAll } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken, type TokenClaims } from '../../src/auth/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import type { TimerScheduler } from '../../src/realtime/index.js';

/**
 * Starts the whole app on a free loopback port for the tests of one file (the database follows
 * MONGODB_URI like every other suite), and signs tokens it accepts.
 */
export function useTestServer(
  options: {
    env?: Record<string, string>;
    adjust?: (config: Config) => Config;
    logger?: Logger;
    now?: () => Date;
    scheduler?: TimerScheduler;
  } = {},
) {
  const loaded = loadConfig({ MONGODB_URI: process.env.MONGODB_URI, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', ...options.env });
  const config = options.adjust ? options.adjust(loaded) : loaded;
  const app = createApp(config, { logger: options.logger, now: options.now, scheduler: options.scheduler });
  let running: RunningApp | undefined;

  beforeAll(async () => {
    running = await app.start();
  });
  afterAll(async () => {
    await app.stop();
  });

  return {
    config,
    get url(): string {
      if (!running) throw new Error('the test server is not started yet');
      return running.graphqlUrl;
    },
    /** The started app: its database and ledger store, for what a test does outside the API. */
    get app(): RunningApp {
      if (!running) throw new Error('the test server is not started yet');
      return running;
    },
    token: (claims: TokenClaims, ttl?: string) => signToken(config.auth, claims, ttl),
  };
}
