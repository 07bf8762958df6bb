import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerationProvider, ProviderResult } from '../../src/generation/index.js';
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
// The lease of an attempt is the hold's time-to-live (15 minutes by default).
const AFTER_THE_LEASE = '2026-03-10T12:15:00Z';

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
      error: { code: 'GENERATION_FAILED', stage: 'AFTER_PROVIDER_WORK', reason: 'HOLD_EXPIRED', charged: {} },
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
    expect(await restarted.generations.stepOutput(accountId, failed!.stepFingerprint!, failed!.holdId)).toBeNull();
    expect(await restarted.generations.stepOutput(accountId, failed!.stepFingerprint!, null)).toBeNull();

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
