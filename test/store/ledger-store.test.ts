import { calculateObjectSize } from 'bson';
import { asTester } from '../../src/ledger/test-support.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { replayEntries, summarizeUsage, type LedgerEntry } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from './store-fixture.js';

let database: Database;
let secondConnection: mongoose.Connection;
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
let store: LedgerStore;

beforeAll(async () => {
  database = await openTestDatabase('store');
  // A second, independent connection to the same database plays a second server process.
  secondConnection = await mongoose
    .createConnection(database.uri, { dbName: database.connection.name, ignoreUndefined: true })
    .asPromise();
  store = await openStore(database.connection, clock);
});

afterAll(async () => {
  await secondConnection?.close();
  await database?.close();
});

async function newAccount(planId = 'hundred') {
  const accountId = `acct-${randomUUID()}`;
  const opened = await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId, billingAnchor: new Date('2026-01-31T00:00:00Z') });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  return accountId;
}

const voiceover = (key: string, memberId = 'm1') => ({ type: 'DEBIT' as const, idempotencyKey: key, feature: 'voiceover.generate', memberId });

async function allEntries(accountId: string): Promise<LedgerEntry[]> {
  return store.entriesAfter(accountId, 0, 100_000);
}

/** The account as stored, once the writes that wait for nobody are done: what every read loads. */
async function accountDocument(accountId: string) {
  await store.settled();
  return store.models.Accounts.findById(accountId).lean();
}

async function availableAi(accountId: string) {
  const [state] = await store.loadAccounts([accountId]);
  return store.balances(state!).find((balance) => balance.meter === 'AI_CREDITS')!;
}

describe('opening accounts', () => {
  it('opens an account once, even when many requests race to provision it', async () => {
    const accountId = `acct-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.openAccount({ accountId, accountType: 'USER', planId: 'hundred' })),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const entries = await allEntries(accountId);
    // The first period of each meter, once: one RESET per meter.
    expect(entries.map((entry) => [entry.seq, entry.kind])).toEqual([
      [1, 'RESET'],
      [2, 'RESET'],
    ]);
    expect((await availableAi(accountId)).available).toBe(100);
  });

  it('refuses an unknown plan and writes nothing', async () => {
    const accountId = `acct-${randomUUID()}`;
    const result = await store.openAccount({ accountId, accountType: 'USER', planId: 'nope' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PLAN' } });
    expect(await store.loadAccounts([accountId])).toEqual([null]);
  });

  it('answers ACCOUNT_NOT_FOUND for operations on a missing account', async () => {
    expect(await store.execute('acct-missing', voiceover('k'))).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_NOT_FOUND', accountId: 'acct-missing' },
    });
  });
});

describe('concurrent debits', () => {
  it('lets exactly 33 of 500 concurrent debits of 3 credits through 100 available', async () => {
    const accountId = await newAccount();
    const outcomes = await Promise.all(Array.from({ length: 500 }, (_, index) => store.execute(accountId, voiceover(`d-${index}`))));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(33);
    const refused = outcomes.filter((outcome) => !outcome.ok);
    expect(refused).toHaveLength(467);
    for (const outcome of refused) expect(outcome).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS', meter: 'AI_CREDITS', needed: 3 } });
    expect(await availableAi(accountId)).toMatchObject({ available: 1, used: 99 });
    const entries = await allEntries(accountId);
    expect(entries.filter((entry) => entry.kind === 'DEBIT')).toHaveLength(33);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
  });

  it('stays exact with two ledger instances on two connections', async () => {
    const accountId = await newAccount();
    const otherStore = await openStore(secondConnection, clock);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? store : otherStore).execute(accountId, voiceover(`two-${index}`))),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(33);
    expect(await availableAi(accountId)).toMatchObject({ available: 1, used: 99 });
    const entries = await allEntries(accountId);
    expect(entries.filter((entry) => entry.kind === 'DEBIT')).toHaveLength(33);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
  });

  it('judges a refusal on the account as it is, not as this instance last wrote it', async () => {
    const accountId = await newAccount();
    const otherStore = await openStore(secondConnection, clock);
    await store.execute(accountId, voiceover('written-here'));
    // Another instance takes a hold since: this one's memory of the account is stale.
    const held = await otherStore.execute(accountId, { type: 'HOLD', idempotencyKey: 'elsewhere', feature: 'voiceover.generate', owner: { type: 'CALLER', callerId: 'c1' } });
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    const settler = { type: 'CALLER', callerId: 'c1', anyCaller: false } as const;
    expect(await store.execute(accountId, { type: 'RELEASE', idempotencyKey: 'release-here', holdId: held.holdId, settler })).toMatchObject({ ok: true, type: 'HOLD_SETTLED' });
    // And a debit it cannot afford on what it last wrote, but can on what is there now, or the reverse.
    await otherStore.execute(accountId, { type: 'GRANT', idempotencyKey: 'top-up', meter: 'AI_CREDITS', amount: 500, kind: 'TOP_UP' });
    expect(await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'big', feature: null, amounts: { AI_CREDITS: 400 } })).toMatchObject({ ok: true, type: 'DEBITED' });
  });

  it('charges once when retries of one key race, on one or two instances', async () => {
    const accountId = await newAccount();
    const otherStore = await openStore(secondConnection, clock);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? store : otherStore).execute(accountId, voiceover('same-key'))),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes.filter((outcome) => outcome.ok && !outcome.replayed)).toHaveLength(1);
    expect((await availableAi(accountId)).available).toBe(97);
    expect((await allEntries(accountId)).filter((entry) => entry.kind === 'DEBIT')).toHaveLength(1);
  });
});

describe('quotes and multi-meter charges', () => {
  it('charges exactly a stored quote, and refuses it once expired', async () => {
    const accountId = await newAccount();
    const quoted = await store.createQuote({ accountId, feature: 'image.generate', parameters: { resolution: 'HD', count: 3 } });
    if (!quoted.ok) throw new Error(JSON.stringify(quoted.error));
    const quote = await store.findQuote(accountId, quoted.value.id);
    expect(quote).toEqual(quoted.value);
    const charged = await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'q1', feature: 'image.generate', quoteId: quote!.id });
    expect(charged).toMatchObject({ ok: true, type: 'DEBITED', charged: quote!.price.costs, quoteId: quote!.id });
    expect((await availableAi(accountId)).available).toBe(100 - quote!.price.costs.AI_CREDITS!);

    clock.set(new Date(quote!.expiresAt.getTime() + 1));
    try {
      const late = await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'q2', feature: 'image.generate', quoteId: quote!.id });
      expect(late).toMatchObject({ ok: false, error: { code: 'QUOTE_EXPIRED', quoteId: quote!.id } });
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
    expect(await store.findQuote(accountId, 'no-such-quote')).toBeNull();
    expect(await store.findQuote(await newAccount(), quote!.id)).toBeNull();
  });

  it('applies a charge across meters all or nothing', async () => {
    const accountId = await newAccount();
    const render = (key: string) => ({ type: 'DEBIT' as const, idempotencyKey: key, feature: 'video.render' });
    expect(await store.execute(accountId, render('r1'))).toMatchObject({ ok: true });
    expect(await store.execute(accountId, render('r2'))).toMatchObject({ ok: true });
    const before = await availableAi(accountId);
    // Plenty of AI credits left, but no video generation: nothing may be taken from either meter.
    expect(await store.execute(accountId, render('r3'))).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS', meter: 'VIDEO_GENERATIONS' } });
    expect(await availableAi(accountId)).toEqual(before);
    // Running out of video generations never blocks AI credits.
    expect(await store.execute(accountId, voiceover('after-videos'))).toMatchObject({ ok: true });
  });
});

describe('idempotency keys, kept with the entries (the account document keeps none)', () => {
  it('replays a key from the entry it wrote', async () => {
    const accountId = await newAccount();
    const first = await store.execute(accountId, voiceover('old-key'));
    await store.execute(accountId, voiceover('newer-key'));
    const retry = await store.execute(accountId, voiceover('old-key'));
    expect(retry).toEqual({ ...first, replayed: true });
    expect((await availableAi(accountId)).available).toBe(94);
    const reused = await store.execute(accountId, { ...voiceover('old-key'), feature: 'brand.analyze' });
    expect(reused).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('charges once when a key is retried in the batch that first used it', async () => {
    const accountId = await newAccount();
    // The first goes out alone; the other two queue meanwhile and go out as one batch.
    const outcomes = await Promise.all([
      store.execute(accountId, voiceover('a')),
      store.execute(accountId, voiceover('b')),
      store.execute(accountId, voiceover('a')),
    ]);
    expect(outcomes.map((outcome) => outcome.ok && outcome.replayed)).toEqual([false, false, true]);
    expect((await allEntries(accountId)).filter((entry) => entry.idempotencyKey === 'a')).toHaveLength(1);
  });

  it('reuses a charged step, from the commit that charged it', async () => {
    const accountId = await newAccount();
    const step = (key: string) => ({
      type: 'HOLD' as const,
      idempotencyKey: key,
      feature: 'script.generate',
      sessionId: 'session-1',
      step: { name: 'script', input: { topic: 'cats' } },
    });
    const held = await store.execute(accountId, asTester(step('h1')));
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    // Two holds of the step at once, as concurrent regenerations make them.
    const concurrent = await store.execute(accountId, asTester(step('h2')));
    if (!concurrent.ok || concurrent.type !== 'HELD') throw new Error('hold failed');
    await store.execute(accountId, asTester({ type: 'COMMIT', idempotencyKey: 'c1', holdId: held.holdId }));
    await store.execute(accountId, voiceover('pushes-the-keys-out'));
    expect(JSON.stringify(await accountDocument(accountId))).not.toContain('pushes-the-keys-out');

    const reused = { ok: true, type: 'STEP_REUSED', charged: { AI_CREDITS: 2 }, chargedByHoldId: held.holdId };
    expect(await store.execute(accountId, asTester(step('h3')))).toMatchObject(reused);
    expect(await store.execute(accountId, asTester({ type: 'COMMIT', idempotencyKey: 'c2', holdId: concurrent.holdId }))).toMatchObject(reused);
    expect(await availableAi(accountId)).toMatchObject({ used: 5, reserved: 0 });
  });

  it('keeps the key of every write for good, even of one that moved no credit (a cap, a plan change to the plan in force)', async () => {
    const accountId = await newAccount();
    const cap = (key: string, value: number) => ({ type: 'SET_MEMBER_CAP' as const, idempotencyKey: key, memberId: 'm1', meter: 'AI_CREDITS' as const, cap: value });
    expect(await store.execute(accountId, cap('cap-1', 10))).toMatchObject({ ok: true, replayed: false });
    expect(await store.execute(accountId, { type: 'CHANGE_PLAN', idempotencyKey: 'same-plan', planId: 'hundred' })).toMatchObject({ ok: true, mode: 'UNCHANGED' });
    await store.execute(accountId, cap('cap-2', 20));
    await store.execute(accountId, voiceover('pushes-the-keys-out'));
    expect(JSON.stringify(await accountDocument(accountId))).not.toContain('pushes-the-keys-out');

    // A late retry of the old cap replays it, and does not overwrite the newer cap; another request under its key is refused.
    expect(await store.execute(accountId, cap('cap-1', 10))).toMatchObject({ ok: true, replayed: true, cap: 10 });
    expect(await store.execute(accountId, cap('cap-1', 99))).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await store.execute(accountId, { type: 'CHANGE_PLAN', idempotencyKey: 'same-plan', planId: 'hundred' })).toMatchObject({ ok: true, replayed: true });
    const [after] = await store.loadAccounts([accountId]);
    expect(after!.members.find((member) => member.memberId === 'm1')?.caps).toEqual({ AI_CREDITS: 20 });
    const audit = (await allEntries(accountId)).filter((entry) => entry.kind === 'MEMBER_CAP' || (entry.kind === 'PLAN_CHANGE' && entry.changes.length === 0));
    expect(audit.map((entry) => [entry.kind, entry.details])).toEqual([
      ['MEMBER_CAP', { meter: 'AI_CREDITS', cap: 10 }],
      ['PLAN_CHANGE', { planId: 'hundred', mode: 'UNCHANGED' }],
      ['MEMBER_CAP', { meter: 'AI_CREDITS', cap: 20 }],
    ]);
  });

  it('keeps the account document the same size whatever its history: no key grows it', async () => {
    const accountId = await newAccount('thousand');
    await store.execute(accountId, voiceover('warm-up'));
    const sizeOf = async () => calculateObjectSize((await accountDocument(accountId))!);
    const before = await sizeOf();
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 30 }, (_, index) => store.execute(accountId, voiceover(`history-${round}-${index}`))));
    }
    expect((await allEntries(accountId)).filter((entry) => entry.kind === 'DEBIT')).toHaveLength(301);
    // The same members, meters and grants: only counters change (a few bytes of digits).
    expect(Math.abs((await sizeOf()) - before)).toBeLessThan(64);
    expect(await store.execute(accountId, voiceover('history-0-0'))).toMatchObject({ ok: true, replayed: true });
  });

  it('charges each key once when fresh keys and their retries race on two instances', async () => {
    const accountId = await newAccount('thousand');
    const otherStore = await openStore(secondConnection, clock);
    const keys = Array.from({ length: 60 }, (_, index) => `raced-${index}`);
    // Each key twice, once per instance, all at once: whichever writes first, the other replays.
    const instances = (index: number) => (index % 2 === 0 ? [store, otherStore] : [otherStore, store]);
    const outcomes = await Promise.all(
      keys.flatMap((key, index) => instances(index).map((instance) => instance.execute(accountId, { ...voiceover(key), feature: 'brand.analyze' }))),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes.filter((outcome) => outcome.ok && !outcome.replayed)).toHaveLength(keys.length);
    const debits = (await allEntries(accountId)).filter((entry) => entry.kind === 'DEBIT');
    expect(debits.map((entry) => entry.idempotencyKey).sort()).toEqual([...keys].sort());
    // A replay answers what the first request answered: the same balances right after it.
    for (const key of keys) {
      const answers = outcomes.filter((_, index) => keys[Math.floor(index / 2)] === key);
      expect(answers[0]).toEqual({ ...answers[1], replayed: answers[0]!.ok && answers[0]!.replayed });
    }
  });

  it('replays on another instance a key whose write applied just before its process died, before any sweep', async () => {
    const accountId = await newAccount();
    const crashing = await openStore(database.connection, clock, {
      afterAccountWrite: () => {
        throw new Error('injected crash');
      },
    });
    await expect(crashing.execute(accountId, voiceover('died-after-write'))).rejects.toThrow('injected crash');
    // The key is only in the account's pending entries: not yet in the entries collection.
    expect((await allEntries(accountId)).some((entry) => entry.idempotencyKey === 'died-after-write')).toBe(false);
    const otherStore = await openStore(secondConnection, clock);
    expect(await otherStore.execute(accountId, voiceover('died-after-write'))).toMatchObject({ ok: true, replayed: true });
    expect((await allEntries(accountId)).filter((entry) => entry.idempotencyKey === 'died-after-write')).toHaveLength(1);
    expect((await availableAi(accountId)).available).toBe(97);
  });

  it('does not remember a refused attempt, so the retry can succeed later', async () => {
    const accountId = await newAccount();
    await Promise.all(Array.from({ length: 33 }, (_, index) => store.execute(accountId, voiceover(`fill-${index}`))));
    expect(await store.execute(accountId, voiceover('late'))).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS' } });
    await store.execute(accountId, { type: 'GRANT', idempotencyKey: 'top-up-1', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' });
    expect(await store.execute(accountId, voiceover('late'))).toMatchObject({ ok: true, replayed: false });
  });
});

describe('the ledger in the database', () => {
  it('replays to exactly the stored balances, and summaries agree with the reference', async () => {
    const accountId = await newAccount();
    await store.execute(accountId, { type: 'GRANT', idempotencyKey: 'g1', meter: 'AI_CREDITS', amount: 25, kind: 'TOP_UP' });
    await store.execute(accountId, voiceover('v1', 'alice'));
    await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'r1', feature: 'video.render', memberId: 'bob', sessionId: 's1' });
    const held = await store.execute(accountId, asTester({ type: 'HOLD', idempotencyKey: 'h1', feature: 'brand.analyze', memberId: 'alice' }));
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    await store.execute(accountId, asTester({ type: 'COMMIT', idempotencyKey: 'c1', holdId: held.holdId, amounts: { AI_CREDITS: 2 } }));

    const entries = await allEntries(accountId);
    const [state] = await store.loadAccounts([accountId]);
    const projection = replayEntries(entries);
    expect(projection.lastSeq).toBe(entries.length);
    for (const balance of store.balances(state!)) {
      expect(projection.meters[balance.meter]).toMatchObject({ available: balance.available, used: balance.used, reserved: balance.reserved });
    }
    const range = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
    for (const groupBy of ['DAY', 'FEATURE', 'MEMBER'] as const) {
      expect(await store.summarizeUsage(accountId, { groupBy, ...range, timeZone: 'America/New_York' })).toEqual(
        summarizeUsage(entries, { groupBy, ...range, timeZone: 'America/New_York' }),
      );
    }
    expect(await store.summarizeUsage(accountId, { groupBy: 'MEMBER', ...range, timeZone: 'UTC' })).toEqual([
      { key: 'alice', meter: 'AI_CREDITS', used: 5 },
      { key: 'bob', meter: 'AI_CREDITS', used: 2 },
      { key: 'bob', meter: 'VIDEO_GENERATIONS', used: 1 },
    ]);
  });

  it('pages usage history newest first, with filters', async () => {
    const accountId = await newAccount();
    for (let index = 0; index < 7; index += 1) await store.execute(accountId, voiceover(`p-${index}`, index % 2 === 0 ? 'alice' : 'bob'));
    await store.execute(accountId, { type: 'DEBIT', idempotencyKey: 'render', feature: 'video.render', sessionId: 'sess' });

    const first = await store.listEntries(accountId, {}, { first: 3 });
    expect(first.entries.map((entry) => entry.seq)).toEqual([10, 9, 8]);
    expect(first).toMatchObject({ hasMore: true, hasOtherSide: false });
    const rest = await store.listEntries(accountId, {}, { first: 10, beforeSeq: 8 });
    expect(rest.entries.map((entry) => entry.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(rest).toMatchObject({ hasMore: false, hasOtherSide: true });
    // Counted from the oldest after a cursor, answered newest first.
    const newer = await store.listEntries(accountId, { kinds: ['DEBIT'] }, { first: 2, afterSeq: 3, fromOldest: true });
    expect(newer.entries.map((entry) => entry.seq)).toEqual([5, 4]);
    expect(newer).toMatchObject({ hasMore: true, hasOtherSide: true });

    expect((await store.listEntries(accountId, { memberId: 'alice' }, { first: 10 })).entries).toHaveLength(4);
    expect((await store.listEntries(accountId, { meter: 'VIDEO_GENERATIONS' }, { first: 10 })).entries.map((entry) => entry.kind)).toEqual(['DEBIT', 'RESET']);
    expect((await store.listEntries(accountId, { sessionId: 'sess', feature: 'video.render' }, { first: 10 })).entries).toHaveLength(1);
    expect((await store.listEntries(accountId, { since: new Date('2027-01-01T00:00:00Z') }, { first: 10 })).entries).toEqual([]);
  });

  it('persists a period reset found due by the clock, and tells listeners in seq order', async () => {
    const local = new TestClock(new Date('2026-03-10T12:00:00Z'));
    const clocked = await openStore(database.connection, local);
    const accountId = `acct-${randomUUID()}`;
    await clocked.openAccount({ accountId, accountType: 'USER', planId: 'daily' });
    await clocked.execute(accountId, voiceover('before-midnight'));
    const heard: number[] = [];
    clocked.onCommit((id, entries) => {
      if (id === accountId) heard.push(...entries.map((entry) => entry.seq));
    });
    local.set('2026-03-11T00:00:00Z');
    await clocked.advance(accountId);
    await clocked.advance(accountId);
    // The 7 credits left of the day expire (no rollover), then the new day's 10 are granted.
    const entries = await clocked.entriesAfter(accountId, 3, 10);
    expect(entries.map((entry) => [entry.seq, entry.kind])).toEqual([
      [4, 'EXPIRY'],
      [5, 'RESET'],
    ]);
    expect(entries[0]!.changes).toEqual([expect.objectContaining({ meter: 'AI_CREDITS', delta: -7, availableAfter: 0 })]);
    expect(entries[1]!.changes.find((change) => change.meter === 'AI_CREDITS')).toMatchObject({ delta: 10, availableAfter: 10, usedAfter: 0 });
    expect(heard).toEqual([4, 5]);
  });
});

describe('a failing operation coalesced with others', () => {
  const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];

  it('fails alone when it breaks in the ledger: the others of its batch apply and are answered', async () => {
    const accountId = await newAccount();
    // A value with no JSON form makes the ledger throw for this operation only.
    const broken = { ...voiceover('broken', 'm7'), metadata: { poison: 10n } as never };
    const results = await Promise.allSettled([...members.map((member) => store.execute(accountId, voiceover(`ok-${member}`, member))), store.execute(accountId, broken)]);
    expect(results.slice(0, 6).map((result) => result.status === 'fulfilled' && result.value.ok)).toEqual(members.map(() => true));
    expect(results[6]).toMatchObject({ status: 'rejected' });
    expect(await availableAi(accountId)).toMatchObject({ used: 18 });
  });

  it('fails alone when the combined write is refused: the others are written one by one', async () => {
    const accountId = await newAccount();
    const { Accounts } = store.models;
    const updateOne = Accounts.updateOne.bind(Accounts);
    // The database refuses any write carrying the poisoned entry (as it refuses a document over 16 MiB).
    Accounts.updateOne = ((filter: never, update: { $set?: { pendingEntries?: { metadata?: Record<string, unknown> }[] } }, ...rest: never[]) => {
      if (update.$set?.pendingEntries?.some((entry) => entry.metadata?.poison === true)) {
        return Promise.reject(Object.assign(new Error('BSONObjectTooLarge'), { code: 10334 }));
      }
      return updateOne(filter, update as never, ...rest);
    }) as typeof Accounts.updateOne;
    try {
      const poisoned = { ...voiceover('poisoned', 'm7'), metadata: { poison: true } };
      const results = await Promise.allSettled([...members.map((member) => store.execute(accountId, voiceover(`ok-${member}`, member))), store.execute(accountId, poisoned)]);
      expect(results.slice(0, 6).map((result) => result.status === 'fulfilled' && result.value.ok)).toEqual(members.map(() => true));
      expect(results[6]).toMatchObject({ status: 'rejected', reason: { code: 10334 } });
    } finally {
      Accounts.updateOne = updateOne;
    }
    expect(await availableAi(accountId)).toMatchObject({ used: 18 });
    expect((await allEntries(accountId)).filter((entry) => entry.kind === 'DEBIT')).toHaveLength(6);
  });
});

describe('round trips', () => {
  it('a batch costs the same few database commands whatever its size, and a write needs no read of the account it wrote', async () => {
    const monitored = await mongoose
      .createConnection(database.uri, { dbName: database.connection.name, ignoreUndefined: true, monitorCommands: true })
      .asPromise();
    try {
      const commands: string[] = [];
      const accountWrites: Record<string, unknown>[] = [];
      monitored.getClient().on('commandStarted', (event) => {
        // The driver ending its idle sessions is not the store's doing.
        if (event.commandName === 'endSessions') return;
        commands.push(`${event.commandName} ${String(event.command[event.commandName])}`);
        const [update] = (event.command.updates ?? []) as { q: { version?: number }; u: { $set?: Record<string, unknown> } }[];
        if (event.commandName === 'update' && update?.q.version !== undefined) accountWrites.push(update.u.$set!);
      });
      const monitoredStore = await openStore(monitored, clock);
      const accountId = await newAccount('thousand');
      await monitoredStore.execute(accountId, voiceover('first'));
      await monitoredStore.settled();
      commands.length = 0;
      accountWrites.length = 0;

      await monitoredStore.execute(accountId, voiceover('alone'));
      // The key's look-up, the compare-and-set, the copy of the entry and of its key (side by side),
      // and, the account being idle, taking the copy out of the account.
      await monitoredStore.settled();
      expect(commands.sort()).toEqual(['find idempotency_keys', 'insert idempotency_keys', 'insert ledger_entries', 'update accounts', 'update accounts']);
      const [idle] = await monitored.collection<{ _id: string; pendingEntries: unknown[] }>('accounts').find({ _id: accountId }).toArray();
      expect(idle!.pendingEntries).toEqual([]);

      // Batches back to back: each compare-and-set replaces the entries the batch before copied,
      // so only the last batch needs a command to take its copies out.
      commands.length = 0;
      await Promise.all(Array.from({ length: 100 }, (_, index) => monitoredStore.execute(accountId, voiceover(`many-${index}`, `m${index % 7}`))));
      await monitoredStore.settled();
      const batches = commands.filter((command) => command === 'insert ledger_entries').length;
      expect(batches).toBeGreaterThanOrEqual(2);
      expect(batches).toBeLessThanOrEqual(3);
      expect(commands).toHaveLength(4 * batches + 1);
      expect(commands.filter((command) => command === 'find accounts')).toEqual([]);

      // Fifty accounts at once: one compare-and-set each; one read and one key look-up for all of
      // them, and their copies shared with whichever others are ready at the same moment.
      const accounts = await Promise.all(Array.from({ length: 50 }, () => newAccount('thousand')));
      await monitoredStore.settled();
      commands.length = 0;
      accountWrites.length = 0;
      await Promise.all(accounts.map((account, index) => monitoredStore.execute(account, voiceover(`cold-${index}`))));
      await monitoredStore.settled();
      expect(accountWrites).toHaveLength(50);
      expect(commands.filter((command) => command.startsWith('find'))).toEqual(['find accounts', 'find idempotency_keys']);
      expect(commands.filter((command) => command === 'insert ledger_entries').length).toBeLessThanOrEqual(50);
    } finally {
      await monitored.close();
    }
  });
});

describe('crash recovery', () => {
  it('completes the ledger exactly once after dying between the account write and the copy', async () => {
    const accountId = await newAccount();
    await store.execute(accountId, voiceover('before-crash'));
    let crash = true;
    const crashing = await openStore(database.connection, clock, {
      afterAccountWrite: () => {
        if (crash) throw new Error('injected crash');
      },
    });
    await expect(crashing.execute(accountId, voiceover('at-crash'))).rejects.toThrow('injected crash');
    expect((await allEntries(accountId)).map((entry) => entry.seq)).toEqual([1, 2, 3]);
    crash = false;

    const restarted = await openStore(database.connection, clock);
    expect(await restarted.recoverPendingEntries()).toBeGreaterThanOrEqual(1);
    expect(await restarted.recoverPendingEntries()).toBe(0);
    // The caller retries after the crash: the write had happened, so the key replays.
    expect(await restarted.execute(accountId, voiceover('at-crash'))).toMatchObject({ ok: true, replayed: true });
    const entries = await allEntries(accountId);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(entries.filter((entry) => entry.idempotencyKey === 'at-crash')).toHaveLength(1);
    expect((await availableAi(accountId)).available).toBe(94);
  });

  it('copies stranded entries of an account opened again after the database lost it, whatever it copied of the lost one', async () => {
    const accountId = await newAccount();
    for (let index = 0; index < 5; index += 1) await store.execute(accountId, voiceover(`lost-${index}`));
    await store.settled();
    // The database loses the account and its history; it is opened again, later, and counts its seqs from 1.
    const { Accounts, Entries, Keys } = store.models;
    await Promise.all([Accounts.deleteOne({ _id: accountId }), Entries.deleteMany({ accountId }), Keys.deleteMany({ accountId })]);
    clock.set(new Date(clock.current.getTime() + 60_000));
    expect(await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'hundred', billingAnchor: new Date('2026-01-31T00:00:00Z') })).toMatchObject({ ok: true });
    // Another process writes it and dies before copying: its entry, seq 3, is only pending.
    const crashing = await openStore(secondConnection, clock, {
      afterAccountWrite: () => {
        throw new Error('injected crash');
      },
    });
    await expect(crashing.execute(accountId, voiceover('stranded'))).rejects.toThrow('injected crash');

    await store.execute(accountId, voiceover('next'));
    expect((await allEntries(accountId)).map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(await store.execute(accountId, voiceover('stranded'))).toMatchObject({ ok: true, replayed: true });
  });

  it('copies stranded entries on the next write even without the sweep', async () => {
    const accountId = await newAccount();
    const crashing = await openStore(database.connection, clock, {
      afterAccountWrite: () => {
        throw new Error('injected crash');
      },
    });
    await expect(crashing.execute(accountId, voiceover('lost?'))).rejects.toThrow('injected crash');
    const announced: number[] = [];
    const stopListening = store.onCommit((id, entries) => {
      if (id === accountId) announced.push(...entries.map((entry) => entry.seq));
    });
    try {
      await store.execute(accountId, voiceover('next'));
    } finally {
      stopListening();
    }
    expect((await allEntries(accountId)).map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    // The stranded entry is announced before the new one, so live feeds see every seq in order.
    expect(announced).toEqual([3, 4]);
  });
});
