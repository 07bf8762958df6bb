import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator } from './auth/index.js';
import type { Config } from './config.js';
import { createGraphQLServer } from './graphql/server.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type Database } from './store/database.js';

export type RunningApp = {
  /** `http://host:port`, with the port actually bound (a test passes port 0). */
  readonly url: string;
  /** Where the GraphQL endpoint is: `${url}/graphql`. */
  readonly graphqlUrl: string;
  readonly database: Database;
};

export type App = {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
};

export function createApp(config: Config, logger: Logger = createLogger(config.logLevel)): App {
  let running: { server: ReturnType<typeof createServer>; database: Database } | undefined;

  return {
    async start() {
      if (running) throw new Error('the app is already started');
      const database = await openDatabase(config.database);
      if (database.embedded) {
        logger.warn('MONGODB_URI is not set: using the embedded in-memory database (development and tests only, data is lost on stop)');
      }
      if (config.auth.kind === 'secret' && config.auth.developmentSecret) {
        logger.warn('JWT_SECRET is not set: tokens are verified with the public development secret (development and tests only); `npm run token -- --sub u1` prints one');
      }
      const graphql = createGraphQLServer({
        config,
        services: { catalogs: config.catalogs },
        authenticate: createAuthenticator(config.auth),
        database,
        logger,
      });
      const server = createServer(graphql);
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
      return { url: `http://${host}:${port}`, graphqlUrl: `http://${host}:${port}${graphql.graphqlEndpoint}`, database };
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
