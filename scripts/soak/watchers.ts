/**
 * The soak's subscribers: each watches one account's `creditUsage` ticks (meter AI_CREDITS) over
 * graphql-ws, stays connected a few seconds, drops the connection (a clean close or an abrupt
 * one), and connects again, to any server, with `afterSeq` set to the last seq it received, as
 * the README tells clients to. A server killed under it is one more drop. Every seq it receives
 * is recorded; the invariants then hold them to the ledger: every tick of the account from its
 * first to its last, in order, none twice.
 */
import { randomInt } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Cluster } from '../bench/cluster.js';
import { now, sleep } from '../bench/measure.js';

const CREDIT_USAGE = 'subscription ($id: ID!, $after: Int) { creditUsage(accountId: $id, meter: AI_CREDITS, afterSeq: $after) { seq } }';
const MIN_LIFETIME_MS = 1_000;
const MAX_LIFETIME_MS = 12_000;
const MAX_PAUSE_MS = 1_000;

/** Closes the client's socket, if it ever opened one (a connection refused is already over). */
const dispose = (client: Client) => void Promise.resolve(client.dispose()).catch(() => undefined);

/** One connection of a watcher: where its ticks start in `seqs`, the `afterSeq` it asked for, the server. */
export type Connection = { readonly from: number; readonly afterSeq: number | null; readonly url: string };

export type WatcherRecord = {
  readonly accountId: string;
  /** The seqs received, over all its connections, in the order they arrived. */
  readonly seqs: readonly number[];
  readonly connections: readonly Connection[];
};

/** `unavailable`: subscriptions the server ended with UNAVAILABLE (its database down): the client subscribes again. */
export type WatcherCounts = { connections: number; ticks: number; ourDrops: number; serverDrops: number; unavailable: number };

class Watcher implements WatcherRecord {
  readonly seqs: number[] = [];
  readonly connections: Connection[] = [];
  /** The connection open now, if any, and when it was opened (monotonic ms). */
  private client: Client | undefined;
  connectedAt = 0;

  constructor(
    readonly accountId: string,
    private readonly token: string,
    private readonly watchers: Watchers,
  ) {}

  /** Connects, drops and reconnects until `deadline`; then keeps its last connection until `Watchers.stop`. */
  async run(deadline: number): Promise<void> {
    while (!this.watchers.stopped) {
      const lasting = now() < deadline;
      const lifetime = lasting ? MIN_LIFETIME_MS + randomInt(MAX_LIFETIME_MS - MIN_LIFETIME_MS) : Number.POSITIVE_INFINITY;
      await this.connection(lifetime);
      if (!this.watchers.stopped) await sleep(randomInt(MAX_PAUSE_MS));
    }
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  private connection(lifetimeMs: number): Promise<void> {
    const urls = this.watchers.urls();
    const url = urls[randomInt(urls.length)]!.replace(/^http/, 'ws');
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      lazy: true,
      retryAttempts: 0,
    });
    let opened = false;
    client.on('opened', () => (opened = true));
    const after = this.seqs.at(-1) ?? null;
    this.connections.push({ from: this.seqs.length, afterSeq: after, url });
    const counts = this.watchers.counts;
    counts.connections += 1;
    return new Promise<void>((resolve) => {
      let dropping = false;
      let unavailable = false;
      let over = false;
      const end = () => {
        over = true;
        clearTimeout(timer);
        this.watchers.stopListeners.delete(drop);
        if (this.client === client) this.client = undefined;
        resolve();
      };
      const drop = () => {
        if (dropping) return;
        dropping = true;
        counts.ourDrops += 1;
        // An abrupt end only once the socket is open: graphql-ws's terminate on a socket still
        // connecting makes `ws` throw an error nobody listens to.
        if (opened && randomInt(2) === 0) client.terminate();
        else dispose(client);
        end();
      };
      const timer = Number.isFinite(lifetimeMs) ? setTimeout(drop, lifetimeMs) : undefined;
      this.client = client;
      this.connectedAt = now();
      this.watchers.stopListeners.add(drop);
      client.subscribe<{ creditUsage: { seq: number } }>(
        { query: CREDIT_USAGE, variables: { id: Cluster.globalId(this.accountId), after } },
        {
          next: (value) => {
            // A socket being closed may still deliver ticks: they are not this watcher's any more, its next connection asks from where it stopped.
            if (over) return;
            const seq = value.data?.creditUsage.seq;
            if (value.errors?.every((error) => error.extensions?.code === 'UNAVAILABLE')) {
              unavailable = true;
              counts.unavailable += 1;
              return;
            }
            if (value.errors !== undefined || seq === undefined) return this.watchers.problem(`a tick of ${this.accountId} with errors: ${JSON.stringify(value).slice(0, 300)}`);
            this.seqs.push(seq);
            counts.ticks += 1;
          },
          error: (error: unknown) => {
            if (dropping) return;
            // A list of GraphQL errors is the server refusing the subscription; anything else is the socket going away.
            if (Array.isArray(error)) this.watchers.problem(`the subscription to ${this.accountId} failed: ${JSON.stringify(error).slice(0, 300)}`);
            else counts.serverDrops += 1;
            dispose(client);
            end();
          },
          complete: () => {
            if (!dropping && !unavailable) this.watchers.problem(`the server completed the subscription to ${this.accountId}`);
            end();
          },
        },
      );
    });
  }
}

export class Watchers {
  readonly counts: WatcherCounts = { connections: 0, ticks: 0, ourDrops: 0, serverDrops: 0, unavailable: 0 };
  readonly problems: string[] = [];
  stopped = false;
  private readonly all: Watcher[] = [];
  private readonly running: Promise<void>[] = [];
  /** How to drop each open connection, for `stop`. */
  readonly stopListeners = new Set<() => void>();

  /** `urls` is read at each connection: a restarted server has a new port. */
  constructor(readonly urls: () => readonly string[]) {}

  problem(description: string): void {
    this.problems.push(description);
  }

  /** One watcher per spec: the account it watches, with a token allowed to. */
  start(specs: readonly { readonly accountId: string; readonly token: string }[], deadline: number): void {
    for (const { accountId, token } of specs) {
      const watcher = new Watcher(accountId, token, this);
      this.all.push(watcher);
      this.running.push(watcher.run(deadline));
    }
  }

  /**
   * Once the last writes are done: waits until every watcher connected since before `since`
   * (monotonic ms) has received its account's seq in `lastSeqs`, for up to `timeoutMs`. Answers
   * those that have not: a tick lost at the end, which no later tick reveals.
   */
  async waitForTail(since: number, lastSeqs: ReadonlyMap<string, number>, timeoutMs: number): Promise<string[]> {
    const behind = () =>
      this.all.filter((watcher) => watcher.connected && watcher.connectedAt < since && (watcher.seqs.at(-1) ?? 0) < (lastSeqs.get(watcher.accountId) ?? 0));
    const deadline = now() + timeoutMs;
    while (behind().length > 0 && now() < deadline) await sleep(100);
    return behind().map((watcher) => `a watcher of ${watcher.accountId} stopped at seq ${watcher.seqs.at(-1) ?? 'none'}, the ledger is at ${lastSeqs.get(watcher.accountId)}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const drop of [...this.stopListeners]) drop();
    await Promise.all(this.running);
  }

  records(): readonly WatcherRecord[] {
    return this.all;
  }
}
