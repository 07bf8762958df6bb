import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessEventBus, createRealtime, openCreditFeed, ticksOf, type LedgerEvent, type LedgerEventBus, type LedgerEventListener, type Realtime } from '../../src/realtime/index.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import {
  debitMany,
  expectQuiet,
  interceptedBus,
  ManualScheduler,
  openAccount,
  openHarness,
  range,
  render,
  seqsOf,
  succeed,
  take,
  topUp,
  type Harness,
} from './realtime-fixture.js';

let harness: Harness;
let store: LedgerStore, bus: LedgerEventBus, realtime: Realtime;

beforeAll(async () => ({ store, bus, realtime } = harness = await openHarness('realtime-feed')));
afterAll(() => harness?.close());

async function availableAi(accountId: string) {
  const [state] = await store.loadAccounts([accountId]);
  return store.balances(state!).find((balance) => balance.meter === 'AI_CREDITS')!.available;
}

describe('credit ticks', () => {
  it('gives one tick per debit, in seq order, with a consistent chain of balances and the threshold notices', async () => {
    const accountId = await openAccount(store);
    const feed = await realtime.creditTicks(accountId);
    await debitMany(store, accountId, 100);
    const ticks = await take(feed, 100);

    // Opening the account wrote seq 1 and 2 (a RESET per meter), before the feed started.
    expect(seqsOf(ticks)).toEqual(range(3, 100));
    expect(ticks[0]).toMatchObject({
      accountId,
      meter: 'AI_CREDITS',
      kind: 'DEBIT',
      delta: -1,
      previousAvailable: 100,
      available: 99,
      used: 1,
      reserved: 0,
      allowance: 100,
      unlimited: false,
      feature: 'topic.generate',
      sessionId: 's1',
      memberId: 'm1',
    });
    expect(ticks[0]!.at).toBeInstanceOf(Date);
    ticks.forEach((tick, index) => {
      expect(tick.available).toBe(tick.previousAvailable + tick.delta);
      if (index > 0) expect(tick.previousAvailable).toBe(ticks[index - 1]!.available);
    });
    expect(ticks.at(-1)!.available).toBe(await availableAi(accountId));
    expect(ticks.filter((tick) => tick.thresholdsCrossed.length > 0).map((tick) => [tick.used, tick.thresholdsCrossed])).toEqual([
      [80, [80]],
      [100, [100]],
    ]);
    await expectQuiet(feed);
    await feed.return!();
  });

  it('resumes after afterSeq with exactly the missed ticks, then live ones', async () => {
    const accountId = await openAccount(store);
    const first = await realtime.creditTicks(accountId);
    await debitMany(store, accountId, 5);
    const seen = await take(first, 5);
    await first.return!();
    await debitMany(store, accountId, 20);

    const resumed = await realtime.creditTicks(accountId, { afterSeq: seen.at(-1)!.seq });
    expect(seqsOf(await take(resumed, 20))).toEqual(range(8, 20));
    await debitMany(store, accountId, 3);
    expect(seqsOf(await take(resumed, 3))).toEqual(range(28, 3));
    await expectQuiet(resumed);
    await resumed.return!();
  });

  it('has no gap and no duplicate at the seam when debits race with the replay', async () => {
    const accountId = await openAccount(store);
    await debitMany(store, accountId, 30);
    const racing = Promise.all([debitMany(store, accountId, 30), debitMany(store, accountId, 20)]);
    const resumed = await realtime.creditTicks(accountId, { afterSeq: 10 });
    await racing;
    // 22 written before (seq 11..32) and 50 racing (33..82).
    expect(seqsOf(await take(resumed, 72))).toEqual(range(11, 72));
    await expectQuiet(resumed);
    await resumed.return!();
  });

  it('replays from the first entry with afterSeq 0, including the account opening', async () => {
    const accountId = await openAccount(store);
    const feed = await realtime.creditTicks(accountId, { afterSeq: 0 });
    const ticks = await take(feed, 2);
    expect(ticks.map((tick) => [tick.seq, tick.kind, tick.meter, tick.available])).toEqual([
      [1, 'RESET', 'AI_CREDITS', 100],
      [2, 'RESET', 'VIDEO_GENERATIONS', 2],
    ]);
    await feed.return!();
  });

  it('filters by meter; an entry on two meters gives one tick per meter with the same seq', async () => {
    const accountId = await openAccount(store);
    const video = await realtime.creditTicks(accountId, { meter: 'VIDEO_GENERATIONS' });
    const all = await realtime.creditTicks(accountId);
    await succeed(store.execute(accountId, render('r1')));
    await debitMany(store, accountId, 3);
    await succeed(store.execute(accountId, render('r2')));

    expect((await take(video, 2)).map((tick) => [tick.seq, tick.meter, tick.available])).toEqual([
      [3, 'VIDEO_GENERATIONS', 1],
      [7, 'VIDEO_GENERATIONS', 0],
    ]);
    await expectQuiet(video);
    expect((await take(all, 7)).map((tick) => [tick.seq, tick.meter])).toEqual([
      [3, 'AI_CREDITS'],
      [3, 'VIDEO_GENERATIONS'],
      [4, 'AI_CREDITS'],
      [5, 'AI_CREDITS'],
      [6, 'AI_CREDITS'],
      [7, 'AI_CREDITS'],
      [7, 'VIDEO_GENERATIONS'],
    ]);
    await video.return!();
    await all.return!();
  });

  it('refuses an afterSeq that is not a seq', async () => {
    await expect(realtime.creditTicks('acct-x', { afterSeq: -1 })).rejects.toThrow(RangeError);
    await expect(realtime.creditTicks('acct-x', { afterSeq: 1.5 })).rejects.toThrow(RangeError);
  });

  it('resumes after every tick of a sequence of two-meter entries with exactly the ticks after it, whatever the meter filter', async () => {
    const accountId = await openAccount(store, 'thousand');
    for (const key of ['r1', 'r2']) await succeed(store.execute(accountId, render(key)));
    await debitMany(store, accountId, 1);
    await succeed(store.execute(accountId, render('r3')));
    const history = await take(await realtime.creditTicks(accountId, { afterSeq: 0 }), 9);
    expect(history.map((tick) => `${tick.seq}/${tick.meter}/${tick.change}`)).toEqual([
      '1/AI_CREDITS/0',
      '2/VIDEO_GENERATIONS/0',
      '3/AI_CREDITS/0',
      '3/VIDEO_GENERATIONS/1',
      '4/AI_CREDITS/0',
      '4/VIDEO_GENERATIONS/1',
      '5/AI_CREDITS/0',
      '6/AI_CREDITS/0',
      '6/VIDEO_GENERATIONS/1',
    ]);
    const position = (tick: { seq: number; meter: string }) => `${tick.seq}/${tick.meter}`;

    for (const [index, seen] of history.entries()) {
      for (const meter of [undefined, 'AI_CREDITS', 'VIDEO_GENERATIONS'] as const) {
        const expected = history.slice(index + 1).filter((tick) => meter === undefined || tick.meter === meter);
        const resumed = await realtime.creditTicks(accountId, { meter, afterTick: { seq: seen.seq, change: seen.change } });
        expect((await take(resumed, expected.length)).map(position), `after ${position(seen)}, meter ${meter ?? 'any'}`).toEqual(expected.map(position));
        await expectQuiet(resumed, 20);
        await resumed.return!();
      }
    }
  });

  it('hands a replay after a tick over to live ticks, none twice and none skipped', async () => {
    const accountId = await openAccount(store, 'thousand');
    await succeed(store.execute(accountId, render('r1')));
    // After the first tick of the render (seq 3): its second tick, then what comes live.
    const resumed = await realtime.creditTicks(accountId, { afterTick: { seq: 3, change: 0 } });
    await Promise.all([succeed(store.execute(accountId, render('r2'))), debitMany(store, accountId, 5)]);
    const ticks = await take(resumed, 1 + 2 + 5);
    const position = (tick: { seq: number; change: number }) => `${tick.seq}/${tick.change}`;
    const written = (await store.entriesAfter(accountId, 3, 100)).flatMap((entry) => ticksOf(entry));
    expect(ticks.map(position)).toEqual(['3/1', ...written.map(position)]);
    await expectQuiet(resumed);
    await resumed.return!();
  });

  it('refuses a position that is not a tick, and a position with afterSeq', async () => {
    await expect(realtime.creditTicks('acct-x', { afterTick: { seq: 0, change: 0 } })).rejects.toThrow(RangeError);
    await expect(realtime.creditTicks('acct-x', { afterTick: { seq: 1, change: -1 } })).rejects.toThrow(RangeError);
    await expect(realtime.creditTicks('acct-x', { afterTick: { seq: 1, change: 0 }, afterSeq: 1 })).rejects.toThrow(RangeError);
  });
});

describe('slow consumers', () => {
  it('drops the queue of a consumer that does not read and catches it up from the database, never slowing the ledger', async () => {
    const accountId = await openAccount(store);
    await succeed(store.execute(accountId, topUp('t', 100)));
    const entriesAfter = vi.fn(store.entriesAfter);
    const feed = await openCreditFeed({ store: { ...store, entriesAfter }, bus, accountId, maxQueue: 4 });

    // The feed is not read while the writes happen: they complete anyway.
    await debitMany(store, accountId, 200);
    expect(entriesAfter).not.toHaveBeenCalled();

    const ticks = await take(feed, 200);
    expect(seqsOf(ticks)).toEqual(range(4, 200));
    expect(ticks.at(-1)!.available).toBe(0);
    expect(entriesAfter).toHaveBeenCalled();
    await succeed(store.execute(accountId, topUp('t2', 5)));
    expect((await take(feed, 1))[0]).toMatchObject({ seq: 204, kind: 'GRANT', delta: 5 });
    await expectQuiet(feed);
    await feed.return!();
  });

  it('keeps a consumer that reads as fast as the writes live, without reading the database', async () => {
    const accountId = await openAccount(store);
    const entriesAfter = vi.fn(store.entriesAfter);
    const feed = await openCreditFeed({ store: { ...store, entriesAfter }, bus, accountId, maxQueue: 4 });
    for (let index = 0; index < 10; index += 1) {
      await debitMany(store, accountId, 1);
      expect((await take(feed, 1))[0]!.seq).toBe(3 + index);
    }
    expect(entriesAfter).not.toHaveBeenCalled();
    await feed.return!();
  });
});

describe('lost and reordered events', () => {
  /** A second realtime over a bus that loses or reorders what this store publishes. */
  async function withInterceptedBus(route: Parameters<typeof interceptedBus>[1], test: (realtime: Realtime) => Promise<void>) {
    const lossy = createRealtime({ store, bus: interceptedBus(createInProcessEventBus(), route), scheduler: new ManualScheduler() });
    try {
      await test(lossy);
    } finally {
      await lossy.close();
    }
  }

  /** Single debits one after the other reach a feed over the lossy bus as every tick, once, in order. */
  async function expectEveryTick(lossy: Realtime, debits: number) {
    const accountId = await openAccount(store);
    const feed = await lossy.creditTicks(accountId);
    for (let index = 0; index < debits; index += 1) await debitMany(store, accountId, 1);
    expect(seqsOf(await take(feed, debits))).toEqual(range(3, debits));
    await expectQuiet(feed);
    await feed.return!();
  }

  it('reads a lost event back from the database when the next one reveals the gap', async () => {
    let published = 0;
    const dropThird = (event: LedgerEvent, publish: (event: LedgerEvent) => void) => {
      published += 1;
      if (published !== 3) publish(event);
    };
    await withInterceptedBus(dropThird, (lossy) => expectEveryTick(lossy, 6));
  });

  it('delivers events published out of order once each, in seq order', async () => {
    let held: LedgerEvent | null = null;
    const swapFourAndFive = (event: LedgerEvent, publish: (event: LedgerEvent) => void) => {
      if (event.entries[0]!.seq === 4) held = event;
      else {
        publish(event);
        if (held) publish(held);
        held = null;
      }
    };
    await withInterceptedBus(swapFourAndFive, (lossy) => expectEveryTick(lossy, 4));
  });
});

describe('resyncs', () => {
  it('reads again when a resync comes while a read is under way', async () => {
    const accountId = await openAccount(store);
    // A bus that loses every event and lets the test signal a resync.
    let listener: LedgerEventListener | undefined;
    const losingBus: LedgerEventBus = {
      publish: () => {},
      subscribe: async (_accountId, subscriber) => ((listener = subscriber), () => (listener = undefined)),
      close: async () => {},
    };
    // The first read answers as of before the debit below, after the debit and the resync.
    let releaseRead = () => {};
    const readHeld = new Promise<void>((resolve) => (releaseRead = resolve));
    let reads = 0;
    const entriesAfter: LedgerStore['entriesAfter'] = async (...request) => {
      const entries = await store.entriesAfter(...request);
      if ((reads += 1) === 1) await readHeld;
      return entries;
    };
    const feed = await openCreditFeed({ store: { ...store, entriesAfter }, bus: losingBus, accountId, afterSeq: 2 });
    const first = take(feed, 1);
    await vi.waitFor(() => expect(reads).toBe(1));
    await debitMany(store, accountId, 1);
    listener!.onResync();
    releaseRead();
    expect(seqsOf(await first)).toEqual([3]);
    await feed.return!();
    expect(listener).toBeUndefined();
  });
});

describe('ending a feed', () => {
  it('ends a waiting next() on return() and unsubscribes', async () => {
    const accountId = await openAccount(store);
    const feed = await realtime.creditTicks(accountId);
    const waiting = feed.next();
    await feed.return!();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    await debitMany(store, accountId, 1);
    await expect(feed.next()).resolves.toEqual({ done: true, value: undefined });
  });
});
