import { acceptedUntil, EXPIRED_TOKEN_MESSAGE, type Viewer } from '../../auth/index.js';
import { MAX_TIMER_DELAY_MS } from '../../realtime/index.js';
import { unauthenticated } from '../errors.js';

/** What waits for one instant: one timer, however many callbacks (a token's connection and subscriptions). */
type Instant = { readonly waiting: Set<{ readonly callback: () => void }>; cancel: () => void };
const instants = new Map<number, Instant>();

/**
 * Calls `callback` once when the wall clock reaches `at` (never synchronously), however far away
 * that is: delays beyond `setTimeout`'s limit wait in steps. Callbacks for the same instant share
 * one timer and run in the order they were given. Returns the cancellation.
 */
export function atInstant(at: Date, callback: () => void): () => void {
  const time = at.getTime();
  let instant = instants.get(time);
  if (!instant) {
    const waiting: Instant['waiting'] = new Set();
    instants.set(time, (instant = { waiting, cancel: timerAt(time, () => {
      instants.delete(time);
      for (const { callback: due } of waiting) due();
    }) }));
  }
  const entry = { callback };
  const { waiting, cancel } = instant;
  waiting.add(entry);
  return () => {
    if (!waiting.delete(entry) || waiting.size > 0) return;
    cancel();
    if (instants.get(time)?.waiting === waiting) instants.delete(time);
  };
}

function timerAt(time: number, callback: () => void): () => void {
  let handle: NodeJS.Timeout;
  const arm = (delay: number) => {
    handle = setTimeout(() => {
      const left = time - Date.now();
      if (left > 0) arm(left);
      else callback();
    }, Math.min(Math.max(delay, 0), MAX_TIMER_DELAY_MS)).unref();
  };
  arm(time - Date.now());
  return () => clearTimeout(handle);
}

export const tokenExpired = () => unauthenticated(EXPIRED_TOKEN_MESSAGE);

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A live feed that ends when the caller's access token is no longer accepted (`acceptedUntil`: its
 * `exp` plus the leeway HTTP gives it too): no value is passed on once it is not
 * (checked before and after each one), and a feed that is waiting for a value at that instant is
 * ended then (its `return()` ends the wait). Either way `next()` rejects with UNAUTHENTICATED "The
 * access token has expired." and the feed is closed; the client subscribes again with a new token
 * (and `afterSeq`, to miss nothing). It holds a few fields and a place at its instant's timer.
 */
class UntilExpiry<T> implements AsyncIterableIterator<T> {
  private ended = false;
  private readonly cancel: () => void;

  constructor(
    private readonly feed: AsyncIterator<T>,
    private readonly expiresAt: Date,
  ) {
    this.cancel = atInstant(expiresAt, () => void this.feed.return?.());
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.ended) return DONE;
    if (this.isExpired()) return this.expire();
    let result: IteratorResult<T>;
    try {
      result = await this.feed.next();
    } catch (error) {
      await this.end();
      throw error;
    }
    if (this.isExpired()) return this.expire();
    if (result.done) await this.end();
    return result;
  }

  async return(): Promise<IteratorResult<T>> {
    await this.end();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private isExpired(): boolean {
    return Date.now() >= this.expiresAt.getTime();
  }

  private async expire(): Promise<never> {
    await this.end();
    throw tokenExpired();
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.cancel();
    await this.feed.return?.();
  }
}

export function untilExpiry<T>(feed: AsyncIterator<T>, viewer: Pick<Viewer, 'expiresAt'>): AsyncIterableIterator<T> {
  return new UntilExpiry(feed, acceptedUntil(viewer));
}
