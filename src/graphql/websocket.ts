import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { EXPIRED_TOKEN_MESSAGE, acceptedUntil, bearerToken, type Authenticate } from '../auth/index.js';
import type { WebSocketCaps } from '../config.js';
import { inLogScope, logPrincipal, type Logger, type LogScope } from '../logger.js';
import { callerIdOf } from './inputs/index.js';
import { unavailableErrorOf } from './results/mask-error.js';
import type { GraphQLServer } from './server.js';
import { deliverToSocket } from './subscriptions/socket-delivery.js';
import { atInstant } from './subscriptions/token-expiry.js';
import { CapCloseCode, limitMessageRate, PrincipalCaps, TOO_MANY_SOCKETS_REASON } from './websocket-caps.js';

const MAX_MESSAGE_BYTES = 1024 * 1024;

export const MISSING_CONNECTION_TOKEN_MESSAGE =
  'Authentication required: send the access token in connection_init, as { "authorization": "Bearer <token>" }.';

/** WebSocket's own close code for a server that cannot serve now (the identity provider's keys cannot be fetched): connect again later. */
export const TRY_AGAIN_LATER = 1013;

/** How long closing waits for clients to answer the closing handshake. */
const CLOSE_GRACE_MS = 1_000;

/** What a connection remembers once its `connection_init` was accepted; `principal` as `callerIdOf` names it. */
type Connection = { readonly token: string; readonly principal: string; readonly cancelExpiry: () => void };
/** `log`: the connection's log scope (its id, then its principal), given at its first event. */
type Extra = { connection?: Connection; log?: LogScope };
type Enveloped = ReturnType<GraphQLServer['getEnveloped']>;
/**
 * yoga's execute and subscribe travel with each operation, as in yoga's graphql-ws recipe, and
 * the connection's log scope, which graphql-ws does not run them in.
 */
type Operation = ExecutionArgs & { rootValue: Pick<Enveloped, 'execute' | 'subscribe'> & { log: LogScope } };

export type WebSocketTransport = {
  /** Closes every connection (1001 Going away) and stops accepting new ones. */
  close(): Promise<void>;
  /** The WebSockets open now, acknowledged or not. */
  openSockets(): number;
};

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol of graphql-ws) on the HTTP server's
 * GraphQL path, running every operation through yoga, so that masking, the schema and the context
 * are those of HTTP.
 *
 * - `connection_init` carries the access token: `{ authorization: "Bearer <jwt>" }` or `{ token }`
 *   (both must then agree). Missing, invalid or expired: the socket closes with 4401 Unauthorized
 *   and the reason says which. Every role may subscribe to some account, so no token is refused
 *   with 4403 here; an account the caller may not watch fails that one subscription with FORBIDDEN.
 * - Each operation builds its context like an HTTP request, from the connection's token.
 * - When the token is no longer accepted (`acceptedUntil`: its `exp` plus the leeway HTTP gives
 *   it too) the socket closes with 4401 "The access token has expired.": at that instant by a
 *   timer, or earlier if a subscription or operation finds it expired first. Nothing is sent
 *   after. The client connects again with a new token and resubscribes after the last tick it got.
 * - Caps (`WebSocketCaps`, see websocket-caps.ts): a principal over its cap of sockets is closed
 *   with 4430 instead of acknowledged; an operation over its socket's or its principal's cap fails
 *   with SUBSCRIPTION_LIMIT, the socket and the others going on; a socket that sends messages
 *   faster than its rate is closed with 4429.
 */
export function attachWebSocketTransport(
  server: Server,
  yoga: GraphQLServer,
  dependencies: { authenticate: Authenticate; logger: Logger; production: boolean; caps: WebSocketCaps },
): WebSocketTransport {
  const { authenticate, logger, caps } = dependencies;
  // A GraphQL message is a few kilobytes; ws would otherwise buffer up to 100 MiB per message.
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_MESSAGE_BYTES });
  // Before graphql-ws's own listener, so that each message is counted before it is acted on.
  limitMessageRate(sockets, caps.messagesPerSecond);
  const principals = new PrincipalCaps(caps);
  const closeUnauthorized = (socket: { close(code: number, reason: string): void }, reason: string) =>
    socket.close(CloseCode.Unauthorized, reason);

  const transport = useServer<Record<string, unknown>, Extra>(
    {
      isProd: dependencies.production,
      execute: (args) => inLogScope((args as Operation).rootValue.log, () => (args as Operation).rootValue.execute(args)),
      subscribe: (args) => inLogScope((args as Operation).rootValue.log, () => (args as Operation).rootValue.subscribe(args)),

      onConnect: inConnectionScope(async (context) => {
        const { socket } = context.extra;
        // The upgrade request (its headers, its streams: over a kilobyte) is of no use past here,
        // and graphql-ws would otherwise keep it as long as the socket is open.
        Reflect.deleteProperty(context.extra, 'request');
        const token = connectionToken(context.connectionParams);
        if (token === undefined) {
          closeUnauthorized(socket, MISSING_CONNECTION_TOKEN_MESSAGE);
          return false;
        }
        const result = await authenticate(token).catch((error: unknown) => {
          logger.error(`cannot verify the access token of a WebSocket connection: ${error instanceof Error ? error.message : String(error)}`);
          return null;
        });
        if (result === null) {
          socket.close(CloseCode.InternalServerError, 'Internal server error');
          return false;
        }
        // The client may have gone while its token was checked: then nothing is left to watch.
        if (socket.readyState !== socket.OPEN) return false;
        if (!result.ok && result.error.code === 'UNAVAILABLE') {
          logger.error(`cannot verify the access token of a WebSocket connection: ${result.error.detail ?? result.error.reason}`);
          socket.close(TRY_AGAIN_LATER, result.error.message);
          return false;
        }
        if (!result.ok) {
          logger.debug(`refused a WebSocket connection: ${result.error.reason}${result.error.detail ? ` (${result.error.detail})` : ''}`);
          closeUnauthorized(socket, result.error.message);
          return false;
        }
        logPrincipal(result.viewer);
        const principal = callerIdOf(result.viewer);
        if (!principals.admit(principal, context)) {
          socket.close(CapCloseCode.TooManySockets, TOO_MANY_SOCKETS_REASON);
          return false;
        }
        const { expiresAt } = result.viewer;
        const cancelExpiry = atInstant(acceptedUntil(result.viewer), () => closeUnauthorized(socket, EXPIRED_TOKEN_MESSAGE));
        context.extra.connection = { token, principal, cancelExpiry };
        logger.info('WebSocket connection accepted');
        return { expiresAt: expiresAt.toISOString() };
      }),

      onSubscribe: inConnectionScope(async (context, _id, payload): Promise<Operation | readonly GraphQLError[]> => {
        // Subscribe messages before the acknowledgement never get here: graphql-ws closes with 4401.
        const { token, principal } = context.extra.connection!;
        // Before anything is awaited: graphql-ws counts this operation already, and the next
        // subscribe must find it counted.
        const refusal = principals.refusal(principal, context);
        if (refusal) return [refusal];
        const enveloped = yoga.getEnveloped({ connection: { token }, params: payload });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        let contextValue;
        try {
          contextValue = await enveloped.contextFactory();
        } catch (error) {
          // A dependency that cannot answer now (the database, the identity provider) fails this operation alone.
          const unavailable = unavailableErrorOf(error);
          if (unavailable) return [unavailable];
          if (!isUnauthenticated(error)) throw error;
          closeUnauthorized(context.extra.socket, error.message);
          return [error];
        }
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe, log: context.extra.log! },
        };
      }),

      // A subscription's results are written to the socket here, each result's JSON shared by
      // every socket it goes to; graphql-ws still sends `complete` and `error`.
      onOperation: inConnectionScope((context, id, _payload, _args, result) => {
        if (isAsyncIterable(result)) return deliverToSocket(result, context.extra.socket, id);
      }),

      // A subscription that found the token expired ends the connection rather than itself:
      // closing first means the error message is never sent, only the close.
      onError: inConnectionScope((context, _id, _payload, errors) => {
        const unauthenticated = errors.find(isUnauthenticated);
        if (unauthenticated) closeUnauthorized(context.extra.socket, unauthenticated.message);
      }),

      onClose: inConnectionScope((context, code, reason) => {
        const { connection } = context.extra;
        if (!connection) return;
        logger.info({ code, reason }, 'WebSocket connection closed');
        connection.cancelExpiry();
        principals.release(connection.principal, context);
      }),
    },
    sockets,
  );

  return {
    async close() {
      // A client that does not answer the closing handshake is cut off rather than waited for.
      const cutOff = setTimeout(() => sockets.clients.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS).unref();
      await transport.dispose();
      clearTimeout(cutOff);
    },
    openSockets: () => sockets.clients.size,
  };
}

/**
 * Runs a graphql-ws hook in its connection's log scope (given a new connection id at the first),
 * so every line it leads to names the connection and, once accepted, its principal.
 */
function inConnectionScope<C extends { extra: Extra }, A extends unknown[], R>(hook: (context: C, ...rest: A) => R): (context: C, ...rest: A) => R {
  return (context, ...rest) => inLogScope((context.extra.log ??= { connectionId: randomUUID() }), () => hook(context, ...rest));
}

/**
 * The token of a `connection_init` payload: `undefined` when it names none, and an empty token
 * (which never verifies) when what it names is not a token or two different ones.
 */
function connectionToken(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const { authorization, token } = params ?? {};
  const fromHeader = authorization === undefined ? undefined : typeof authorization === 'string' ? bearerToken(authorization) : '';
  const given = token === undefined ? undefined : typeof token === 'string' ? token : '';
  if (fromHeader !== undefined && given !== undefined && fromHeader !== given) return '';
  return fromHeader ?? given;
}

function isUnauthenticated(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED';
}
