import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { errorCodes, execute } from './client.js';
import {
  ChangePlanDocument,
  ConsumeCreditsDocument,
  CreateQuoteDocument,
  GenerateDocument,
  SetMemberCapDocument,
  ViewerDocument,
  type GenerateInput,
} from './generated/graphql.js';
import { TestClock } from '../store/store-fixture.js';
import { useTestServer } from './test-server.js';
import { accountGlobalId, userGlobalId } from './ledger-fixture.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

const START = '2026-03-10T12:00:00.000Z';

/** Signs a token and makes the first request, which opens the caller's accounts (rheos.free: 50 AI credits a month). */
async function callerOf(server: ReturnType<typeof useTestServer>, claims: TokenClaims) {
  const token = await server.token(claims);
  await execute(server.url, ViewerDocument, { token });
  return token;
}

const generateWith = (server: ReturnType<typeof useTestServer>, token: string, input: GenerateInput) => resultOf(server.url, GenerateDocument, token, { input });

describe('generate', () => {
  const clock = new TestClock(new Date(START));
  const server = useTestServer({ now: clock.now, env: { SIMULATED_PROVIDER_FAILURES: 'true' } });
  const probe = probeOf(server);
  const caller = (claims: TokenClaims) => callerOf(server, claims);
  const generate = (token: string, input: GenerateInput) => generateWith(server, token, input);
  const quote = async (token: string, feature: string, parameters?: unknown) => as(await resultOf(server.url, CreateQuoteDocument, token, { input: { feature, parameters } }), 'Quote');

  it("charges the caller's drawing account what the quote said, and shows it in the balances", async () => {
    const token = await caller({ sub: 'u1' });
    const quoted = await quote(token, 'image.generate', { resolution: 'HD', count: 2 });
    expect(quoted.costs).toEqual([{ meter: 'AI_CREDITS', amount: 4 }]);
    const generated = as(await generate(token, { feature: 'image.generate', idempotencyKey: 'u1-1', input: { prompt: 'a red fox' }, quoteId: quoted.id }), 'GenerationSuccess');
    expect(generated).toMatchObject({ accountId: accountGlobalId('user:u1'), replayed: false, reused: false, charged: quoted.costs });
    expect(generated.output).toMatchObject({ kind: 'image', feature: 'image.generate', parameters: { resolution: 'HD', count: 2 }, simulated: true });
    expect(byMeter(generated.balances).AI_CREDITS).toMatchObject({ available: 46, used: 4, reserved: 0 });
    expect((await probe.balances('user:u1')).AI_CREDITS).toMatchObject({ available: 46, used: 4, reserved: 0 });
    const [commit] = (await probe.store.listEntries('user:u1', {}, { first: 1 })).entries;
    expect(commit).toMatchObject({ kind: 'COMMIT', feature: 'image.generate', metadata: { generationId: generated.generationId } });
  });

  it('charges HD more than SD, from the catalog when no quote is named', async () => {
    const token = await caller({ sub: 'u2' });
    const sd = as(await generate(token, { feature: 'image.generate', idempotencyKey: 'u2-sd', input: { prompt: 'a lake' } }), 'GenerationSuccess');
    const hd = as(await generate(token, { feature: 'image.generate', idempotencyKey: 'u2-hd', input: { prompt: 'a lake' }, parameters: { resolution: 'HD' } }), 'GenerationSuccess');
    expect(sd.charged).toEqual([{ meter: 'AI_CREDITS', amount: 1 }]);
    expect(hd.charged).toEqual([{ meter: 'AI_CREDITS', amount: 2 }]);
    expect(byMeter(hd.balances).AI_CREDITS).toMatchObject({ available: 47, used: 3 });
  });

  it('answers a retry with the same key from the first result without charging again; another request under the key is refused', async () => {
    const token = await caller({ sub: 'u3' });
    const input = { feature: 'script.generate', idempotencyKey: 'u3-1', input: { topic: 'tides' } };
    const first = as(await generate(token, input), 'GenerationSuccess');
    const retry = as(await generate(token, input), 'GenerationSuccess');
    expect(retry).toMatchObject({ replayed: true, generationId: first.generationId, output: first.output, charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
    expect(byMeter(retry.balances).AI_CREDITS).toMatchObject({ available: 48, used: 2 });
    expect(as(await generate(token, { ...input, input: { topic: 'waves' } }), 'IdempotencyKeyReusedError').idempotencyKey).toBe('u3-1');
    expect((await probe.balances('user:u3')).AI_CREDITS).toMatchObject({ available: 48, used: 2 });
  });

  it('regenerating an unchanged step charges nothing and answers the first output; a changed step is charged', async () => {
    const token = await caller({ sub: 'u4' });
    const step = { feature: 'script.generate', sessionId: 'video-1', step: 'script', input: { topic: 'tides' } };
    const first = as(await generate(token, { ...step, idempotencyKey: 'u4-1' }), 'GenerationSuccess');
    expect(first).toMatchObject({ reused: false, charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
    const again = as(await generate(token, { ...step, idempotencyKey: 'u4-2' }), 'GenerationSuccess');
    expect(again).toMatchObject({ reused: true, replayed: false, charged: [], output: first.output });
    expect(byMeter(again.balances).AI_CREDITS).toMatchObject({ available: 48, used: 2 });
    const changed = as(await generate(token, { ...step, input: { topic: 'waves' }, idempotencyKey: 'u4-3' }), 'GenerationSuccess');
    expect(changed).toMatchObject({ reused: false, charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
    expect(byMeter(changed.balances).AI_CREDITS).toMatchObject({ available: 46, used: 4 });
  });

  it('refuses what the pool cannot afford with the upgrade hint, holding and charging nothing', async () => {
    const token = await caller({ sub: 'u5' });
    await execute(server.url, ConsumeCreditsDocument, {
      token,
      variables: { input: { accountId: accountGlobalId('user:u5'), meter: 'AI_CREDITS', amount: 47, idempotencyKey: 'u5-spend' } },
    });
    const before = { entries: await probe.entryCount('user:u5'), balances: await probe.balances('user:u5') };
    const refused = as(
      await generate(token, { feature: 'image.generate', idempotencyKey: 'u5-1', input: { prompt: 'a castle' }, parameters: { resolution: 'HD', count: 2 } }),
      'InsufficientCreditsError',
    );
    expect(refused).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'AI_CREDITS',
      needed: 4,
      available: 3,
      resetsAt: '2026-04-10T12:00:00.000Z',
      upgrade: { message: 'Upgrade to Rheos Pro for 1,000 AI credits a month.', plan: { key: 'rheos.pro', tier: 1 } },
    });
    expect(await probe.entryCount('user:u5')).toBe(before.entries);
    expect(await probe.balances('user:u5')).toEqual(before.balances);
    // Nothing was held, so the key is free: once affordable, the same request goes through.
    const affordable = as(await generate(token, { feature: 'image.generate', idempotencyKey: 'u5-2', input: { prompt: 'a castle' }, parameters: { count: 3 } }), 'GenerationSuccess');
    expect(byMeter(affordable.balances).AI_CREDITS).toMatchObject({ available: 0, used: 50 });
  });

  it('a failure before the work charges nothing; after it, the policy decides, and a video generation is never consumed', async () => {
    // A ReelBot account (plan changes stay within a product), opened before its first request.
    await probe.store.openAccount({ accountId: 'user:u6', accountType: 'USER', planId: 'reelbot.free' });
    const token = await caller({ sub: 'u6' });
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    // ReelBot Starter: 100 AI credits a day and 15 video generations a month (an upgrade from reelbot.free, so at once).
    const plan = await execute(server.url, ChangePlanDocument, {
      token: service,
      variables: { input: { accountId: accountGlobalId('user:u6'), plan: 'reelbot.starter', idempotencyKey: 'u6-plan' } },
    });
    expect(as(plan.data?.changePlan, 'ChangePlanSuccess').mode).toBe('IMMEDIATE');

    const before = as(await generate(token, { feature: 'brand.analyze', idempotencyKey: 'u6-1', input: { url: 'x.example', simulateFailure: 'BEFORE_WORK' } }), 'GenerationFailedError');
    expect(before).toMatchObject({ code: 'GENERATION_FAILED', stage: 'BEFORE_WORK', reason: 'SIMULATED_FAILURE', charged: [], accountId: accountGlobalId('user:u6') });
    expect(before.message).toBe('The simulated provider rejected the request before doing any work. Nothing was charged.');
    expect(byMeter(before.balances).AI_CREDITS).toMatchObject({ available: 100, used: 0, reserved: 0 });

    const after = as(await generate(token, { feature: 'brand.analyze', idempotencyKey: 'u6-2', input: { url: 'x.example', simulateFailure: 'AFTER_PROVIDER_WORK' } }), 'GenerationFailedError');
    expect(after).toMatchObject({ stage: 'AFTER_PROVIDER_WORK', charged: [{ meter: 'AI_CREDITS', amount: 5 }] });
    expect(after.message).toBe('The simulated provider failed after doing its work. The failure was charged 5 AI credits.');

    const image = as(await generate(token, { feature: 'image.generate', idempotencyKey: 'u6-3', input: { prompt: 'p', simulateFailure: 'AFTER_PROVIDER_WORK' } }), 'GenerationFailedError');
    expect(image).toMatchObject({ stage: 'AFTER_PROVIDER_WORK', charged: [] });

    const render = as(await generate(token, { feature: 'video.render', idempotencyKey: 'u6-4', input: { draft: 'd1', simulateFailure: 'AFTER_PROVIDER_WORK' } }), 'GenerationFailedError');
    expect(render).toMatchObject({ stage: 'AFTER_PROVIDER_WORK', charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
    expect(byMeter(render.balances)).toMatchObject({
      AI_CREDITS: { available: 93, used: 7, reserved: 0 },
      VIDEO_GENERATIONS: { available: 15, used: 0, reserved: 0 },
    });
    // A retry of a failed request answers the same failure: nothing runs or is charged again.
    const retried = as(await generate(token, { feature: 'video.render', idempotencyKey: 'u6-4', input: { draft: 'd1', simulateFailure: 'AFTER_PROVIDER_WORK' } }), 'GenerationFailedError');
    expect(retried.generationId).toBe(render.generationId);
    const rendered = as(await generate(token, { feature: 'video.render', idempotencyKey: 'u6-5', input: { draft: 'd1' } }), 'GenerationSuccess');
    expect(rendered.charged).toEqual([
      { meter: 'AI_CREDITS', amount: 2 },
      { meter: 'VIDEO_GENERATIONS', amount: 1 },
    ]);
    expect((await probe.balances('user:u6')).VIDEO_GENERATIONS).toMatchObject({ available: 14, used: 1 });
  });

  it("holds a member of a pool to its cap while the pool has credits", async () => {
    const admin = await caller({ sub: 'u7-admin', org: 'o7', role: 'admin' });
    const member = await caller({ sub: 'u7', org: 'o7' });
    const capped = await execute(server.url, SetMemberCapDocument, {
      token: admin,
      variables: { input: { accountId: accountGlobalId('org:o7'), memberId: userGlobalId('u7'), meter: 'AI_CREDITS', cap: 1, idempotencyKey: 'o7-cap' } },
    });
    as(capped.data?.setMemberCap, 'SetMemberCapSuccess');
    const first = as(await generate(member, { feature: 'image.generate', idempotencyKey: 'u7-1', input: { prompt: 'p1' } }), 'GenerationSuccess');
    expect(first.accountId).toBe(accountGlobalId('org:o7'));
    const refused = as(await generate(member, { feature: 'image.generate', idempotencyKey: 'u7-2', input: { prompt: 'p2' } }), 'MemberCapExceededError');
    expect(refused).toMatchObject({ meter: 'AI_CREDITS', cap: 1, used: 1, needed: 1 });
    expect((await probe.balances('org:o7')).AI_CREDITS).toMatchObject({ available: 49, used: 1 });
    as(await generate(admin, { feature: 'image.generate', idempotencyKey: 'u7-admin-1', input: { prompt: 'p2' } }), 'GenerationSuccess');
  });

  it('refuses invalid requests with typed errors: unknown features and parameters, steps without sessions, and quotes that cannot be charged', async () => {
    const token = await caller({ sub: 'u8' });
    const entries = await probe.entryCount('user:u8');
    const base = { idempotencyKey: 'u8-1', input: { prompt: 'p' } };
    expect(as(await generate(token, { ...base, feature: 'teleport' }), 'UnknownFeatureError').feature).toBe('teleport');
    expect(as(await generate(token, { ...base, feature: 'metered.AI_CREDITS', parameters: { amount: 1 } }), 'UnknownFeatureError').feature).toBe('metered.AI_CREDITS');
    expect(as(await generate(token, { ...base, feature: 'image.generate', parameters: { count: 0 } }), 'InvalidParameterError').parameter).toBe('count');
    expect(as(await generate(token, { ...base, feature: 'image.generate', step: 'image' }), 'InvalidInputError').field).toBe('sessionId');
    expect(as(await generate(token, { ...base, feature: 'image.generate', idempotencyKey: '' }), 'InvalidInputError').field).toBe('idempotencyKey');
    expect(as(await generate(token, { ...base, feature: 'image.generate', quoteId: 'no-such-quote' }), 'QuoteNotFoundError').quoteId).toBe('no-such-quote');
    const quoted = await quote(token, 'image.generate', { resolution: 'HD' });
    expect(as(await generate(token, { ...base, feature: 'image.generate', quoteId: quoted.id, parameters: { resolution: 'SD' } }), 'QuoteMismatchError')).toMatchObject({
      mismatch: 'PARAMETERS',
    });
    const otherToken = await caller({ sub: 'u8-other' });
    expect(as(await generate(otherToken, { ...base, feature: 'image.generate', quoteId: quoted.id }), 'QuoteNotFoundError').quoteId).toBe(quoted.id);
    clock.set('2026-03-10T12:10:00.000Z');
    try {
      expect(as(await generate(token, { ...base, feature: 'image.generate', quoteId: quoted.id }), 'QuoteExpiredError')).toMatchObject({
        quoteId: quoted.id,
        expiredAt: '2026-03-10T12:10:00.000Z',
      });
    } finally {
      clock.set(START);
    }
    expect(await probe.entryCount('user:u8')).toBe(entries);
  });

  it('is for members and admins: a service draws from no account of its own', async () => {
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    const response = await execute(server.url, GenerateDocument, { token: service, variables: { input: { feature: 'image.generate', idempotencyKey: 's-1', input: {} } } });
    expect(response.data).toEqual({ generate: null });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    const anonymous = await execute(server.url, GenerateDocument, { variables: { input: { feature: 'image.generate', idempotencyKey: 'a-1', input: {} } } });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('generate without failure injection (the default)', () => {
  const server = useTestServer();

  it('treats a request to fail as ordinary input', async () => {
    const token = await callerOf(server, { sub: 'u1' });
    const generated = as(
      await generateWith(server, token, { feature: 'brand.analyze', idempotencyKey: 'k1', input: { url: 'x.example', simulateFailure: 'BEFORE_WORK' } }),
      'GenerationSuccess',
    );
    expect(generated.charged).toEqual([{ meter: 'AI_CREDITS', amount: 5 }]);
  });
});
