import { asTester } from '../../src/ledger/test-support.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generationStepInput,
  SimulatedGenerationProvider,
  type GenerateRequest,
  type GenerateResult,
  type GenerationProvider,
} from '../../src/generation/index.js';
import type { PricingParameters } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase } from '../support/test-database.js';
import { TestClock } from '../store/store-fixture.js';
import { CountingProvider, openGenerations, type GenerationFixture } from './generation-fixture.js';

let database: Database;
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
let fixture: GenerationFixture;

beforeAll(async () => {
  database = await openTestDatabase('generation');
  fixture = await openGenerations(database.connection, clock);
});

afterAll(async () => {
  await database?.close();
});

let keys = 0;
const request = (accountId: string, fields: Partial<GenerateRequest> = {}): GenerateRequest => ({
  accountId,
  feature: 'voiceover.generate',
  idempotencyKey: `key-${(keys += 1)}`,
  input: { text: 'Hello' },
  ...fields,
});

function succeeded(result: GenerateResult) {
  if (!result.ok) throw new Error(`expected a generation, got ${JSON.stringify(result.error)}`);
  return result;
}

function refused(result: GenerateResult) {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('prices', () => {
  it('charge exactly the quote shown before', async () => {
    const accountId = await fixture.newAccount();
    const quote = await fixture.store.createQuote({ accountId, feature: 'image.generate', parameters: { resolution: 'HD', count: 3 } });
    if (!quote.ok) throw new Error(JSON.stringify(quote.error));
    const result = succeeded(await fixture.service.generate(request(accountId, { feature: 'image.generate', quoteId: quote.value.id })));
    expect(result.charged).toEqual(quote.value.price.costs);
    expect(result.charged).toEqual({ AI_CREDITS: 6 });
    // The provider made what was quoted.
    expect(result.output).toMatchObject({ kind: 'image', parameters: { resolution: 'HD', count: 3 } });
    expect(result.balances.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 94, used: 6, reserved: 0 });
  });

  it('debit exactly the price, through a hold and its commit', async () => {
    const accountId = await fixture.newAccount();
    const result = succeeded(await fixture.service.generate(request(accountId)));
    expect(result).toMatchObject({ charged: { AI_CREDITS: 3 }, reused: false, replayed: false });
    expect(await fixture.balance(accountId)).toMatchObject({ available: 97, used: 3, reserved: 0 });
    const entries = (await fixture.entries(accountId)).filter((entry) => entry.kind !== 'RESET');
    expect(entries.map((entry) => [entry.kind, entry.idempotencyKey, entry.metadata.generationId])).toEqual([
      ['HOLD', `gen:key-${keys}:hold`, result.generationId],
      ['COMMIT', `gen:key-${keys}:commit`, result.generationId],
    ]);
  });

  it('are higher in HD than in SD', async () => {
    const accountId = await fixture.newAccount();
    const image = (resolution: string) => request(accountId, { feature: 'image.generate', parameters: { resolution } });
    const sd = succeeded(await fixture.service.generate(image('SD')));
    const hd = succeeded(await fixture.service.generate(image('HD')));
    expect(sd.charged).toEqual({ AI_CREDITS: 1 });
    expect(hd.charged).toEqual({ AI_CREDITS: 2 });
  });
});

describe('regeneration', () => {
  const scriptStep = (accountId: string, input: GenerateRequest['input'], fields: Partial<GenerateRequest> = {}) =>
    request(accountId, { feature: 'script.generate', sessionId: 'session-1', step: 'script', input, ...fields });

  it('charges nothing for an unchanged step and returns what the first generation made', async () => {
    const accountId = await fixture.newAccount();
    const first = succeeded(await fixture.service.generate(scriptStep(accountId, { topic: 'cats', tone: 'fun' })));
    expect(first).toMatchObject({ charged: { AI_CREDITS: 2 }, reused: false });
    // The same input in another key order is the same step.
    const again = succeeded(await fixture.service.generate(scriptStep(accountId, { tone: 'fun', topic: 'cats' })));
    expect(again).toMatchObject({ charged: {}, reused: true, replayed: false, output: first.output });
    expect(again.generationId).not.toBe(first.generationId);
    expect(await fixture.balance(accountId)).toMatchObject({ used: 2, reserved: 0 });
  });

  it('charges nothing for an unchanged step whose defaults are spelled out, in any key order', async () => {
    const accountId = await fixture.newAccount();
    const image = { feature: 'image.generate', sessionId: 'session-1', step: 'cover', input: { prompt: 'a cat' } };
    const first = succeeded(await fixture.service.generate(request(accountId, image)));
    expect(first).toMatchObject({ charged: { AI_CREDITS: 1 }, reused: false });
    for (const parameters of [{ resolution: 'SD' }, { count: 1, resolution: 'SD' }, { resolution: 'SD', count: 1 }] as PricingParameters[]) {
      expect(succeeded(await fixture.service.generate(request(accountId, { ...image, parameters })))).toMatchObject({ charged: {}, reused: true, output: first.output });
    }
    expect(await fixture.balance(accountId)).toMatchObject({ used: 1 });
  });

  it('charges again for a changed input or changed parameters', async () => {
    const accountId = await fixture.newAccount();
    const first = succeeded(await fixture.service.generate(scriptStep(accountId, { topic: 'cats' })));
    const changed = succeeded(await fixture.service.generate(scriptStep(accountId, { topic: 'dogs' })));
    expect(changed).toMatchObject({ charged: { AI_CREDITS: 2 }, reused: false });
    expect(changed.output).not.toEqual(first.output);
    const image = { feature: 'image.generate', sessionId: 'session-1', step: 'cover', input: { prompt: 'a cat' } };
    succeeded(await fixture.service.generate(request(accountId, { ...image, parameters: { resolution: 'SD' } })));
    expect(succeeded(await fixture.service.generate(request(accountId, { ...image, parameters: { resolution: 'HD' } })))).toMatchObject({
      charged: { AI_CREDITS: 2 },
      reused: false,
    });
    expect(await fixture.balance(accountId)).toMatchObject({ used: 7 });
  });

  it('charges an unchanged step once when its regenerations run concurrently', async () => {
    // Each run makes something different, so the answers show whose output they return.
    let made = 0;
    const unique: GenerationProvider = { run: async () => ({ ok: true, output: { take: (made += 1) } }) };
    const local = await openGenerations(database.connection, clock, { provider: unique });
    const accountId = await local.newAccount();
    const results = await Promise.all(Array.from({ length: 20 }, () => local.service.generate(scriptStep(accountId, { topic: 'owls' }))));
    const answers = results.map(succeeded);
    const charging = answers.filter((answer) => !answer.reused);
    expect(charging).toHaveLength(1);
    expect(charging[0]!.charged).toEqual({ AI_CREDITS: 2 });
    for (const answer of answers) expect(answer.output).toEqual(charging[0]!.output);
    expect(await local.balance(accountId)).toMatchObject({ used: 2, reserved: 0, available: 98 });
    // Those that held before the first commit gave their hold back when they committed.
    const entries = await local.entries(accountId);
    const holds = entries.filter((entry) => entry.kind === 'HOLD');
    expect(entries.filter((entry) => entry.kind === 'RELEASE' && entry.details.reason === 'STEP_REUSED')).toHaveLength(holds.length - 1);
  });

  it('makes a step charged outside generate without charging it again', async () => {
    const local = await openGenerations(database.connection, clock, { provider: new CountingProvider() });
    const accountId = await local.newAccount();
    // A backend charged the step through the metering API: a step hold and its commit.
    const step = { name: 'script', input: generationStepInput({ feature: 'script.generate', parameters: {}, input: { topic: 'bees' } }) };
    const held = await local.store.execute(accountId, asTester({ type: 'HOLD', idempotencyKey: 'meter-h', feature: 'script.generate', sessionId: 'session-1', step }));
    if (!held.ok || held.type !== 'HELD') throw new Error('hold failed');
    await local.store.execute(accountId, asTester({ type: 'COMMIT', idempotencyKey: 'meter-c', holdId: held.holdId }));

    const result = succeeded(await local.service.generate(scriptStep(accountId, { topic: 'bees' })));
    expect(result).toMatchObject({ charged: {}, reused: true, output: { kind: 'script' } });
    expect(local.provider).toMatchObject({ calls: 1 });
    expect(await local.balance(accountId)).toMatchObject({ used: 2 });
  });
});

describe('failures', () => {
  it('before the work started charge nothing and release the hold', async () => {
    const accountId = await fixture.newAccount();
    const error = refused(await fixture.service.generate(request(accountId, { input: { simulateFailure: 'BEFORE_WORK' } })));
    expect(error).toMatchObject({ code: 'GENERATION_FAILED', stage: 'BEFORE_WORK', reason: 'SIMULATED_FAILURE', charged: {} });
    expect(await fixture.balance(accountId)).toMatchObject({ available: 100, used: 0, reserved: 0 });
    expect((await fixture.entries(accountId)).at(-1)).toMatchObject({ kind: 'RELEASE', details: { settlement: 'FAILED_BEFORE_WORK' } });
  });

  it('after the provider worked charge per the feature policy, and never a video generation', async () => {
    const accountId = await fixture.newAccount();
    const render = request(accountId, { feature: 'video.render', input: { scenes: 3, simulateFailure: 'AFTER_PROVIDER_WORK' } });
    expect(refused(await fixture.service.generate(render))).toMatchObject({
      code: 'GENERATION_FAILED',
      stage: 'AFTER_PROVIDER_WORK',
      charged: { AI_CREDITS: 2 },
    });
    expect(await fixture.balance(accountId)).toMatchObject({ used: 2, reserved: 0 });
    expect(await fixture.balance(accountId, 'VIDEO_GENERATIONS')).toMatchObject({ available: 2, used: 0, reserved: 0 });

    const image = request(accountId, { feature: 'image.generate', input: { simulateFailure: 'AFTER_PROVIDER_WORK' } });
    expect(refused(await fixture.service.generate(image))).toMatchObject({ stage: 'AFTER_PROVIDER_WORK', charged: {} });
    expect(await fixture.balance(accountId)).toMatchObject({ used: 2 });
  });

  it('are injected only into a provider built to inject them', async () => {
    const plain = await openGenerations(database.connection, clock, { provider: new SimulatedGenerationProvider() });
    const accountId = await plain.newAccount();
    expect(succeeded(await plain.service.generate(request(accountId, { input: { simulateFailure: 'BEFORE_WORK' } })))).toMatchObject({
      charged: { AI_CREDITS: 3 },
    });
  });

  it('of the provider itself (a rejection) charge nothing', async () => {
    const broken: GenerationProvider = { run: () => Promise.reject(new Error('connection reset')) };
    const local = await openGenerations(database.connection, clock, { provider: broken });
    const accountId = await local.newAccount();
    expect(refused(await local.service.generate(request(accountId, { feature: 'brand.analyze' })))).toMatchObject({
      code: 'GENERATION_FAILED',
      stage: 'BEFORE_WORK',
      reason: 'PROVIDER_ERROR',
      message: 'connection reset',
      charged: {},
    });
    expect(await local.balance(accountId)).toMatchObject({ available: 100, reserved: 0 });
  });
});

describe('refusals', () => {
  it('for lack of credits name the meter and the next tier, and change nothing', async () => {
    const accountId = await fixture.newAccount();
    await fixture.store.execute(accountId, { type: 'REMOVE_CREDITS', idempotencyKey: 'drain', meter: 'AI_CREDITS', amount: 98 });
    const before = { balance: await fixture.balance(accountId), entries: await fixture.entries(accountId) };
    const voiceover = request(accountId);
    expect(refused(await fixture.service.generate(voiceover))).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'AI_CREDITS',
      needed: 3,
      available: 2,
      resetsAt: new Date('2026-03-31T00:00:00Z'),
      // The period's allowance refused (no daily limit), freed at the reset.
      limit: 'PERIOD',
      freesAt: new Date('2026-03-31T00:00:00Z'),
      upgrade: { planId: 'thousand', name: 'Thousand', tier: 2, meter: 'AI_CREDITS', allowance: 1_000, unlimited: false, period: 'MONTH' },
    });
    expect(await fixture.balance(accountId)).toEqual(before.balance);
    expect(await fixture.entries(accountId)).toEqual(before.entries);

    // The refused attempt does not block its key.
    await fixture.store.execute(accountId, { type: 'GRANT', idempotencyKey: 'top-up', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' });
    expect(succeeded(await fixture.service.generate(voiceover))).toMatchObject({ charged: { AI_CREDITS: 3 }, replayed: false });
  });

  it('have no upgrade to suggest on the top tier', async () => {
    const accountId = await fixture.newAccount('thousand');
    const render = (index: number) => request(accountId, { feature: 'video.render', idempotencyKey: `render-${index}` });
    for (let index = 0; index < 10; index += 1) succeeded(await fixture.service.generate(render(index)));
    expect(refused(await fixture.service.generate(render(10)))).toMatchObject({ code: 'INSUFFICIENT_CREDITS', meter: 'VIDEO_GENERATIONS', upgrade: null });
  });

  it('for a member over its cap name the cap', async () => {
    const accountId = await fixture.newAccount('hundred', 'ORGANIZATION');
    await fixture.store.execute(accountId, { type: 'SET_MEMBER_CAP', idempotencyKey: 'cap', memberId: 'ana', meter: 'AI_CREDITS', cap: 4 });
    succeeded(await fixture.service.generate(request(accountId, { memberId: 'ana' })));
    expect(refused(await fixture.service.generate(request(accountId, { memberId: 'ana' })))).toEqual({
      code: 'MEMBER_CAP_EXCEEDED',
      memberId: 'ana',
      meter: 'AI_CREDITS',
      cap: 4,
      used: 3,
      needed: 3,
    });
    succeeded(await fixture.service.generate(request(accountId, { memberId: 'bo' })));
  });

  it('of invalid requests record nothing', async () => {
    const accountId = await fixture.newAccount();
    const otherAccount = await fixture.newAccount();
    const quote = await fixture.store.createQuote({ accountId: otherAccount, feature: 'voiceover.generate' });
    const expiring = await fixture.store.createQuote({ accountId, feature: 'voiceover.generate' });
    if (!quote.ok || !expiring.ok) throw new Error('quote failed');
    const cases: [Partial<GenerateRequest>, object][] = [
      [{ feature: 'nope' }, { code: 'UNKNOWN_FEATURE', feature: 'nope' }],
      [{ feature: 'image.generate', parameters: { resolution: '8K' } }, { code: 'INVALID_PARAMETER', parameter: 'resolution' }],
      [{ quoteId: 'no-such-quote' }, { code: 'QUOTE_NOT_FOUND', quoteId: 'no-such-quote' }],
      [{ quoteId: quote.value.id }, { code: 'QUOTE_NOT_FOUND', quoteId: quote.value.id }],
      [{ step: 'script' }, { code: 'VALIDATION_ERROR', field: 'sessionId' }],
      [{ idempotencyKey: '' }, { code: 'VALIDATION_ERROR', field: 'idempotencyKey' }],
    ];
    for (const [fields, error] of cases) {
      const invalid = request(accountId, fields);
      expect(refused(await fixture.service.generate(invalid))).toMatchObject(error);
      expect(await fixture.generations.find(accountId, invalid.idempotencyKey)).toBeNull();
    }
    clock.set(expiring.value.expiresAt);
    try {
      expect(refused(await fixture.service.generate(request(accountId, { quoteId: expiring.value.id })))).toMatchObject({ code: 'QUOTE_EXPIRED' });
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
    expect((await fixture.entries(accountId)).filter((entry) => entry.kind !== 'RESET')).toEqual([]);
  });
});

describe('idempotency', () => {
  it('answers a retry of a finished request with the stored result, without running the provider again', async () => {
    const local = await openGenerations(database.connection, clock, { provider: new CountingProvider() });
    const accountId = await local.newAccount();
    const voiceover = request(accountId);
    const first = succeeded(await local.service.generate(voiceover));
    const retry = succeeded(await local.service.generate({ ...voiceover }));
    expect(retry).toEqual({ ...first, replayed: true });

    const failing = request(accountId, { input: { simulateFailure: 'AFTER_PROVIDER_WORK' } });
    const failed = await local.service.generate(failing);
    expect(await local.service.generate(failing)).toEqual(failed);
    expect(local.provider).toMatchObject({ calls: 2 });
    expect(await local.balance(accountId)).toMatchObject({ used: 6 });
  });

  it('refuses a key reused for another request', async () => {
    const accountId = await fixture.newAccount();
    const voiceover = request(accountId);
    succeeded(await fixture.service.generate(voiceover));
    expect(refused(await fixture.service.generate({ ...voiceover, input: { text: 'Bye' } }))).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      idempotencyKey: voiceover.idempotencyKey,
    });
  });

  it('answers a retry while the request runs that it is in progress', async () => {
    let finishRun: () => void = () => {};
    const slow = new CountingProvider();
    const gated: GenerationProvider = {
      run: async (runRequest, signal) => {
        await new Promise<void>((resolve) => (finishRun = resolve));
        return slow.run(runRequest, signal);
      },
    };
    const local = await openGenerations(database.connection, clock, { provider: gated });
    const accountId = await local.newAccount();
    const voiceover = request(accountId);
    const running = local.service.generate(voiceover);
    await expect.poll(async () => (await local.generations.find(accountId, voiceover.idempotencyKey))?.status).toBe('RUNNING');
    await expect.poll(async () => (await local.balance(accountId)).reserved).toBe(3);
    const record = await local.generations.find(accountId, voiceover.idempotencyKey);
    expect(refused(await local.service.generate(voiceover))).toEqual({
      code: 'GENERATION_IN_PROGRESS',
      generationId: record!.id,
      idempotencyKey: voiceover.idempotencyKey,
    });
    finishRun();
    const first = succeeded(await running);
    expect(await local.service.generate(voiceover)).toEqual({ ...first, replayed: true });
    expect(slow.calls).toBe(1);
  });
});

describe('concurrency', () => {
  it('lets exactly the affordable number of 200 concurrent generations through', async () => {
    const accountId = await fixture.newAccount('hundred', 'ORGANIZATION');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => fixture.service.generate(request(accountId, { memberId: `m${index % 7}` }))),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(33);
    const refusals = results.filter((result) => !result.ok);
    expect(refusals).toHaveLength(167);
    for (const result of refusals) expect(result).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS', meter: 'AI_CREDITS', needed: 3 } });
    expect(await fixture.balance(accountId)).toMatchObject({ available: 1, used: 99, reserved: 0 });
    const entries = await fixture.entries(accountId);
    expect(entries.filter((entry) => entry.kind === 'COMMIT')).toHaveLength(33);
    expect(entries.filter((entry) => entry.kind === 'HOLD')).toHaveLength(33);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
    const charged = results.reduce((sum, result) => sum + (result.ok ? (result.charged.AI_CREDITS ?? 0) : 0), 0);
    expect(charged).toBe(99);
  });
});
