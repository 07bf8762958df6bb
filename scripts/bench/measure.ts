/**
 * Clocks, statistics and small async helpers shared by the benchmark's processes.
 */

/**
 * Milliseconds on the system's monotonic clock. `process.hrtime` reads CLOCK_MONOTONIC, which
 * every process of this machine shares, so a time taken in the server and one taken in a client
 * process can be subtracted (unlike `performance.now()`, whose origin is per process).
 */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The p-th percentile (0 to 100) of `values` by the nearest-rank method; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/** Runs `work` for each index below `count`, at most `limit` at a time. */
export async function inParallel(count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** A full garbage collection, repeated so that weak references and finalizers settle. Needs `--expose-gc`. */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('this process needs node --expose-gc to measure its heap');
  for (let round = 0; round < 6; round++) {
    gc();
    await sleep(25);
  }
}

export type Heap = { heapUsed: number; rss: number };

export async function heapAfterGc(): Promise<Heap> {
  await collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Rounds for display and for the BENCH line: 3 significant digits, at most 2 decimals. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return Number(value.toFixed(decimals));
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const startedAt = now();

/** A progress line on stderr (stdout is the report), with the seconds since the benchmark started. */
export function log(text: string): void {
  console.error(`bench ${((now() - startedAt) / 1000).toFixed(1).padStart(6)} s: ${text}`);
}
