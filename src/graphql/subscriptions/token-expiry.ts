import { EXPIRED_TOKEN_MESSAGE } from '../../auth/index.js';
import { MAX_TIMER_DELAY_MS } from '../../realtime/index.js';
import { unauthenticated } from '../errors.js';

/**
 * Calls `callback` once when the wall clock reaches `at` (never synchronously), however far away
 * that is: delays beyond `setTimeout`'s limit wait in steps. Returns the cancellation.
 */
export function atInstant(at: Date, callback: () => void): () => void {
  let handle: NodeJS.Timeout;
  const arm = (delay: number) => {
    handle = setTimeout(() => {
      const left = at.getTime() - Date.now();
      if (left > 0) arm(left);
      else callback();
    }, Math.min(Math.max(delay, 0), MAX_TIMER_DELAY_MS)).unref();
  };
  arm(at.getTime() - Date.now());
  return () => clearTimeout(handle);
}

export const tokenExpired = () => unauthenticated(EXPIRED_TOKEN_MESSAGE);

const EXPIRED = Symbol('expired');
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A live feed that ends when the caller's access token expires: no value is passed on once it has
 * (checked before each one), and a feed that is waiting for a value at that instant ends then.
 * Either way `next()` rejects with UNAUTHENTICATED "The access token has expired." and the feed is
 * closed; the client subscribes again with a new token (and `afterSeq`, to miss nothing).
 */
export function untilExpiry<T>(feed: AsyncIterableIterator<T>, expiresAt: Date): AsyncIterableIterator<T> {
  let expire: () => void = () => undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => (expire = () => resolve(EXPIRED)));
  const cancel = atInstant(expiresAt, expire);
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    cancel();
    await feed.return?.();
  };

  return {
    async next() {
      if (ended) return DONE;
      let result: IteratorResult<T> | typeof EXPIRED;
      try {
        result = await Promise.race([feed.next(), expired]);
      } catch (error) {
        await end();
        throw error;
      }
      if (result === EXPIRED || Date.now() >= expiresAt.getTime()) {
        await end();
        throw tokenExpired();
      }
      if (result.done) await end();
      return result;
    },
    async return() {
      await end();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
