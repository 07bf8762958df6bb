/**
 * Serializes work per key inside one process and coalesces what queues up meanwhile into one batch.
 *
 * A hot team pool hit by many members at once would otherwise turn into a compare-and-set retry
 * storm: every debit reading the same version and all but one losing. Here only one batch per key
 * is in flight; everything that arrives while it runs waits and then goes out together, so N
 * concurrent debits cost a handful of database writes instead of N² attempts.
 */
export class KeyedBatcher<Item, Result> {
  readonly #waiting = new Map<string, { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[]>();
  readonly #running = new Set<string>();

  constructor(
    private readonly processBatch: (key: string, items: readonly Item[]) => Promise<readonly Result[]>,
    private readonly options: { maxBatchSize?: number; onIdle?: (key: string) => void } = {},
  ) {}

  /** Whether work for `key` is queued behind the batch running now. */
  hasWaiting(key: string): boolean {
    return (this.#waiting.get(key)?.length ?? 0) > 0;
  }

  submit(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const queue = this.#waiting.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else this.#waiting.set(key, [{ item, resolve, reject }]);
      if (!this.#running.has(key)) void this.#drain(key);
    });
  }

  async #drain(key: string): Promise<void> {
    this.#running.add(key);
    try {
      for (;;) {
        const queue = this.#waiting.get(key);
        if (!queue || queue.length === 0) {
          this.#waiting.delete(key);
          return;
        }
        const batch = queue.splice(0, this.options.maxBatchSize ?? 256);
        try {
          const results = await this.processBatch(key, batch.map((entry) => entry.item));
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} produced ${results.length} results`);
          batch.forEach((entry, index) => entry.resolve(results[index]!));
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#running.delete(key);
      this.options.onIdle?.(key);
    }
  }
}
