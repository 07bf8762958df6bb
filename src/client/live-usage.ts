/**
 * Live usage for frontends: the `creditUsage` ticks (and, if asked, the `balanceChanged`
 * balances) of an account over graphql-ws, kept going through server restarts, network drops and
 * token expiry, every tick exactly once and in order.
 *
 * It depends on graphql-ws alone (no server code, no Node APIs), so a browser bundle takes it as
 * it is; on Node, pass `webSocketImpl` (the `ws` package).
 *
 * Why not graphql-ws's own retries: it does not retry a failed connect unless told to, and when it
 * does it subscribes again with the variables of the first subscribe, so a stream resumed that way
 * either loses what was written while it was down or replays it all. Here every subscribe,
 * the first and each one after a reconnection, asks for the ticks after the last one received
 * (`after`: its `cursor`), and a tick already received is never handed on twice.
 */
import { createClient, type Client } from 'graphql-ws';

export type Meter = 'AI_CREDITS' | 'VIDEO_GENERATIONS';

/** One meter's change by one ledger entry, as `LIVE_USAGE_DOCUMENT` selects it. */
export type LiveTick = {
  /** Opaque: where this tick is, to resume after it (see `LiveUsageOptions.after`). */
  cursor: string;
  seq: number;
  meter: Meter;
  kind: 'GRANT' | 'DEBIT' | 'HOLD' | 'COMMIT' | 'RELEASE' | 'EXPIRY' | 'RESET' | 'PLAN_CHANGE' | 'ADJUSTMENT' | 'MEMBER_CAP' | 'POLICY_CHANGE';
  delta: number;
  previousAvailable: number;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
  unlimited: boolean;
  feature: string | null;
  sessionId: string | null;
  /** The member of a pool who caused it (`id` is what inputs take); null where the caller may not see it. */
  member: { id: string; externalId: string } | null;
  /** ISO 8601. */
  at: string;
  thresholdsCrossed: number[];
  /** The meter's daily limit and the day after the entry (`usedToday` counts reservations too); all null without a daily limit. */
  dailyLimit: number | null;
  usedToday: number | null;
  remainingToday: number | null;
  /** ISO 8601: when the day ends (midnight in the account's time zone). */
  dayResetsAt: string | null;
  /** True on the one tick whose entry took the day to its limit, once a meter a day: the moment to say "no more today". */
  dailyLimitReached: boolean;
};

export type LiveBalance = {
  meter: Meter;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
  unlimited: boolean;
  topUp: number;
  resetsAt: string;
  /** As on `LiveTick`: the daily limit and the day now, null without one (`available` may allow less than `remainingToday`). */
  dailyLimit: number | null;
  usedToday: number | null;
  remainingToday: number | null;
  dayResetsAt: string | null;
};

export const LIVE_USAGE_DOCUMENT = /* GraphQL */ `subscription LiveUsage($accountId: ID, $meter: Meter, $after: String, $afterSeq: Int) {
  creditUsage(accountId: $accountId, meter: $meter, after: $after, afterSeq: $afterSeq) {
    cursor seq meter kind delta previousAvailable available used reserved allowance unlimited feature sessionId member { id externalId } at thresholdsCrossed
    dailyLimit usedToday remainingToday dayResetsAt dailyLimitReached
  }
}`;

export const LIVE_BALANCES_DOCUMENT = /* GraphQL */ `subscription LiveBalances($accountId: ID) {
  balanceChanged(accountId: $accountId) { meter available used reserved allowance unlimited topUp resetsAt dailyLimit usedToday remainingToday dayResetsAt }
}`;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** Why the server closed the last connection because of its token (4401), for a token getter that must tell. */
export type TokenRefusal = { readonly code: number; readonly reason: string };

export type LiveUsageOptions = {
  /** The GraphQL endpoint as a WebSocket URL, e.g. `wss://api.example.com/graphql`. */
  url: string;
  /**
   * The access token, asked for on every connection and reconnection: return a fresh one once the
   * last expired. `refused` is the server's close when it refused the last one (4401, e.g. "The
   * access token has expired."). Throwing stops the live usage for good (`onError`, with what was
   * thrown as the cause): a page that cannot get a new token asks its user to sign in again.
   */
  token: (context: { refused: TokenRefusal | null }) => string | Promise<string>;
  /** The account's global ID; without it, the account the token's user draws from. */
  accountId?: string;
  meter?: Meter;
  /** The `cursor` of the last tick the client had (stored across page loads): start after it. */
  after?: string;
  /** Without `after`: start after the entry with this seq (e.g. the newest the page read from `Account.usage`). Without either, only what comes next. */
  afterSeq?: number;
  /** Each tick, once, in order. Without it, iterate the `LiveUsage`. */
  onTick?: (tick: LiveTick) => void;
  /** The balances now and after each change; resubscribed on every reconnection. */
  onBalances?: (balances: LiveBalance[]) => void;
  onState?: (state: ConnectionState) => void;
  /** Why it stopped for good: a refusal (FORBIDDEN, BAD_USER_INPUT…) or the retries exhausted. It is then disposed. */
  onError?: (error: LiveUsageError) => void;
  /** Reconnection backoff: attempts in a row before giving up (default unbounded), and the first and longest wait. */
  retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** A WebSocket class where there is no global one (Node: `ws`). */
  webSocketImpl?: unknown;
};

export type LiveUsage = AsyncIterable<LiveTick> & {
  /** The cursor of the last tick received: store it to resume after a page load with `after`. */
  readonly position: string | undefined;
  /** Stops everything: the socket closes and iterators end. */
  dispose(): Promise<void>;
};

/** Why a live usage stream stopped for good; `cause` is the close event or the GraphQL errors. */
export class LiveUsageError extends Error {
  override readonly name = 'LiveUsageError';
}

/** Close codes after which connecting again cannot help: the request itself is wrong. */
const FATAL_CLOSE_CODES = new Set([4400, 4403, 4406, 4409]);
/** Error codes of a refused subscribe that the same subscribe would get again. */
const FATAL_ERROR_CODES = new Set(['FORBIDDEN', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

type GraphQLErrorLike = { message: string; extensions?: { code?: unknown } };

/** Whether what ended a subscription means it must not be tried again. */
function isFatal(reason: unknown): boolean {
  if (Array.isArray(reason)) return (reason as GraphQLErrorLike[]).some((error) => FATAL_ERROR_CODES.has(String(error.extensions?.code)));
  const code = typeof reason === 'object' && reason !== null && 'code' in reason ? (reason as { code: unknown }).code : undefined;
  return typeof code === 'number' && FATAL_CLOSE_CODES.has(code);
}

/** What ended it, in words, for `LiveUsageError`. */
function reasonText(reason: unknown): string {
  if (Array.isArray(reason)) return (reason as GraphQLErrorLike[]).map((error) => error.message).join('; ');
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'object' && reason !== null && 'code' in reason) {
    const { code, reason: text } = reason as { code: unknown; reason?: unknown };
    return `the connection closed with ${String(code)}${text ? `: ${String(text)}` : ''}`;
  }
  return String(reason);
}

/** One subscription of the connection, subscribed again after every drop with what `variables` says then. */
type Stream = { query: string; variables: () => Record<string, unknown>; onData: (data: unknown) => void; unsubscribe: (() => void) | null };

/**
 * Watches an account's live usage until disposed: connects (the token from `token()`), subscribes,
 * and after any drop reconnects with backoff and resumes after the last tick received.
 */
export function watchLiveUsage(options: LiveUsageOptions): LiveUsage {
  const { attempts = Infinity, initialDelayMs = 250, maxDelayMs = 10_000 } = options.retry ?? {};
  let position = options.after;
  /** The seq of the last tick handed on, and the cursors of that entry's ticks handed on. */
  let lastSeq = options.after === undefined ? (options.afterSeq ?? 0) : 0;
  let cursorsOfLastSeq = new Set<string>();
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  let refused: TokenRefusal | null = null;
  /** What the token getter threw: the end, whatever closed the connection after it. */
  let tokenFailure: { error: unknown } | null = null;
  const queue = options.onTick ? null : new TickQueue();

  const client: Client = createClient({
    url: options.url,
    webSocketImpl: options.webSocketImpl,
    lazy: true,
    retryAttempts: 0,
    connectionParams: async () => {
      try {
        return { authorization: `Bearer ${await options.token({ refused })}` };
      } catch (error) {
        tokenFailure = { error };
        throw error;
      }
    },
    on: {
      closed: (event) => {
        const { code, reason } = event as TokenRefusal;
        refused = code === 4401 ? { code, reason } : null;
      },
      connecting: () => options.onState?.(failures === 0 ? 'connecting' : 'reconnecting'),
      connected: () => {
        failures = 0;
        options.onState?.('live');
      },
    },
  });

  const deliver = (tick: LiveTick) => {
    if (tick.seq < lastSeq || (tick.seq === lastSeq && cursorsOfLastSeq.has(tick.cursor))) return;
    if (tick.seq > lastSeq) {
      lastSeq = tick.seq;
      cursorsOfLastSeq = new Set();
    }
    cursorsOfLastSeq.add(tick.cursor);
    position = tick.cursor;
    if (options.onTick) options.onTick(tick);
    else queue!.push(tick);
  };

  const streams: Stream[] = [
    {
      query: LIVE_USAGE_DOCUMENT,
      variables: () => ({ accountId: options.accountId, meter: options.meter, ...(position === undefined ? { afterSeq: options.afterSeq } : { after: position }) }),
      onData: (data) => deliver((data as { creditUsage: LiveTick }).creditUsage),
      unsubscribe: null,
    },
  ];
  const { onBalances } = options;
  if (onBalances) {
    streams.push({
      query: LIVE_BALANCES_DOCUMENT,
      variables: () => ({ accountId: options.accountId }),
      onData: (data) => onBalances((data as { balanceChanged: LiveBalance[] }).balanceChanged),
      unsubscribe: null,
    });
  }

  const subscribe = (stream: Stream) => {
    let ended = false;
    const end = (reason: unknown) => {
      if (ended) return;
      ended = true;
      // Completes it on the server when it is still running there (a result with errors).
      const stop = stream.unsubscribe;
      stream.unsubscribe = null;
      stop?.();
      dropped(reason);
    };
    stream.unsubscribe = client.subscribe(
      { query: stream.query, variables: stream.variables() },
      {
        next: (result) => (result.errors ? end(result.errors) : result.data && stream.onData(result.data)),
        error: end,
        // The server ends these only when it goes away: the same as a drop.
        complete: () => end(new Error('the server ended the subscription')),
      },
    );
  };

  /** A stream ended: resubscribe every ended stream after the backoff, or stop for good. */
  const dropped = (reason: unknown) => {
    if (disposed) return;
    if (tokenFailure || isFatal(reason) || failures >= attempts) {
      const cause = tokenFailure ? tokenFailure.error : reason;
      const error = new LiveUsageError(`live usage stopped: ${reasonText(cause)}`, { cause });
      void dispose(error);
      options.onError?.(error);
      return;
    }
    if (retryTimer !== undefined) return;
    const delay = failures === 0 ? 0 : Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    failures += 1;
    options.onState?.('reconnecting');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      for (const stream of streams) if (!disposed && stream.unsubscribe === null) subscribe(stream);
    }, delay);
  };

  const dispose = async (error?: LiveUsageError) => {
    if (disposed) return;
    disposed = true;
    clearTimeout(retryTimer);
    for (const stream of streams) stream.unsubscribe?.();
    queue?.end(error);
    await client.dispose();
  };

  for (const stream of streams) subscribe(stream);
  return {
    get position() {
      return position;
    },
    dispose: () => dispose(),
    [Symbol.asyncIterator]: () => {
      if (!queue) throw new Error('this live usage hands its ticks to onTick: iterate one created without it');
      return queue.iterator();
    },
  };
}

/** The ticks not yet read by the iterator, and the reads waiting for one. */
class TickQueue {
  private readonly ticks: LiveTick[] = [];
  private readonly waiting: { resolve: (result: IteratorResult<LiveTick>) => void; reject: (error: Error) => void }[] = [];
  private ended: { error: Error | undefined } | null = null;

  push(tick: LiveTick): void {
    const reader = this.waiting.shift();
    if (reader) reader.resolve({ done: false, value: tick });
    else this.ticks.push(tick);
  }

  end(error: Error | undefined): void {
    this.ended = { error };
    for (const reader of this.waiting.splice(0)) {
      if (error) reader.reject(error);
      else reader.resolve({ done: true, value: undefined });
    }
  }

  iterator(): AsyncIterator<LiveTick> {
    return {
      next: () => {
        const tick = this.ticks.shift();
        if (tick) return Promise.resolve({ done: false, value: tick });
        if (this.ended) return this.ended.error ? Promise.reject(this.ended.error) : Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
      },
    };
  }
}
