/**
 * A feed whose values pass through `transform`. Written as a plain iterator, not an async
 * generator, so that `return()` reaches the source at once even while a `next()` is waiting
 * (a generator would queue it until the source yields), which frees the subscription promptly.
 */
export function mapFeed<T, U>(feed: AsyncIterableIterator<T>, transform: (value: T) => U): AsyncIterableIterator<U> {
  return {
    async next() {
      const result = await feed.next();
      return result.done ? result : { done: false, value: transform(result.value) };
    },
    async return() {
      await feed.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
