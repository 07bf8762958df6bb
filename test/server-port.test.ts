import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { killServerProcesses, spawnServerProcess, type ServerProcess } from './support/server-process.js';

describe('the server process on a port that is taken', () => {
  const started: ServerProcess[] = [];
  afterEach(() => killServerProcesses(started));

  it('says so in one line and exits 1, with no stack trace', async () => {
    const squatter = createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const { port } = squatter.address() as AddressInfo;
    try {
      const server = spawnServerProcess({ PORT: String(port), LOG_LEVEL: 'error' });
      started.push(server);
      const { exitCode, stderr } = await server.exited;
      expect(exitCode).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([`creditstream cannot listen on 127.0.0.1:${port}: the port is in use (set PORT or HOST to another one)`]);
    } finally {
      squatter.close();
    }
  });
});
