import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/index.js';
import type { Realtime } from '../../src/realtime/index.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openAccount, openHarness, succeed, take, topic, type Harness } from './realtime-fixture.js';

let harness: Harness;
let store: LedgerStore, realtime: Realtime;

beforeAll(async () => ({ store, realtime } = harness = await openHarness('realtime-feed-view')));
afterAll(() => harness?.close());

/** A view that blanks who spent and in which session, as the GraphQL layer does for a plain member. */
const anonymous = (entry: LedgerEntry): LedgerEntry => ({ ...entry, memberId: null, sessionId: null, feature: null });

describe('the view of a credit feed', () => {
  it('builds the ticks of replayed and live entries from what the view answers, leaving other feeds of the account as they were', async () => {
    const accountId = await openAccount(store);
    await succeed(store.execute(accountId, topic('replayed')));
    const viewed = await realtime.creditTicks(accountId, { meter: 'AI_CREDITS', afterSeq: 2, view: anonymous });
    const plain = await realtime.creditTicks(accountId, { meter: 'AI_CREDITS', afterSeq: 2 });
    await succeed(store.execute(accountId, topic('live')));

    const [replayed, live] = await take(viewed, 2);
    for (const tick of [replayed!, live!]) expect(tick).toMatchObject({ memberId: null, sessionId: null, feature: null, kind: 'DEBIT', delta: -1 });
    expect([replayed!.available, live!.available]).toEqual([99, 98]);
    expect((await take(plain, 2)).map(({ memberId, sessionId, feature }) => ({ memberId, sessionId, feature }))).toEqual([
      { memberId: 'm1', sessionId: 's1', feature: 'topic.generate' },
      { memberId: 'm1', sessionId: 's1', feature: 'topic.generate' },
    ]);
    await viewed.return?.();
    await plain.return?.();
  });

  it('gives feeds with the same view key and meter the same tick objects for a live entry, and feeds of another key their own', async () => {
    const accountId = await openAccount(store);
    const open = (viewKey: string, view = anonymous) => realtime.creditTicks(accountId, { meter: 'AI_CREDITS', view, viewKey });
    const [first, second, other] = [await open('anonymous'), await open('anonymous'), await open('everything', (entry) => entry)];
    const unnamed = await realtime.creditTicks(accountId, { meter: 'AI_CREDITS', view: anonymous });
    await succeed(store.execute(accountId, topic('live')));

    const [a, b, c, d] = (await Promise.all([first, second, other, unnamed].map((feed) => take(feed, 1)))).map(([tick]) => tick);
    expect(a).toBe(b);
    expect(a).toMatchObject({ memberId: null, feature: null });
    expect(c).not.toBe(a);
    expect(c).toMatchObject({ memberId: 'm1', feature: 'topic.generate' });
    // A view without a key is applied for its feed alone.
    expect(d).not.toBe(a);
    expect(d).toEqual(a);
    await Promise.all([first, second, other, unnamed].map((feed) => feed.return?.()));
  });
});
