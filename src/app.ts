import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type Database } from './store/database.js';

export type RunningApp = {
  /** `http://host:port`, with the port actually bound (a test passes port 0). */
  readonly url: string;
  readonly database: Database;
};

export type App = {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
};

export function createApp(config: Config, logger: Logger = createLogger(config.logLevel)): App {
  let running: { server: ReturnType<typeof createServer>; database: Database } | undefined;

  async function handle(database: Database, request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/health') return sendJson(response, 200, { status: 'ok' });
    if (path === '/ready') {
      try {
        await database.ping();
        return sendJson(response, 200, { status: 'ready', database: 'up' });
      } catch {
        return sendJson(response, 503, { status: 'unavailable', database: 'down' });
      }
    }
    return sendJson(response, 404, { error: 'not found' });
  }

  return {
    async start() {
      if (running) throw new Error('the app is already started');
      const database = await openDatabase(config.database);
      if (database.embedded) {
        logger.warn('MONGODB_URI is not set: using the embedded in-memory database (development and tests only, data is lost on stop)');
      }
      const server = createServer((request, response) => {
        handle(database, request, response).catch((error: unknown) => {
          logger.error(`request failed: ${String(error)}`);
          if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
        });
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.http.port, config.http.host, resolve);
        });
      } catch (error) {
        await database.close();
        throw error;
      }
      running = { server, database };
      const { port } = server.address() as AddressInfo;
      const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
      return { url: `http://${host}:${port}`, database };
    },
    async stop() {
      if (!running) return;
      const { server, database } = running;
      running = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
