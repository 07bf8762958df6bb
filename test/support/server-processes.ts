import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App, type RunningApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';

/**
 * Two server processes of one deployment for the tests of one file, as two apps: each with its own
 * connection, ledger store, Redis connections and HTTP port, on one database (MONGODB_URI's, or one
 * embedded database both connect to), a database of their own named after `label`. `env` is read
 * when they start, so it may name what an earlier `beforeAll` made.
 */
export function useTwoServerProcesses(label: string, env: () => Record<string, string>) {
  let embedded: EmbeddedMongo | undefined;
  let apps: App[] = [];
  let config: Config | undefined;
  let running: RunningApp[] = [];

  beforeAll(async () => {
    if (process.env.MONGODB_URI === undefined) embedded = await startEmbeddedMongo();
    config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'silent',
      MONGODB_URI: process.env.MONGODB_URI ?? embedded!.uri,
      MONGODB_DB_NAME: `cs-test-${label}-${randomUUID().slice(0, 8)}`,
      ...env(),
    });
    apps = [createApp(config), createApp(config)];
    running = await Promise.all(apps.map((app) => app.start()));
  });
  afterAll(async () => {
    await running[0]?.database.connection.dropDatabase();
    await Promise.all(apps.map((app) => app.stop()));
    await embedded?.stop();
  });

  const started = (index: number): RunningApp => {
    const app = running[index];
    if (!app) throw new Error('the server processes are not started yet');
    return app;
  };
  return {
    get config(): Config {
      if (!config) throw new Error('the server processes are not started yet');
      return config;
    },
    get first(): RunningApp {
      return started(0);
    },
    get second(): RunningApp {
      return started(1);
    },
  };
}
