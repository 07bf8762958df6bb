import type { GraphQLError } from 'graphql';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { WebSocket, WebSocketServer } from 'ws';
import type { WebSocketCaps } from '../config.js';
import { subscriptionLimit } from './errors.js';

/**
 * The close codes this server sends besides graphql-ws's own (`CloseCode`: 4400, 4401, 4403,
 * 4406, 4408, 4409, 4429, 4500), each in the README. A closed set: clients may switch on them.
 */
export const CapCloseCode = {
  /** The socket sent more messages than `WS_MESSAGES_PER_SECOND` allows (graphql-ws also sends 4429, for a second `connection_init`). */
  TooManyMessages: 4429,
  /** The principal has `WS_MAX_SOCKETS_PER_PRINCIPAL` sockets open already: sent instead of `connection_ack`. */
  TooManySockets: 4430,
} as const;

export const TOO_MANY_MESSAGES_REASON = 'Too many messages: send fewer subscribe and complete messages.';
export const TOO_MANY_SOCKETS_REASON = 'Too many sockets for this access token: close one first.';

/** How many messages the rate of `WS_MESSAGES_PER_SECOND` allows at once: its window. */
const MESSAGE_WINDOW_SECONDS = 10;

/** What graphql-ws keeps of a socket's operations: one key per operation open, from its subscribe message on. */
type Operations = { readonly subscriptions: Readonly<Record<string, unknown>> };

/**
 * Caps on what one principal (a user or a service, see `callerIdOf`) holds open in this process:
 * its sockets, and the operations open over them. It counts graphql-ws's own record of each
 * socket's operations, which graphql-ws fills at the subscribe message and empties when an
 * operation ends or its socket closes, so nothing here can drift from what is open; a socket is
 * forgotten when it closes, so the principal can open another.
 */
export class PrincipalCaps {
  private readonly sockets = new Map<string, Set<Operations>>();

  constructor(private readonly caps: WebSocketCaps) {}

  /** Takes a place for the socket; false when the principal has all its sockets open already. */
  admit(principal: string, socket: Operations): boolean {
    let open = this.sockets.get(principal);
    if (open && open.size >= this.caps.maxSocketsPerPrincipal) return false;
    if (!open) this.sockets.set(principal, (open = new Set()));
    open.add(socket);
    return true;
  }

  release(principal: string, socket: Operations): void {
    const open = this.sockets.get(principal);
    if (open?.delete(socket) && open.size === 0) this.sockets.delete(principal);
  }

  /**
   * The refusal of an operation just subscribed on `socket` (graphql-ws counts it already) that
   * goes over a cap, or null. Synchronous, so that two subscribes at once never both get the last place.
   */
  refusal(principal: string, socket: Operations): GraphQLError | null {
    const { maxSubscriptionsPerSocket, maxSubscriptionsPerPrincipal } = this.caps;
    if (countOf(socket) > maxSubscriptionsPerSocket) {
      return subscriptionLimit(`This socket has ${maxSubscriptionsPerSocket} operations open, the most it may: complete one first.`, 'SOCKET', maxSubscriptionsPerSocket);
    }
    let total = 0;
    for (const open of this.sockets.get(principal) ?? []) total += countOf(open);
    if (total > maxSubscriptionsPerPrincipal) {
      return subscriptionLimit(
        `Your access token has ${maxSubscriptionsPerPrincipal} operations open over its sockets, the most it may: complete one first.`,
        'PRINCIPAL',
        maxSubscriptionsPerPrincipal,
      );
    }
    return null;
  }
}

function countOf({ subscriptions }: Operations): number {
  let count = 0;
  for (const _id in subscriptions) count += 1;
  return count;
}

/**
 * Closes with 4429 a socket that sends more messages than its rate allows. Every message counts
 * (subscribe and complete, and ping too), as each costs a parse at least, and a subscribe an
 * authorization and a feed. The listener must be added before graphql-ws's, so that it counts
 * each message before graphql-ws acts on it; the count is dropped when the socket closes.
 */
export function limitMessageRate(sockets: WebSocketServer, messagesPerSecond: number): void {
  const limiter = new RateLimiterMemory({ points: messagesPerSecond * MESSAGE_WINDOW_SECONDS, duration: MESSAGE_WINDOW_SECONDS });
  let lastSocket = 0;
  sockets.on('connection', (socket: WebSocket) => {
    const key = String(++lastSocket);
    socket.on('message', () => {
      // The memory limiter decides at once and answers a promise: it rejects when over the rate.
      limiter.consume(key).catch(() => socket.close(CapCloseCode.TooManyMessages, TOO_MANY_MESSAGES_REASON));
    });
    socket.once('close', () => void limiter.delete(key));
  });
}
