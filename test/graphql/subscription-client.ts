import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print, type FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { tickCursor } from '../../src/graphql/subscriptions/tick-cursor.js';
import { ticksOf } from '../../src/realtime/index.js';
import type { Meter } from '../../src/ledger/index.js';
import { randomUUID } from 'node:crypto';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { userAccountId } from '../../src/store/directory.js';
import { execute } from './client.js';
import { ViewerDocument, type CreditUsageSubscription } from './generated/graphql.js';
import type { useTestServer } from './test-server.js';

export type Closed = { readonly code: number; readonly reason: string };

/** A graphql-ws client on a real socket to the app, connecting at once and never retrying. */
export type SubscriptionSocket = {
  /** The `connection_ack` payload; rejects with the close when the server refused the connection. */
  readonly acknowledged: Promise<Record<string, unknown> | undefined>;
  /** The close of the socket, by either side. */
  readonly closed: Promise<Closed>;
  subscribe<Data, Variables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): AsyncIterableIterator<FormattedExecutionResult<Data>>;
  /** Completes every subscription and waits for the socket to close. */
  dispose(): Promise<void>;
};

export function openSocket(graphqlUrl: string, connectionParams?: Record<string, unknown>): SubscriptionSocket {
  let onClosed: (closed: Closed) => void = () => undefined;
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  let onAcknowledged: (payload: Record<string, unknown> | undefined) => void = () => undefined;
  const acknowledged = new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
    onAcknowledged = resolve;
    void closed.then(reject);
  });
  acknowledged.catch(() => undefined); // a test that expects a refusal reads `closed`
  const client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: (_socket, payload) => onAcknowledged(payload),
      closed: (event) => {
        const { code, reason } = event as Closed;
        onClosed({ code, reason });
      },
    },
  });
  return {
    acknowledged,
    closed,
    subscribe: (document, variables) => client.iterate({ query: print(document), variables: variables as Record<string, unknown> }),
    async dispose() {
      await client.dispose();
      await closed;
    },
  };
}

/** Sockets (and so subscriptions) a test opened, for its `afterEach` to dispose. */
export class Sockets {
  private readonly open: SubscriptionSocket[] = [];

  constructor(private readonly url: () => string) {}

  connect(connectionParams?: Record<string, unknown>): SubscriptionSocket {
    const socket = openSocket(this.url(), connectionParams);
    this.open.push(socket);
    return socket;
  }

  /** A socket authenticated with `token`, once the server acknowledged it. */
  async connectWith(token: string): Promise<SubscriptionSocket> {
    const socket = this.connect({ authorization: `Bearer ${token}` });
    await socket.acknowledged;
    return socket;
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((socket) => socket.dispose()));
  }
}

export const accountGlobalId = (accountId: string) => encodeGlobalID('Account', accountId);

/** A user of its own, its token and its account (store id and global ID), which a first request opened. */
export async function newSubscriber(server: Pick<ReturnType<typeof useTestServer>, 'url' | 'token'>) {
  const userId = `u-${randomUUID()}`;
  const token = await server.token({ sub: userId });
  const { errors } = await execute(server.url, ViewerDocument, { token });
  if (errors) throw new Error(`the first request of ${userId} failed: ${JSON.stringify(errors)}`);
  const accountId = userAccountId(userId);
  return { userId, token, accountId, globalId: accountGlobalId(accountId) };
}

/** The data of each result, failing on any error. */
export function dataOf<Data>(results: readonly FormattedExecutionResult<Data>[]): Data[] {
  return results.map((result) => {
    if (result.errors !== undefined || !result.data) throw new Error(`expected data, got ${JSON.stringify(result)}`);
    return result.data;
  });
}

export type Tick = CreditUsageSubscription['creditUsage'];

/** The ticks the ledger's entries after `afterSeq` make, as the subscription sends them (the member as its `User.id`). */
export async function ticksInLedger(store: LedgerStore, accountId: string, afterSeq: number, meter?: Meter): Promise<Tick[]> {
  const entries = await store.entriesAfter(accountId, afterSeq, 10_000);
  return entries.flatMap((entry) =>
    ticksOf(entry, { meter }).map(({ accountId: _accountId, change, memberId, at, thresholdsCrossed, ...tick }) => ({
      cursor: tickCursor({ seq: tick.seq, change }),
      ...tick,
      member: memberId === null ? null : { id: encodeGlobalID('User', memberId), externalId: memberId },
      at: at.toISOString(),
      thresholdsCrossed: [...thresholdsCrossed],
    })),
  );
}
