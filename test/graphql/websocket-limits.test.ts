import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useTestServer } from './test-server.js';

const server = useTestServer();

describe('the WebSocket endpoint', () => {
  it('closes a socket that sends a message over 1 MiB instead of buffering it (1009 Message Too Big)', async () => {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(1024 * 1024 + 1) } }));
    expect(await closed).toBe(1009);
  });
});
