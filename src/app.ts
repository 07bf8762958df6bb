import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator } from './auth/index.js';
import type { Config } from './config.js';
import { createDemoHandler } from './demo.js';
import { inFlightRequests } from './in-flight-requests.js';
import { slowClientLimits, withBodyLimit } from './http-limits.js';
import { createGenerationService, SimulatedGenerationProvider } from './generation/index.js';
import { createGraphQLServer } from './graphql/server.js';
import { attachWebSocketTransport } from './graphql/websocket.js';
import { createLogger, type Logger } from './logger.js';
import { DEFAULT_LEDGER_SETTINGS } from './ledger/index.js';
import { createMeteringService } from './metering/index.js';
import { createAppMetrics } from './metrics/index.js';
import { createSpendLimiter } from './rate-limits/index.js';
import { createInProcessEventBus, createRealtime, createRedisEventBus, type TimerScheduler } from './realtime/index.js';
import { withRequestLog } from './request-log.js';
import { openDatabase, type Database } from './store/database.js';
import { createDirectory } from './store/directory.js';
import { createGenerationStore } from './store/generations.js';
import { createLedgerStore, type LedgerStore } from './store/ledger-store.js';
import { startWebhooks } from './webhooks/index.js';

export type RunningApp = {
  /** `http://host:port`, with the port actually bound (a test passes port 0). */
  readonly url: string;
  /** Where the GraphQL endpoint is: `${url}/graphql`. */
  readonly graphqlUrl: string;
  readonly database: Database;
  /** The ledger store the API serves, for tools and tests that write outside the API: its writes are published live like the API's. */
  readonly store: LedgerStore;
};

export type App = {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
};

export type AppOptions = {
  readonly logger?: Logger;
  /** The clock of the ledger; tests inject one to cross period boundaries. */
  readonly now?: () => Date;
  /** The timers that publish period resets as they fall due; tests inject one they fire by hand. */
  readonly scheduler?: TimerScheduler;
};

/** How long stopping waits for the requests being answered; a mutation takes milliseconds, a generation what its provider takes. */
const SHUTDOWN_GRACE_MS = 10_000;

export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  /** Stops what `start` started, the last started first. */
  let running: { stop(): Promise<void> } | undefined;

  return {
    async start() {
      if (running) throw new Error('the app is already started');
      const metrics = createAppMetrics(config.metrics);
      const database = await openDatabase(config.database, {
        onInternalError: (error) => logger.error({ err: error }, 'embedded database: closed a connection after an internal error'),
      });
      if (database.embedded) {
        logger.warn('MONGODB_URI is not set: using the embedded in-memory database (development and tests only, data is lost on stop)');
      }
      if (config.auth.kind === 'secret' && config.auth.developmentSecret) {
        logger.warn('JWT_SECRET is not set: tokens are verified with the public development secret (development and tests only); `npm run -s token -- --sub u1` prints one (`-s`: without the banner of npm, so `T=$(npm run -s token -- --sub u1)` captures the token alone)');
      }
      const store = await createLedgerStore({
        connection: database.connection,
        plans: config.catalogs.plans,
        pricing: config.catalogs.pricing,
        settings: { ...DEFAULT_LEDGER_SETTINGS, holdTtlMs: config.ledger.holdTtlMs },
        now: options.now,
        onBackgroundError: (error) => logger.warn(`ledger: a write applied but its entries were not copied yet (the next write copies them): ${(error as Error).message}`),
        observer: metrics.ledger,
      });
      // Entries a crashed process wrote to an account but never copied to the history.
      const recovered = await store.recoverPendingEntries();
      if (recovered > 0) logger.warn(`recovered ${recovered} ledger entries left uncopied by an earlier crash`);
      const directory = await createDirectory({ connection: database.connection, store, defaultPlanId: config.defaultPlan, now: options.now });
      const generation = createGenerationService({
        store,
        generations: await createGenerationStore({ connection: database.connection }),
        provider: new SimulatedGenerationProvider(config.simulatedProvider),
        plans: config.catalogs.plans,
        pricing: config.catalogs.pricing,
      });

      // Live usage: the store's commits go out on the bus (Redis between processes) to the feeds.
      const onRealtimeError = (error: unknown) => logger.warn(`realtime: ${error instanceof Error ? error.message : String(error)}`);
      const { redisUrl } = config.realtime;
      const redis =
        redisUrl === undefined
          ? undefined
          : await createRedisEventBus(redisUrl, { onError: onRealtimeError }).catch(async (error: unknown) => {
              await database.close();
              throw error;
            });
      const bus = redis ?? createInProcessEventBus(onRealtimeError);
      const realtime = metrics.countFeeds(createRealtime({ store, bus, clock: options.now, scheduler: options.scheduler, onError: onRealtimeError }));

      const spendLimiter = createSpendLimiter({
        ...config.spendLimit,
        redisUrl,
        onRedisDown: (error) => logger.warn(`spend limits: Redis does not answer (${error.message}); each process counts its own requests until it is back`),
      });
      const webhooks = await startWebhooks({
        connection: database.connection,
        store,
        config: config.webhooks,
        now: options.now,
        registry: metrics.registry,
        onError: (error) => logger.warn(`webhooks: ${error instanceof Error ? error.message : String(error)}`),
      });
      const authenticate = createAuthenticator(config.auth);
      const graphql = createGraphQLServer({
        config,
        services: {
          catalogs: config.catalogs,
          store,
          directory,
          realtime,
          generation,
          metering: createMeteringService({ store, plans: config.catalogs.plans, pricing: config.catalogs.pricing }),
          spendLimiter,
          webhookEndpoints: webhooks.endpoints,
          webhookDeliveries: webhooks.outbox,
        },
        authenticate,
        database,
        redis,
        logger,
        metrics: metrics.graphql,
      });
      // The live usage card demo (a development convenience, see demo.ts) answers first; the rest is yoga's.
      const demo = createDemoHandler({ config, logger });
      const inFlight = inFlightRequests();
      // Each request gets an id on its log lines; slow clients are cut off, and bodies over
      // MAX_BODY_BYTES refused before anything parses them; /metrics answers before the rest.
      const server = createServer(slowClientLimits(config.http), withRequestLog(logger, withBodyLimit(config.http.maxBodyBytes, (request, response) => {
        if (!inFlight.admit(request, response) || metrics.endpoint(request, response)) return;
        demo(request, response).then(
          (handled) => {
            if (!handled) void graphql(request, response);
          },
          (error: unknown) => {
            logger.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
            if (!response.headersSent) response.writeHead(500).end();
            else response.destroy();
          },
        );
      })));
      // Attached once listening (below); until then, stopping has no WebSockets to close.
      let websocket: ReturnType<typeof attachWebSocketTransport> | undefined = undefined;
      // Stops accepting (connections, upgrades, requests on open connections), closes the WebSockets
      // with 1001 Going Away, lets the requests being answered finish, for SHUTDOWN_GRACE_MS at
      // most, then settles the ledger's last writes before the database closes.
      const stop = async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([websocket?.close(), inFlight.drain(SHUTDOWN_GRACE_MS)]);
        server.closeAllConnections();
        await closed;
        await realtime.close();
        await bus.close();
        await spendLimiter.close();
        await webhooks.stop();
        await store.settled();
        await database.close();
      };
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.http.port, config.http.host, resolve);
        });
      } catch (error) {
        await stop();
        throw error;
      }
      // Attached once listening, so that a port in use is one error (ws would also report it, as its own).
      // Without the development conveniences, graphql-ws closes on an internal error with no detail.
      websocket = attachWebSocketTransport(server, graphql, { authenticate, logger, production: !config.developmentConveniences, caps: config.websocket });
      metrics.countSockets(websocket.openSockets);
      running = { stop };
      const { port } = server.address() as AddressInfo;
      const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
      return { url: `http://${host}:${port}`, graphqlUrl: `http://${host}:${port}${graphql.graphqlEndpoint}`, database, store };
    },
    async stop() {
      if (!running) return;
      const { stop } = running;
      running = undefined;
      await stop();
    },
  };
}
