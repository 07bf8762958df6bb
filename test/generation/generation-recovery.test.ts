import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_LEASE_MARGIN_MS, type GenerateRequest, type GenerationProvider, type ProviderResult } from '../../src/generation/index.js';
import type { LedgerOperation } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/database.js';
import { createGenerationStore, type GenerationStore } from '../../src/store/generations.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import { openStore, TestClock } from '../store/store-fixture.js';
import { CountingProvider, openGenerations } from './generation-fixture.js';

/**
 * A process dies in the middle of a generation (here: a write throws, or the provider never
 * answers), and the client retries with the same key from another process.
 */
let database: Database;

beforeAll(async () => {
  database = await openTestDatabase('generation-recovery');
});

afterAll(async () => {
  await database?.close();
});

const T0 = '2026-03-10T12:00:00Z';
// The lease of an attempt is the hold's time-to-live (15 minutes by default) and a margin (a minute).
const HOLD_TTL_MS = 15 * 60_000;
const AFTER_THE_LEASE = new Date(Date.parse(T0) + HOLD_TTL_MS + GENERATION_LEASE_MARGIN_MS);

/** A ledger store whose process dies just before it would apply an operation of this type. */
async function dyingBefore(type: LedgerOperation['type'], clock: TestClock): Promise<LedgerStore> {
  const store = await openStore(database.connection, clock);
  return {
    ...store,
    execute: (accountId, operation) =>
      operation.type === type ? Promise.reject(new Error('the process died')) : store.execute(accountId, operation),
  };
}

async function setUp(options: { store?: (clock: TestClock) => Promise<LedgerStore>; provider?: GenerationProvider; generations?: GenerationStore } = {}) {
  const clock = new TestClock(new Date(T0));
  const dying = await openGenerations(database.connection, clock, {
    store: options.store && (await options.store(clock)),
    provider: options.provider,
    generations: options.generations,
  });
  const restarted = await openGenerations(database.connection, clock, { provider: new CountingProvider() });
  const accountId = await restarted.newAccount();
  const request: GenerateRequest = { accountId, feature: 'voiceover.generate', idempotencyKey: 'gen-1', input: { text: 'Hello' } };
  return { clock, dying, restarted, accountId, request };
}

describe('a retry after a crash', () => {
  it('before the hold: takes the request over and generates', async () => {
    const { clock, dying, restarted, accountId, request } = await setUp({ store: (clock) => dyingBefore('HOLD', clock) });
    await expect(dying.service.generate(request)).rejects.toThrow('the process died');
    expect(await restarted.service.generate(request)).toMatchObject({ ok: false, error: { code: 'GENERATION_IN_PROGRESS' } });

    clock.set(AFTER_THE_LEASE);
    expect(await restarted.service.generate(request)).toMatchObject({ ok: true, charged: { AI_CREDITS: 3 }, replayed: false });
    expect(await restarted.generations.find(accountId, request.idempotencyKey)).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
  });

  it('after the hold, before the provider answered: charges nothing and does not run the provider again', async () => {
    let answer: (result: ProviderResult) => void = () => {};
    const hanging: GenerationProvider = { run: () => new Promise((resolve) => (answer = resolve)) };
    const { clock, dying, restarted, accountId, request } = await setUp({ provider: hanging });
    const abandoned = dying.service.generate(request);
    await expect.poll(async () => (await restarted.balance(accountId)).reserved).toBe(3);

    clock.set(AFTER_THE_LEASE);
    const failed = {
      ok: false,
      error: { code: 'GENERATION_FAILED', stage: 'BEFORE_WORK', reason: 'INTERRUPTED', charged: {} },
    };
    expect(await restarted.service.generate(request)).toMatchObject(failed);
    expect(restarted.provider).toMatchObject({ calls: 0 });
    expect(await restarted.balance(accountId)).toMatchObject({ available: 100, used: 0, reserved: 0 });
    const entries = await restarted.entries(accountId);
    expect(entries.slice(-2).map((entry) => [entry.kind, entry.details.reason])).toEqual([
      ['HOLD', undefined],
      ['RELEASE', 'HOLD_EXPIRED'],
    ]);

    // The first attempt's provider answers at last: too late to be recorded or charged.
    answer({ ok: true, output: { late: true } });
    expect(await abandoned).toMatchObject(failed);
    expect(await restarted.generations.find(accountId, request.idempotencyKey)).toMatchObject({ status: 'FAILED', output: null });
    expect(await restarted.balance(accountId)).toMatchObject({ used: 0 });
  });

  it('after the provider answered, before the commit: the hold has expired, so nothing is charged and the output is kept', async () => {
    const { clock, dying, restarted, accountId, request } = await setUp({ store: (clock) => dyingBefore('COMMIT', clock) });
    await expect(dying.service.generate(request)).rejects.toThrow('the process died');
    const saved = await restarted.generations.find(accountId, request.idempotencyKey);
    expect(saved).toMatchObject({ status: 'RUNNING', holdId: expect.any(String), output: { kind: 'voiceover' } });

    clock.set(AFTER_THE_LEASE);
    expect(await restarted.service.generate(request)).toMatchObject({
      ok: false,
      // The API adds what the failure cost ("Nothing was charged."), so the problem does not say it again.
      error: { code: 'GENERATION_FAILED', stage: 'AFTER_PROVIDER_WORK', reason: 'HOLD_EXPIRED', charged: {}, message: 'The hold expired before the work was committed; the output is kept.' },
    });
    expect(restarted.provider).toMatchObject({ calls: 0 });
    expect(await restarted.balance(accountId)).toMatchObject({ available: 100, used: 0, reserved: 0 });
    expect(await restarted.generations.find(accountId, request.idempotencyKey)).toMatchObject({ status: 'FAILED', output: saved!.output });
  });

  it('after the provider answered, before the commit, of a step: the kept output is never handed out as a reuse, since nobody paid for it', async () => {
    const { clock, dying, restarted, accountId, request } = await setUp({ store: (clock) => dyingBefore('COMMIT', clock) });
    const step = { ...request, sessionId: 'session-1', step: 'voiceover' };
    await expect(dying.service.generate(step)).rejects.toThrow('the process died');
    clock.set(AFTER_THE_LEASE);
    expect(await restarted.service.generate(step)).toMatchObject({ ok: false, error: { code: 'GENERATION_FAILED', reason: 'HOLD_EXPIRED' } });
    const failed = await restarted.generations.find(accountId, step.idempotencyKey);
    expect(failed).toMatchObject({ status: 'FAILED', output: { kind: 'voiceover' } });
    expect(await restarted.generations.stepOutput(accountId, failed!.stepFingerprint!, failed!.holdId!)).toBeNull();

    // The step was not charged: generating it again under a new key runs the provider and charges it.
    expect(await restarted.service.generate({ ...step, idempotencyKey: 'gen-2' })).toMatchObject({ ok: true, reused: false, charged: { AI_CREDITS: 3 } });
    expect(restarted.provider).toMatchObject({ calls: 1 });
  });

  it('after the commit, before the result was recorded: charges once and answers with the output', async () => {
    const real = await createGenerationStore({ connection: database.connection });
    const generations: GenerationStore = { ...real, finish: () => Promise.reject(new Error('the process died')) };
    const { clock, dying, restarted, accountId, request } = await setUp({ generations });
    await expect(dying.service.generate(request)).rejects.toThrow('the process died');
    expect(await restarted.balance(accountId)).toMatchObject({ used: 3, reserved: 0 });

    clock.set(AFTER_THE_LEASE);
    expect(await restarted.service.generate(request)).toMatchObject({ ok: true, charged: { AI_CREDITS: 3 }, output: { kind: 'voiceover' } });
    expect(await restarted.service.generate(request)).toMatchObject({ ok: true, charged: { AI_CREDITS: 3 }, replayed: true });
    expect(restarted.provider).toMatchObject({ calls: 0 });
    expect(await restarted.balance(accountId)).toMatchObject({ available: 97, used: 3, reserved: 0 });
    expect((await restarted.entries(accountId)).filter((entry) => entry.kind === 'COMMIT')).toHaveLength(1);
  });
});

/** Resolves when `open` is called: a step of a test that the code under test waits for. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('a live attempt at the end of a hold', () => {
  it('whose provider answers just before the hold expires is not taken over by a retry before it settled: charged once, with the output', async () => {
    const clock = new TestClock(new Date(T0));
    // The hold applies a while after the request was claimed (a busy account), so it expires after the bare time-to-live.
    const HOLD_LATENCY_MS = 5_000;
    const real = await openStore(database.connection, clock);
    const settling = gate();
    const committing = gate();
    const store: LedgerStore = {
      ...real,
      execute: async (accountId, operation) => {
        if (operation.type === 'HOLD') clock.set(new Date(clock.current.getTime() + HOLD_LATENCY_MS));
        if (operation.type === 'COMMIT') {
          committing.open();
          await settling.opened;
        }
        return real.execute(accountId, operation);
      },
    };
    let answer: (result: ProviderResult) => void = () => {};
    const asked = gate();
    const slow: GenerationProvider = {
      run: () => {
        asked.open();
        return new Promise((resolve) => (answer = resolve));
      },
    };
    const live = await openGenerations(database.connection, clock, { store, provider: slow });
    const retrying = await openGenerations(database.connection, clock, { provider: new CountingProvider() });
    const accountId = await retrying.newAccount();
    const request: GenerateRequest = { accountId, feature: 'voiceover.generate', idempotencyKey: 'gen-late', input: { text: 'Hello' } };

    const attempt = live.service.generate(request);
    await asked.opened;
    const held = (await retrying.store.loadAccounts([accountId]))[0]!.holds[0]!;
    const holdExpiresAt = held.expiresAt.getTime();
    expect(holdExpiresAt).toBe(Date.parse(T0) + HOLD_LATENCY_MS + HOLD_TTL_MS);
    const inProgress = { ok: false, error: { code: 'GENERATION_IN_PROGRESS' } };

    // Past the bare time-to-live from the claim, the provider still working: a retry waits.
    clock.set(new Date(Date.parse(T0) + HOLD_TTL_MS + 1));
    expect(await retrying.service.generate(request)).toMatchObject(inProgress);

    // The provider answers a millisecond before the hold expires; a retry comes while the attempt settles.
    clock.set(new Date(holdExpiresAt - 1));
    answer({ ok: true, output: { kind: 'voiceover', late: true } });
    await committing.opened;
    expect(await retrying.service.generate(request)).toMatchObject(inProgress);
    settling.open();

    const answered = { ok: true, charged: { AI_CREDITS: 3 }, output: { kind: 'voiceover', late: true } };
    expect(await attempt).toMatchObject({ ...answered, replayed: false });
    expect(await retrying.service.generate(request)).toMatchObject({ ...answered, replayed: true });
    expect(retrying.provider).toMatchObject({ calls: 0 });
    expect(await retrying.generations.find(accountId, request.idempotencyKey)).toMatchObject({ status: 'SUCCEEDED', attempt: 1, failure: null });
    expect(await retrying.balance(accountId)).toMatchObject({ available: 97, used: 3, reserved: 0 });
    expect((await retrying.entries(accountId)).map((entry) => entry.kind)).toEqual(expect.arrayContaining(['HOLD', 'COMMIT']));
    expect((await retrying.entries(accountId)).filter((entry) => entry.kind === 'COMMIT' || entry.kind === 'RELEASE')).toHaveLength(1);
  });

  it('stops waiting for a provider that ignores its signal when the hold expires, well within the lease: fails before work, charges nothing', async () => {
    const clock = new TestClock(new Date(T0));
    const real = await openStore(database.connection, clock);
    const store: LedgerStore = {
      ...real,
      execute: async (accountId, operation) => {
        const result = await real.execute(accountId, operation);
        // Time went by after the hold: 20 ms of it are left when the provider is asked.
        if (result.ok && result.type === 'HELD') clock.set(new Date(result.expiresAt.getTime() - 20));
        return result;
      },
    };
    const deaf: GenerationProvider = { run: () => new Promise(() => {}) };
    const live = await openGenerations(database.connection, clock, { store, provider: deaf });
    const accountId = await live.newAccount();
    const request: GenerateRequest = { accountId, feature: 'voiceover.generate', idempotencyKey: 'gen-deaf', input: { text: 'Hello' } };
    expect(await live.service.generate(request)).toMatchObject({
      ok: false,
      error: { code: 'GENERATION_FAILED', stage: 'BEFORE_WORK', reason: 'PROVIDER_ERROR', charged: {} },
    });
    expect(await live.generations.find(accountId, request.idempotencyKey)).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(await live.balance(accountId)).toMatchObject({ available: 100, used: 0, reserved: 0 });
  });
});
