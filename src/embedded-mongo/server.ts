import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerState } from './commands/index.js';
import { serveConnection } from './connection.js';

export type RunningServer = { readonly host: string; readonly port: number; close(): Promise<void> };

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The TCP listener. It tracks its sockets so that closing does not wait for idle pooled clients. */
export async function startServer(state: ServerState, host: string, port: number, onInternalError: (error: unknown) => void): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const connectionId = state.process.connectionOpened();
    socket.once('close', () => {
      sockets.delete(socket);
      state.process.connectionClosed();
    });
    serveConnection(socket, state, connectionId, onInternalError);
  });
  const address = await listen(server, host, port);
  state.process.listeningOn(address.port);
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
