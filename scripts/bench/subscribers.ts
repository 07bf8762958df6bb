/**
 * The subscribers of a workload, spread over one or more WebSocket client processes, and what
 * they saw: merged counts, and tick latencies joined with the debits (or raw broadcasts) that
 * caused them by the meter's `used` after each one.
 */
import type { WsClients } from './cluster.js';
import { sleep } from './measure.js';
import type { SocketSpec } from './ws-clients.js';

export type Seen = {
  readonly received: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly arrivals: readonly Float64Array[];
  readonly errors: number;
  readonly ended: number;
  readonly dropped: number;
  readonly firstProblem: string | null;
};

export class Subscribers {
  constructor(private readonly clients: readonly WsClients[]) {}

  /** Opens the sockets (dealt round-robin to the client processes); answers how long it took. */
  async open(label: string, sockets: readonly SocketSpec[]): Promise<number> {
    const shares = this.clients.map((_, index) => sockets.filter((_, position) => position % this.clients.length === index));
    const opened = await Promise.all(this.clients.map((client, index) => client.call('open', { label, sockets: shares[index]! })));
    return Math.max(...opened.map((result) => result.ms));
  }

  async close(label: string): Promise<void> {
    await Promise.all(this.clients.map((client) => client.call('close', { label })));
  }

  /** `record`: time each tick; `count`: only count them (no `waitFor`). */
  async arm(labels: readonly string[], mode: 'record' | 'track' | 'count'): Promise<void> {
    await Promise.all(this.clients.map((client) => client.call('arm', { labels, record: mode === 'record', countOnly: mode === 'count' })));
  }

  /** Waits until every armed socket has the tick with this `used`; answers how many did not in time. */
  async waitFor(used: number, timeoutMs: number): Promise<number> {
    const results = await Promise.all(this.clients.map((client) => client.call('waitFor', { used, timeoutMs })));
    return results.reduce((sum, result) => sum + result.missing, 0);
  }

  async collect(): Promise<Seen> {
    const all = await Promise.all(this.clients.map((client) => client.call('collect')));
    const starts = all.map((seen) => seen.firstAt).filter((at) => at > 0);
    return {
      received: all.reduce((sum, seen) => sum + seen.received, 0),
      firstAt: starts.length > 0 ? Math.min(...starts) : 0,
      lastAt: Math.max(...all.map((seen) => seen.lastAt)),
      arrivals: all.map((seen) => seen.arrivals),
      errors: all.reduce((sum, seen) => sum + seen.errors, 0),
      ended: all.reduce((sum, seen) => sum + seen.ended, 0),
      dropped: all.reduce((sum, seen) => sum + seen.dropped, 0),
      firstProblem: all.find((seen) => seen.firstProblem !== null)?.firstProblem ?? null,
    };
  }

  /** Polls until `expected` ticks arrived, nothing arrived for `stallMs`, or `timeoutMs` passed. */
  async drain(expected: number, stallMs: number, timeoutMs: number): Promise<Seen> {
    const deadline = Date.now() + timeoutMs;
    let seen = await this.collect();
    let last = seen.received;
    let lastChange = Date.now();
    while (seen.received < expected && Date.now() < deadline && Date.now() - lastChange < stallMs) {
      await sleep(100);
      seen = await this.collect();
      if (seen.received !== last) {
        last = seen.received;
        lastChange = Date.now();
      }
    }
    return seen;
  }
}

/**
 * Tick latencies: for each arrival ([used, at] pairs), its time minus the start of the debit that
 * left the meter at that `used`. `starts` holds [start, used] per debit, `stride` numbers apart.
 */
export function tickLatencies(starts: readonly Float64Array[], stride: number, usedAt: number, arrivals: readonly Float64Array[]): number[] {
  const startOf = new Map<number, number>();
  for (const timings of starts) for (let index = 0; index + stride <= timings.length; index += stride) startOf.set(timings[index + usedAt]!, timings[index]!);
  const latencies: number[] = [];
  for (const pairs of arrivals) {
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      const start = startOf.get(pairs[index]!);
      if (start !== undefined) latencies.push(pairs[index + 1]! - start);
    }
  }
  return latencies;
}

/** The highest `used` among debit timings ([start, end, used] triples) or broadcasts ([start, used] pairs). */
export function highestUsed(timings: readonly Float64Array[], stride: number, usedAt: number): number {
  let highest = -1;
  for (const list of timings) for (let index = usedAt; index < list.length; index += stride) highest = Math.max(highest, list[index]!);
  return highest;
}

/** What went wrong on the subscribers' side, for the table's notes; empty when nothing did. */
export function troubles(what: string, seen: Seen, expected: number): string[] {
  const notes: string[] = [];
  if (seen.received < expected) notes.push(`${what}: ${expected - seen.received} of ${expected} ticks did not arrive`);
  if (seen.received > expected) notes.push(`${what}: ${seen.received - expected} ticks more than the ${expected} expected (duplicates?)`);
  if (seen.errors + seen.ended + seen.dropped > 0) {
    notes.push(`${what}: ${seen.errors} ticks with errors, ${seen.ended} subscriptions ended, ${seen.dropped} sockets closed by the server; first: ${seen.firstProblem}`);
  }
  return notes;
}
