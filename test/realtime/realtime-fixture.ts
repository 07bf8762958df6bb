import { randomUUID } from 'node:crypto';
import type { LedgerEntry, LedgerOperation, MeterChange } from '../../src/ledger/index.js';
import { createInProcessEventBus, createRealtime, type Realtime, type TimerScheduler } from '../../src/realtime/index.js';
import type { LedgerEvent, LedgerEventBus } from '../../src/realtime/ledger-event-bus.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from '../store/store-fixture.js';

export type Harness = { database: Database; store: LedgerStore; bus: LedgerEventBus; realtime: Realtime; close(): Promise<void> };

/** A test file's database, store (its clock stands still), in-process bus and realtime with timers that never fire. */
export async function openHarness(label: string): Promise<Harness> {
  const database = await openTestDatabase(label);
  const store = await openStore(database.connection, new TestClock(new Date('2026-03-10T12:00:00Z')));
  const bus = createInProcessEventBus();
  const realtime = createRealtime({ store, bus, scheduler: new ManualScheduler() });
  return {
    database,
    store,
    bus,
    realtime,
    async close() {
      await realtime.close();
      await bus.close();
      await database.close();
    },
  };
}

/** Opens an account on a plan of test/store/store-fixture.ts ('hundred': 100 AI credits and 2 video generations a month). */
export async function openAccount(store: LedgerStore, planId = 'hundred'): Promise<string> {
  const accountId = `acct-${randomUUID()}`;
  const opened = await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  return accountId;
}

/** A debit of one AI credit. */
export const topic = (key: string): LedgerOperation => ({ type: 'DEBIT', idempotencyKey: key, feature: 'topic.generate', memberId: 'm1', sessionId: 's1' });
/** Two AI credits and one video generation, in one entry. */
export const render = (key: string): LedgerOperation => ({ type: 'DEBIT', idempotencyKey: key, feature: 'video.render' });
export const topUp = (key: string, amount: number): LedgerOperation => ({ type: 'GRANT', idempotencyKey: key, meter: 'AI_CREDITS', amount, kind: 'TOP_UP' });

/** Runs `count` one-credit debits at once; fails unless every one succeeded. */
export async function debitMany(store: LedgerStore, accountId: string, count: number, label = randomUUID()): Promise<void> {
  const outcomes = await Promise.all(Array.from({ length: count }, (_, index) => store.execute(accountId, topic(`${label}-${index}`))));
  const refused = outcomes.find((outcome) => !outcome.ok);
  if (refused) throw new Error(JSON.stringify(refused));
}

export async function succeed(outcome: Promise<Awaited<ReturnType<LedgerStore['execute']>>>): Promise<void> {
  const settled = await outcome;
  if (!settled.ok) throw new Error(JSON.stringify(settled.error));
}

/** The next `count` values of a feed; fails after `timeoutMs` with what had arrived. */
export async function take<T>(feed: AsyncIterator<T>, count: number, timeoutMs = 5_000): Promise<T[]> {
  const values: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (values.length < count) {
    const next = await nextWithin(feed, deadline - Date.now());
    if (next === TIMED_OUT) throw new Error(`took ${values.length} of ${count} values in ${timeoutMs} ms`);
    if (next.done) throw new Error(`the feed ended after ${values.length} of ${count} values`);
    values.push(next.value);
  }
  return values;
}

/** Fails if the feed yields anything within `ms`. */
export async function expectQuiet<T>(feed: AsyncIterator<T>, ms = 150): Promise<void> {
  const next = await nextWithin(feed, ms);
  if (next !== TIMED_OUT) throw new Error(`expected nothing, got ${JSON.stringify(next)}`);
}

const TIMED_OUT = Symbol('timed out');
/** A `next()` that timed out is still waiting for a value: the following read gets it. */
const waitingNext = new WeakMap<AsyncIterator<unknown>, Promise<IteratorResult<unknown>>>();

async function nextWithin<T>(feed: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | typeof TIMED_OUT> {
  const next = (waitingNext.get(feed) ?? feed.next()) as Promise<IteratorResult<T>>;
  waitingNext.delete(feed);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(ms, 0))));
  try {
    const result = await Promise.race([next, timeout]);
    if (result === TIMED_OUT) waitingNext.set(feed, next);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Timers a test fires by hand. */
export class ManualScheduler implements TimerScheduler {
  private lastId = 0;
  private readonly pending = new Map<number, { callback: () => void; delayMs: number }>();

  setTimeout(callback: () => void, delayMs: number): unknown {
    this.lastId += 1;
    this.pending.set(this.lastId, { callback, delayMs });
    return this.lastId;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  delays(): number[] {
    return [...this.pending.values()].map((timer) => timer.delayMs);
  }

  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const timer of due) timer.callback();
  }
}

/** A bus whose `publish` passes each event through `route`: drop it, hold it, or publish it. */
export function interceptedBus(bus: LedgerEventBus, route: (event: LedgerEvent, publish: (event: LedgerEvent) => void) => void): LedgerEventBus {
  return {
    publish: (event) => route(event, (forwarded) => bus.publish(forwarded)),
    subscribe: (accountId, listener) => bus.subscribe(accountId, listener),
    close: () => bus.close(),
  };
}

/** Seqs in the order ticks or entries came, to compare with a range. */
export const seqsOf = (items: readonly { seq: number }[]) => items.map((item) => item.seq);
export const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

/** A meter change for unit tests: a one-credit debit reaching 80 of 100, which the ledger announces. */
export const change = (overrides: Partial<MeterChange>): MeterChange => ({
  meter: 'AI_CREDITS',
  unlimited: false,
  delta: -1,
  previousAvailable: 21,
  availableAfter: 20,
  usedDelta: 1,
  usedAfter: 80,
  reservedDelta: 0,
  reservedAfter: 0,
  allowanceAfter: 100,
  thresholdsCrossed: [80],
  ...overrides,
});

/** An entry for unit tests: a render touching both meters. */
export const entry = (overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  accountId: 'acct-1',
  seq: 7,
  kind: 'DEBIT',
  at: new Date('2026-03-10T12:00:00Z'),
  changes: [change({}), change({ meter: 'VIDEO_GENERATIONS', delta: -1, previousAvailable: 2, availableAfter: 1, usedAfter: 1, allowanceAfter: 2, thresholdsCrossed: [] })],
  memberId: 'm1',
  feature: 'video.render',
  sessionId: 's1',
  assetId: 'a1',
  idempotencyKey: 'k1',
  metadata: { note: '2026-01-01T00:00:00.000Z' },
  details: {},
  ...overrides,
});
