import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { debitMany, succeed, take, topUp } from '../realtime/realtime-fixture.js';
import { CreditUsageDocument } from './generated/graphql.js';
import { dataOf, newSubscriber, Sockets, ticksInLedger } from './subscription-client.js';
import { useTestServer } from './test-server.js';

const server = useTestServer();
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

/** The most entries the credit feed reads from the database at a time (`PAGE_SIZE` in src/realtime/credit-feed.ts). */
const PAGE = 200;

describe('creditUsage with afterSeq: 0 on a long history', () => {
  it('sends every tick in seq order, reading the history from the database a bounded page at a time', async () => {
    const { token, accountId, globalId } = await newSubscriber(server);
    const { store } = server.app;
    await succeed(store.execute(accountId, topUp(randomUUID(), 5_000)));
    await debitMany(store, accountId, 2_000);
    const history = await ticksInLedger(store, accountId, 0);
    expect(history.length).toBeGreaterThan(2_000);

    const reads = vi.spyOn(store, 'entriesAfter');
    try {
      const socket = await sockets.connectWith(token);
      const usage = socket.subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 0 });
      const received = dataOf(await take(usage, history.length, 20_000)).map((data) => data!.creditUsage);
      expect(received).toEqual(history);

      // Every read asked for one page, and the pages together are the history, read once.
      const asked = reads.mock.calls.map(([, afterSeq, limit]) => ({ afterSeq, limit }));
      const returned = await Promise.all(reads.mock.results.map((result) => result.value as ReturnType<typeof store.entriesAfter>));
      expect(asked.every(({ limit }) => limit <= PAGE)).toBe(true);
      expect(returned.every((page) => page.length <= PAGE)).toBe(true);
      expect(returned.flat().map((entry) => entry.seq)).toEqual(Array.from({ length: history.at(-1)!.seq }, (_, index) => index + 1));
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(history.length / PAGE));
    } finally {
      reads.mockRestore();
    }
  });
});
