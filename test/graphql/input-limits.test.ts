import { calculateObjectSize } from 'bson';
import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { INPUT_LIMITS } from '../../src/ledger/index.js';
import { MAX_ACCOUNT_DOCUMENT_BYTES } from '../../src/store/models.js';
import { execute } from './client.js';
import { ConsumeCreditsDocument, CreateQuoteDocument, GenerateDocument, PriceDocument, ReserveCreditsDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, probeOf, resultOf } from './write-fixture.js';

// Bodies of megabytes are refused at the door (HTTP 413, see endpoint-limits.test.ts): these are the
// limits behind it, which hold for a deployment that raises MAX_BODY_BYTES and over WebSocket.
const server = useTestServer({ env: { MAX_BODY_BYTES: String(10 * 1024 * 1024) } });
const probe = probeOf(server);
const MiB = 1024 * 1024;

async function caller(claims: TokenClaims) {
  const token = await server.token(claims);
  await execute(server.url, ViewerDocument, { token });
  return token;
}

/** Sends `request`, expects it refused as invalid input naming `field`, and checks nothing changed on `accountId`. */
async function expectRefused(accountId: string, field: string, request: () => Promise<unknown>) {
  const before = { balances: await probe.balances(accountId), entries: await probe.entryCount(accountId), state: await probe.state(accountId) };
  expect(await request(), field).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field });
  expect(await probe.balances(accountId)).toEqual(before.balances);
  expect(await probe.entryCount(accountId)).toBe(before.entries);
  expect((await probe.state(accountId)).holds).toEqual(before.state.holds);
}

describe('every input is bounded', () => {
  it('refuses oversized strings, metadata and generation inputs with a typed error naming the field, and stores nothing', async () => {
    const token = await caller({ sub: 'big', org: 'o-big' });
    const pool = 'org:o-big';
    const accountId = accountGlobalId(pool);
    const reserve = (input: Record<string, unknown>) =>
      resultOf(server.url, ReserveCreditsDocument, token, { input: { accountId, idempotencyKey: 'r', meter: 'AI_CREDITS', amount: 1, ...input } });
    const consume = (input: Record<string, unknown>) =>
      resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, idempotencyKey: 'c', meter: 'AI_CREDITS', amount: 1, ...input } });
    const generate = (input: Record<string, unknown>) =>
      resultOf(server.url, GenerateDocument, token, { input: { feature: 'script.generate', idempotencyKey: 'g', input: { topic: 'x' }, ...input } });
    const longKeys = Object.fromEntries(Array.from({ length: 32 }, (_, index) => [`${index}`.padEnd(100_000, 'k'), 1]));

    await expectRefused(pool, 'sessionId', () => reserve({ sessionId: 's'.repeat(2 * MiB) }));
    await expectRefused(pool, 'sessionId', () => consume({ sessionId: 's'.repeat(INPUT_LIMITS.sessionId + 1) }));
    await expectRefused(pool, 'metadata', () => reserve({ metadata: longKeys }));
    await expectRefused(pool, 'metadata.note', () => consume({ metadata: { note: 'n'.repeat(INPUT_LIMITS.metadataText + 1) } }));
    await expectRefused(pool, 'metadata', () => consume({ metadata: { 'a.b': 1 } }));
    await expectRefused(pool, 'feature', () => consume({ feature: 'f'.repeat(MiB) }));
    await expectRefused(pool, 'idempotencyKey', () => consume({ idempotencyKey: 'k'.repeat(INPUT_LIMITS.idempotencyKey + 1) }));
    // Within 200 characters, but escaped in the scoped key past what the ledger keeps.
    await expectRefused(pool, 'idempotencyKey', () => consume({ idempotencyKey: '\u0001'.repeat(INPUT_LIMITS.idempotencyKey) }));
    await expectRefused(pool, 'sessionId', () => generate({ sessionId: 's'.repeat(2 * MiB), step: 'script' }));
    await expectRefused(pool, 'step', () => generate({ sessionId: 's', step: 'x'.repeat(INPUT_LIMITS.step + 1) }));
    await expectRefused(pool, 'input', () => generate({ input: { prompt: 'p'.repeat(INPUT_LIMITS.generationInputBytes) } }));
    await expectRefused(pool, 'feature', () =>
      resultOf(server.url, CreateQuoteDocument, token, { input: { feature: 'f'.repeat(INPUT_LIMITS.feature + 1) } }),
    );
    await expectRefused(pool, 'feature', () => resultOf(server.url, PriceDocument, token, { input: { feature: 'f'.repeat(INPUT_LIMITS.feature + 1) } }));
    await expectRefused(pool, 'quoteId', () => generate({ quoteId: 'q'.repeat(3 * MiB) }));
    await expectRefused(pool, 'quoteId', () => reserve({ meter: null, amount: null, quoteId: 'q'.repeat(3 * MiB) }));
    const echoed = await generate({ feature: 'image.generate', parameters: { resolution: ['r'.repeat(MiB)] } });
    expect(echoed).toMatchObject({ __typename: 'InvalidParameterError', parameter: 'resolution' });
    expect(JSON.stringify(echoed).length).toBeLessThan(1_000);
    expect(await server.app.database.connection.collection('generations').countDocuments({ accountId: pool })).toBe(0);

    // Within the limits, the same requests go through.
    as(await reserve({ sessionId: 's'.repeat(INPUT_LIMITS.sessionId), metadata: { note: 'n'.repeat(INPUT_LIMITS.metadataText) } }), 'ReserveCreditsSuccess');
  });
});

describe('one member of a pool', () => {
  it('cannot lock the others out by holding as much as it may: it reaches its own limit, they go on, and the document stays small', async () => {
    const greedy = await caller({ sub: 'greedy', org: 'o-lock' });
    const others = await Promise.all(['m1', 'm2', 'm3'].map((sub) => caller({ sub, org: 'o-lock' })));
    const pool = 'org:o-lock';
    const { maxOpenHoldsPerHolder } = server.app.store.settings;
    const reserve = (token: string, key: string) =>
      resultOf(server.url, ReserveCreditsDocument, token, {
        input: { accountId: accountGlobalId(pool), idempotencyKey: key, meter: 'AI_CREDITS', amount: 1, sessionId: 's'.repeat(INPUT_LIMITS.sessionId) },
      });
    // rheos.free has 50 credits: top the pool up, so that only the limit refuses.
    await server.app.store.execute(pool, { type: 'GRANT', idempotencyKey: 'room', meter: 'AI_CREDITS', amount: 10_000, kind: 'TOP_UP' });

    for (let index = 0; index < maxOpenHoldsPerHolder; index += 1) as(await reserve(greedy, `g-${index}`), 'ReserveCreditsSuccess');
    expect(await reserve(greedy, 'one-more')).toMatchObject({ __typename: 'LimitReachedError', code: 'LIMIT_REACHED', what: 'HOLDER_OPEN_HOLDS', limit: maxOpenHoldsPerHolder });

    // The others are not held back, concurrently with a refused request of the greedy one.
    const results = await Promise.all([...others.map((token, index) => reserve(token, `o-${index}`)), reserve(greedy, 'again')]);
    expect(results.map((result) => result?.__typename)).toEqual(['ReserveCreditsSuccess', 'ReserveCreditsSuccess', 'ReserveCreditsSuccess', 'LimitReachedError']);

    const stored = await server.app.store.models.Accounts.collection.findOne({ _id: pool as never });
    expect(calculateObjectSize(stored!)).toBeLessThan(MAX_ACCOUNT_DOCUMENT_BYTES);
  });
});

describe('an oversized request coalesced with others', () => {
  it("fails alone: six members' concurrent debits all apply", async () => {
    const members = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((sub) => caller({ sub, org: 'o-batch' })));
    const attacker = await caller({ sub: 'x', org: 'o-batch' });
    const accountId = accountGlobalId('org:o-batch');
    const debit = (token: string, key: string, extra: Record<string, unknown> = {}) =>
      resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, idempotencyKey: key, meter: 'AI_CREDITS', amount: 2, ...extra } });
    const results = await Promise.all([...members.map((token, index) => debit(token, `d-${index}`)), debit(attacker, 'big', { sessionId: 's'.repeat(2 * MiB) })]);
    expect(results.map((result) => result?.__typename)).toEqual([...members.map(() => 'ConsumeCreditsSuccess'), 'InvalidInputError']);
    expect((await probe.balances('org:o-batch')).AI_CREDITS).toMatchObject({ used: 12 });
  });
});
