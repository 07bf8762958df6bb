const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * An async iterator whose values are produced only when the consumer asks (`pull`), so a feed
 * holds at most what it decided to buffer. `next()` calls are served one at a time, `return()`
 * ends the feed at once, even while a `next()` waits, and a failing `pull` ends it too.
 */
export abstract class PullIterator<T> implements AsyncIterableIterator<T> {
  protected closed = false;
  private wake: (() => void) | null = null;
  private serving: Promise<unknown> = Promise.resolve();

  /** The next value, or undefined once closed. May wait with `signalled()`. */
  protected abstract pull(): Promise<T | undefined>;

  /** Frees what the feed holds: unsubscribes, releases timers. Runs once. */
  protected abstract cleanUp(): void;

  next(): Promise<IteratorResult<T, undefined>> {
    const result = this.serving.then(() => this.serve());
    this.serving = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Resolves at the next `signal()` or `close()`. */
  protected signalled(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Something changed: a waiting `pull` goes on. */
  protected signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  protected close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cleanUp();
    this.signal();
  }

  private async serve(): Promise<IteratorResult<T, undefined>> {
    if (this.closed) return DONE;
    let value: T | undefined;
    try {
      value = await this.pull();
    } catch (error) {
      this.close();
      throw error;
    }
    return value === undefined || this.closed ? DONE : { done: false, value };
  }
}
