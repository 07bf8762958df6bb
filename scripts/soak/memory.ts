/**
 * The servers' memory during the soak: every few seconds, each server's heap after a full garbage
 * collection (the `heap` call of scripts/bench/server.ts, so what is left is what the server
 * keeps, not garbage not yet collected) and its RSS. The verdict is on the server process that
 * lived longest (a restarted one starts from nothing): memory plateaued if the highest heap of
 * the last third of its samples is at most `PLATEAU_FACTOR` times the highest of the middle third
 * (the first third is the warm-up: caches filling, code compiled).
 */
import type { Server } from '../bench/cluster.js';
import type { Heap } from '../bench/measure.js';

export const SAMPLE_EVERY_MS = 5_000;
const PLATEAU_FACTOR = 1.2;
/** Fewer samples than this (a run of under 30 seconds) give no verdict. */
const MIN_SAMPLES = 6;

type Sample = Heap & { readonly pid: number; readonly atSec: number };

export type MemoryVerdict = {
  /** null: too few samples to tell. */
  readonly plateaued: boolean | null;
  readonly pid: number | null;
  readonly samples: number;
  readonly middleMaxHeapMiB: number | null;
  readonly lastMaxHeapMiB: number | null;
  readonly maxRssMiB: number | null;
};

const mebibytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export class MemorySampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly startedAt = Date.now();

  /** `servers` is read at each sample: a restarted server is a new process. */
  start(servers: () => readonly Server[]): void {
    const sample = async () => {
      await Promise.all(
        servers().map(async (server) => {
          // A server that is down (killed on purpose) has no sample this time.
          const heap = await server.call('heap').catch(() => undefined);
          if (heap) this.samples.push({ ...heap, pid: server.pid, atSec: (Date.now() - this.startedAt) / 1000 });
        }),
      );
      if (!this.stopped) this.timer = setTimeout(() => void sample(), SAMPLE_EVERY_MS);
    };
    void sample();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  verdict(): MemoryVerdict {
    const byPid = new Map<number, Sample[]>();
    for (const sample of this.samples) byPid.set(sample.pid, [...(byPid.get(sample.pid) ?? []), sample]);
    const longest = [...byPid.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const none = { plateaued: null, pid: longest[0]?.pid ?? null, samples: longest.length, middleMaxHeapMiB: null, lastMaxHeapMiB: null, maxRssMiB: null };
    if (longest.length < MIN_SAMPLES) return none;
    const third = Math.floor(longest.length / 3);
    const maxHeap = (samples: readonly Sample[]) => Math.max(...samples.map((sample) => sample.heapUsed));
    const middle = maxHeap(longest.slice(third, 2 * third));
    const last = maxHeap(longest.slice(2 * third));
    return {
      plateaued: last <= PLATEAU_FACTOR * middle,
      pid: longest[0]!.pid,
      samples: longest.length,
      middleMaxHeapMiB: mebibytes(middle),
      lastMaxHeapMiB: mebibytes(last),
      maxRssMiB: mebibytes(Math.max(...longest.map((sample) => sample.rss))),
    };
  }
}
