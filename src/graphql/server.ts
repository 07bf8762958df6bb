import { format } from 'node:util';
import { createYoga, useReadinessCheck, type Plugin, type YogaLogger } from 'graphql-yoga';
import { bearerToken, type Authenticate } from '../auth/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { RedisEventBus } from '../realtime/index.js';
import type { Database } from '../store/database.js';
import { createContext, type Context, type Services } from './context.js';
import { endpointLimitPlugins } from './limits.js';
import { maskError } from './results/index.js';
import { schema } from './schema.js';
import { schemaPrivacyPlugins } from './schema-privacy.js';
import { useSharedSubscriptionExecution } from './subscriptions/shared-execution.js';

export type GraphQLServerOptions = {
  readonly config: Config;
  readonly services: Services;
  readonly authenticate: Authenticate;
  readonly database: Database;
  /** The Redis that carries live usage between processes, when there is one: `/ready` reports it. */
  readonly redis: Pick<RedisEventBus, 'status'> | undefined;
  readonly logger: Logger;
  /** Counts requests, operations and errors (src/metrics). */
  readonly metrics: Plugin;
};

/**
 * What yoga is given besides an HTTP request: an operation on a WebSocket names the token its
 * connection was opened with instead (see `websocket.ts`).
 */
export type ServerContext = { readonly connection?: { readonly token: string } };

export type GraphQLServer = ReturnType<typeof createGraphQLServer>;

/**
 * The HTTP side of the API, as one Node request listener: GraphQL at `/graphql` (GET and POST,
 * subscriptions as server-sent events, GraphiQL with the development conveniences), `/health`
 * (yoga's: 200 while the process serves) and `/ready` (200 while the database answers a ping, 503
 * otherwise; with Redis, also whether it is connected, which does not change the status: the API
 * works without it and live usage catches up when it is back). Anything else is 404.
 */
export function createGraphQLServer({ config, services, authenticate, database, redis, logger, metrics }: GraphQLServerOptions) {
  // GraphiQL, the landing page and error details: see `developmentConveniences` in config.ts.
  const development = config.developmentConveniences;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: development,
    // GraphiQL's page with its scripts and styles inlined from the npm bundle (yoga's own loads them
    // from a CDN), so it works on a machine with no network beyond itself; the 9 MB bundle is loaded
    // on the first page asked for, not by every server.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: development,
    // Unexpected errors reach the client as "Unexpected error." (with the development conveniences,
    // with the original message and stack in extensions) and the log in full; errors with an
    // `extensions.code` pass unchanged, and a malformed argument of a read answers BAD_USER_INPUT.
    maskedErrors: { isDev: development, maskError },
    logging: yogaLogger(logger),
    context: ({ request, connection }) =>
      createContext(connection ? connection.token : bearerToken(request.headers.get('authorization')), { authenticate, services, logger }),
    plugins: [
      metrics,
      // Depth, aliases, directives, tokens and cost, and introspection and suggestions off in production.
      ...endpointLimitPlugins(config.graphql),
      ...schemaPrivacyPlugins(config.graphql.introspection),
      // Subscribers of one event with one document and the same variables share its execution.
      useSharedSubscriptionExecution(),
      useReadinessCheck({
        endpoint: '/ready',
        check: async ({ fetchAPI }) => {
          const up = await database.ping().then(
            () => true,
            () => false,
          );
          const connections = redis?.status();
          const redisState = connections && { redis: connections.publisher === 'ready' && connections.subscriber === 'ready' ? 'up' : 'down' };
          return fetchAPI.Response.json(
            up ? { status: 'ready', database: 'up', ...redisState } : { status: 'unavailable', database: 'down', ...redisState },
            { status: up ? 200 : 503 },
          );
        },
      }),
    ],
  });
}

function yogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args: unknown[]) => logger.debug(format(...args)),
    info: (...args: unknown[]) => logger.info(format(...args)),
    warn: (...args: unknown[]) => logger.warn(format(...args)),
    error: (...args: unknown[]) => logger.error(format(...args)),
  };
}
