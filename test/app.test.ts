import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

describe('createApp', () => {
  // The database follows MONGODB_URI like every other suite: embedded unless a real MongoDB is named.
  const config = loadConfig({ MONGODB_URI: process.env.MONGODB_URI, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent' });
  const app = createApp(config);
  let running: RunningApp;

  beforeAll(async () => {
    running = await app.start();
  });
  afterAll(async () => {
    await app.stop();
  });

  it('serves /health', async () => {
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('reports /ready only while the database answers', async () => {
    expect(running.database.embedded).toBe(config.database.uri === undefined);
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'up' });
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${running.url}/nope`)).status).toBe(404);
  });
});
