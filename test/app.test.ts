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

  it('serves /health from the GraphQL server without touching the database', async () => {
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-yoga-id')).toBeTruthy();
    expect(await response.text()).toBe('');
  });

  it('reports /ready only while the database answers', async () => {
    expect(running.database.embedded).toBe(config.database.uri === undefined);
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'up' });
  });

  it('serves GraphQL at /graphql', async () => {
    expect(running.graphqlUrl).toBe(`${running.url}/graphql`);
    const response = await fetch(`${running.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${running.url}/nope`)).status).toBe(404);
  });

  // Last: it takes the database away.
  it('turns /ready to 503 when the database stops answering, while /health stays up', async () => {
    await running.database.connection.close();
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', database: 'down' });
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
  });
});
