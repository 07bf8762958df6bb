import { describe, expect, it } from 'vitest';
import { errorCodes, execute } from './client.js';
import {
  CommitReservationDocument,
  ConsumeCreditsDocument,
  CreateQuoteDocument,
  ReleaseReservationDocument,
  ReserveCreditsDocument,
  ViewerDocument,
  type CommitReservationInput,
  type ConsumeCreditsInput,
  type CreateQuoteInput,
  type ReleaseReservationInput,
  type ReserveCreditsInput,
} from './generated/graphql.js';
import { useTestServer } from './test-server.js';
import { TestClock } from '../store/store-fixture.js';
import { accountGlobalId } from './ledger-fixture.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ now: clock.now });
const probe = probeOf(server);

/** A user without an organization: it draws from its own account, `user:<sub>` (rheos.free: 50 AI credits a month). */
async function soloUser(sub: string) {
  const token = await server.token({ sub });
  await execute(server.url, ViewerDocument, { token });
  return { token, accountId: `user:${sub}`, gid: accountGlobalId(`user:${sub}`) };
}

const consume = (token: string, input: ConsumeCreditsInput) => resultOf(server.url, ConsumeCreditsDocument, token, { input });
const reserve = (token: string, input: ReserveCreditsInput) => resultOf(server.url, ReserveCreditsDocument, token, { input });
const commit = (token: string, input: CommitReservationInput) => resultOf(server.url, CommitReservationDocument, token, { input });
const release = (token: string, input: ReleaseReservationInput) => resultOf(server.url, ReleaseReservationDocument, token, { input });
const quote = (token: string, input: CreateQuoteInput) => resultOf(server.url, CreateQuoteDocument, token, { input });

describe('consumeCredits', () => {
  it('charges a raw amount at once, answers the balances after it, and records the feature it names', async () => {
    const { token, accountId, gid } = await soloUser('c1');
    const consumed = as(
      await consume(token, { accountId: gid, meter: 'AI_CREDITS', amount: 5, idempotencyKey: 'c1-1', feature: 'brand.analyze', metadata: { site: 'example.com' } }),
      'ConsumeCreditsSuccess',
    );
    expect(consumed).toMatchObject({ accountId: gid, replayed: false, consumed: { meter: 'AI_CREDITS', amount: 5 } });
    expect(byMeter(consumed.balances).AI_CREDITS).toMatchObject({ allowance: 50, available: 45, used: 5, reserved: 0 });
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 45, used: 5 });
    const [entry] = (await probe.store.listEntries(accountId, {}, { first: 1 })).entries;
    expect(entry).toMatchObject({ kind: 'DEBIT', feature: 'brand.analyze', metadata: { site: 'example.com' } });
    expect(entry!.metadata).toEqual({ site: 'example.com' });
  });

  it('answers a retry with the same key with the first result, replayed, and charges once; another request under the key is refused', async () => {
    const { token, accountId, gid } = await soloUser('c2');
    const input = { accountId: gid, meter: 'AI_CREDITS', amount: 7, idempotencyKey: 'c2-1' } as const;
    as(await consume(token, input), 'ConsumeCreditsSuccess');
    const entries = await probe.entryCount(accountId);
    const retried = as(await consume(token, input), 'ConsumeCreditsSuccess');
    expect(retried).toMatchObject({ replayed: true, consumed: { meter: 'AI_CREDITS', amount: 7 } });
    expect(byMeter(retried.balances).AI_CREDITS).toMatchObject({ available: 43, used: 7 });
    const reused = as(await consume(token, { ...input, amount: 8 }), 'IdempotencyKeyReusedError');
    expect(reused).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: 'c2-1' });
    expect(await probe.entryCount(accountId)).toBe(entries);
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 43, used: 7 });
  });

  it('refuses bad input with a typed error naming the field, and changes nothing', async () => {
    const { token, accountId, gid } = await soloUser('c3');
    const valid = { accountId: gid, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'c3-1' } as const;
    const before = { entries: await probe.entryCount(accountId), balances: await probe.balances(accountId) };
    const refusals = [
      [{ ...valid, amount: 0 }, 'amount'],
      [{ ...valid, amount: -3 }, 'amount'],
      [{ ...valid, idempotencyKey: '' }, 'idempotencyKey'],
      [{ ...valid, accountId: 'not-a-global-id' }, 'accountId'],
      [{ ...valid, accountId: Buffer.from('Plan:rheos.free').toString('base64') }, 'accountId'],
      [{ ...valid, metadata: { nested: { deep: true } } }, 'metadata.nested'],
      [{ ...valid, metadata: ['a list'] }, 'metadata'],
    ] as const;
    for (const [input, field] of refusals) {
      expect(as(await consume(token, input), 'InvalidInputError'), JSON.stringify(input)).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    expect(as(await consume(token, { ...valid, feature: 'teleport' }), 'UnknownFeatureError')).toMatchObject({ feature: 'teleport' });
    // The API's own types refuse fractions and unknown meters before anything runs.
    const fraction = await execute(server.url, ConsumeCreditsDocument, { token, variables: { input: { ...valid, amount: 1.5 } } });
    expect(fraction.status).toBe(400);
    expect(fraction.errors![0]!.message).toContain('Int cannot represent non-integer value: 1.5');
    const meter = await execute(server.url, ConsumeCreditsDocument, { token, variables: { input: { ...valid, meter: 'GOLD' as 'AI_CREDITS' } } });
    expect(meter.status).toBe(400);
    expect(await probe.entryCount(accountId)).toBe(before.entries);
    expect(await probe.balances(accountId)).toEqual(before.balances);
  });

  it('refuses more than is available with the meter, what is needed and available, the reset and an upgrade hint; nothing changes', async () => {
    const { token, accountId, gid } = await soloUser('c4');
    as(await consume(token, { accountId: gid, meter: 'AI_CREDITS', amount: 45, idempotencyKey: 'c4-1' }), 'ConsumeCreditsSuccess');
    const entries = await probe.entryCount(accountId);
    const refused = as(await consume(token, { accountId: gid, meter: 'AI_CREDITS', amount: 6, idempotencyKey: 'c4-2' }), 'InsufficientCreditsError');
    expect(refused).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'AI_CREDITS',
      needed: 6,
      available: 5,
      resetsAt: '2026-04-10T12:00:00.000Z',
      upgrade: { message: 'Upgrade to Rheos Pro for 1,000 AI credits a month.', plan: { key: 'rheos.pro', tier: 1 } },
    });
    expect(refused.message).toBe(
      'Not enough AI credits: 6 needed, 5 available. The allowance resets on 10 April 2026 at 12:00 UTC. Or upgrade to Rheos Pro for 1,000 AI credits a month.',
    );
    const video = as(await consume(token, { accountId: gid, meter: 'VIDEO_GENERATIONS', amount: 1, idempotencyKey: 'c4-3' }), 'InsufficientCreditsError');
    expect(video).toMatchObject({ meter: 'VIDEO_GENERATIONS', needed: 1, available: 0 });
    expect(await probe.entryCount(accountId)).toBe(entries);
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 5, used: 45 });
    // A refusal is not remembered: the key is free to succeed later.
    expect(as(await consume(token, { accountId: gid, meter: 'AI_CREDITS', amount: 5, idempotencyKey: 'c4-2' }), 'ConsumeCreditsSuccess').replayed).toBe(false);
  });
});

describe('reservations', () => {
  it('reserves the catalog price, commits part of it and releases the rest, each idempotent', async () => {
    const { token, accountId, gid } = await soloUser('r1');
    const reserved = as(
      await reserve(token, { accountId: gid, idempotencyKey: 'r1-hold', feature: 'image.generate', parameters: { resolution: 'HD', count: 2 } }),
      'ReserveCreditsSuccess',
    );
    expect(reserved).toMatchObject({ replayed: false, reserved: [{ meter: 'AI_CREDITS', amount: 4 }], expiresAt: '2026-03-10T12:15:00.000Z' });
    expect(byMeter(reserved.balances).AI_CREDITS).toMatchObject({ available: 46, reserved: 4, used: 0 });
    const again = as(
      await reserve(token, { accountId: gid, idempotencyKey: 'r1-hold', feature: 'image.generate', parameters: { resolution: 'HD', count: 2 } }),
      'ReserveCreditsSuccess',
    );
    expect(again).toMatchObject({ replayed: true, reservationId: reserved.reservationId });

    const partial = { reservationId: reserved.reservationId, idempotencyKey: 'r1-commit', amounts: [{ meter: 'AI_CREDITS' as const, amount: 3 }] };
    const committed = as(await commit(token, partial), 'CommitReservationSuccess');
    expect(committed).toMatchObject({
      replayed: false,
      committed: [{ meter: 'AI_CREDITS', amount: 3 }],
      released: [{ meter: 'AI_CREDITS', amount: 1 }],
      expired: [],
    });
    expect(byMeter(committed.balances).AI_CREDITS).toMatchObject({ available: 47, reserved: 0, used: 3 });
    const retried = as(await commit(token, partial), 'CommitReservationSuccess');
    expect(retried).toMatchObject({ replayed: true, committed: [{ meter: 'AI_CREDITS', amount: 3 }] });
    const settled = as(await commit(token, { ...partial, idempotencyKey: 'r1-commit-2' }), 'ReservationNotFoundError');
    expect(settled).toMatchObject({ code: 'RESERVATION_NOT_FOUND', reservationId: reserved.reservationId });
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 47, reserved: 0, used: 3 });
  });

  it('reserves a raw amount on a meter and releases it all', async () => {
    const { token, accountId, gid } = await soloUser('r2');
    const reserved = as(await reserve(token, { accountId: gid, idempotencyKey: 'r2-hold', meter: 'AI_CREDITS', amount: 10, feature: 'video.animate' }), 'ReserveCreditsSuccess');
    expect(byMeter(reserved.balances).AI_CREDITS).toMatchObject({ available: 40, reserved: 10 });
    const all = { reservationId: reserved.reservationId, idempotencyKey: 'r2-release' };
    const released = as(await release(token, all), 'ReleaseReservationSuccess');
    expect(released).toMatchObject({ replayed: false, released: [{ meter: 'AI_CREDITS', amount: 10 }] });
    expect(byMeter(released.balances).AI_CREDITS).toMatchObject({ available: 50, reserved: 0, used: 0 });
    const retried = as(await release(token, all), 'ReleaseReservationSuccess');
    expect(retried.replayed).toBe(true);
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 50, reserved: 0, used: 0 });
  });

  it('refuses to commit more than is reserved, then commits everything when no amounts are given', async () => {
    const { token, accountId, gid } = await soloUser('r3');
    const { reservationId } = as(await reserve(token, { accountId: gid, idempotencyKey: 'r3-hold', meter: 'AI_CREDITS', amount: 2 }), 'ReserveCreditsSuccess');
    const over = await commit(token, { reservationId, idempotencyKey: 'r3-commit', amounts: [{ meter: 'AI_CREDITS', amount: 5 }] });
    expect(as(over, 'CommitExceedsReservationError')).toMatchObject({ meter: 'AI_CREDITS', held: 2, requested: 5 });
    const twice = { meter: 'AI_CREDITS' as const, amount: 1 };
    for (const amounts of [[{ meter: 'AI_CREDITS' as const, amount: -1 }], [twice, twice]]) {
      const bad = await commit(token, { reservationId, idempotencyKey: 'r3-commit', amounts });
      expect(as(bad, 'InvalidInputError').field).toMatch(/^amounts\.\d\.(amount|meter)$/);
    }
    const all = await commit(token, { reservationId, idempotencyKey: 'r3-commit' });
    expect(as(all, 'CommitReservationSuccess')).toMatchObject({ committed: [{ meter: 'AI_CREDITS', amount: 2 }], released: [] });
    expect((await probe.balances(accountId)).AI_CREDITS).toMatchObject({ available: 48, reserved: 0, used: 2 });
    expect(as(await commit(token, { reservationId: 'nonsense', idempotencyKey: 'r3-x' }), 'InvalidInputError').field).toBe('reservationId');
  });

  it('takes one form: a feature or a quote, or a meter and an amount', async () => {
    const { token, gid } = await soloUser('r4');
    const base = { accountId: gid, idempotencyKey: 'r4' };
    const cases = [
      [{ ...base }, 'feature'],
      [{ ...base, meter: 'AI_CREDITS' }, 'amount'],
      [{ ...base, amount: 3 }, 'meter'],
      [{ ...base, meter: 'AI_CREDITS', amount: 3, parameters: { resolution: 'HD' } }, 'parameters'],
      [{ ...base, meter: 'AI_CREDITS', amount: 0 }, 'amount'],
    ] as const;
    for (const [input, field] of cases) expect(as(await reserve(token, input), 'InvalidInputError'), JSON.stringify(input)).toMatchObject({ field });
    expect(as(await reserve(token, { ...base, feature: 'image.generate', parameters: { resolution: '8K' } }), 'InvalidParameterError')).toMatchObject({
      feature: 'image.generate',
      parameter: 'resolution',
      message: 'resolution must be one of SD, HD, 4K, got "8K"',
    });
    // There are no internal features: a raw amount names a catalog feature or none.
    expect(as(await reserve(token, { ...base, feature: 'metered.AI_CREDITS' }), 'UnknownFeatureError').feature).toBe('metered.AI_CREDITS');
    expect(as(await reserve(token, { ...base, meter: 'AI_CREDITS', amount: 1, feature: 'metered.AI_CREDITS' }), 'UnknownFeatureError').feature).toBe('metered.AI_CREDITS');
  });
});

describe('quotes', () => {
  it("prices a feature for the caller's drawing account, HD above SD, and a reservation with the quote holds exactly its price", async () => {
    const { token, gid } = await soloUser('q1');
    const sd = as(await quote(token, { feature: 'image.generate' }), 'Quote');
    const hd = as(await quote(token, { feature: 'image.generate', parameters: { resolution: 'HD', count: 3 } }), 'Quote');
    expect(sd).toMatchObject({ accountId: gid, feature: 'image.generate', parameters: {}, costs: [{ meter: 'AI_CREDITS', amount: 1 }], expiresAt: '2026-03-10T12:10:00.000Z' });
    expect(hd).toMatchObject({ parameters: { resolution: 'HD', count: 3 }, costs: [{ meter: 'AI_CREDITS', amount: 6 }] });
    const render = as(await quote(token, { feature: 'video.render', parameters: { resolution: '4K' } }), 'Quote');
    expect(render.costs).toEqual([
      { meter: 'AI_CREDITS', amount: 8 },
      { meter: 'VIDEO_GENERATIONS', amount: 1 },
    ]);
    const reserved = as(await reserve(token, { accountId: gid, idempotencyKey: 'q1-hold', quoteId: hd.id }), 'ReserveCreditsSuccess');
    expect(reserved.reserved).toEqual(hd.costs);
  });

  it('refuses unknown features and parameters, and a quote that expired, names another feature or belongs to another account', async () => {
    const { token, gid } = await soloUser('q2');
    const other = await soloUser('q2-other');
    expect(as(await quote(token, { feature: 'teleport' }), 'UnknownFeatureError').feature).toBe('teleport');
    expect(as(await quote(token, { feature: 'image.generate', parameters: { count: 9 } }), 'InvalidParameterError').parameter).toBe('count');
    expect(as(await quote(token, { feature: 'image.generate', parameters: { quality: 'best' } }), 'InvalidParameterError').parameter).toBe('quality');
    expect(as(await quote(token, { feature: 'image.generate', parameters: 'HD' }), 'InvalidInputError').field).toBe('parameters');

    const { id } = as(await quote(token, { feature: 'image.generate' }), 'Quote');
    expect(as(await reserve(token, { accountId: gid, idempotencyKey: 'q2-a', quoteId: id, feature: 'brand.analyze' }), 'QuoteMismatchError')).toMatchObject({
      quoteId: id,
      mismatch: 'FEATURE',
    });
    expect(as(await reserve(other.token, { accountId: other.gid, idempotencyKey: 'q2-b', quoteId: id }), 'QuoteNotFoundError').quoteId).toBe(id);
    expect(as(await reserve(token, { accountId: gid, idempotencyKey: 'q2-c', quoteId: 'no-such-quote' }), 'QuoteNotFoundError').quoteId).toBe('no-such-quote');
    clock.set(new Date(clock.current.getTime() + 10 * 60_000));
    try {
      expect(as(await reserve(token, { accountId: gid, idempotencyKey: 'q2-d', quoteId: id }), 'QuoteExpiredError')).toMatchObject({ quoteId: id, code: 'QUOTE_EXPIRED' });
    } finally {
      clock.set(new Date('2026-03-10T12:00:00Z'));
    }
  });

  it('are judged after the idempotency key: a retry replays its reservation even once the quote is gone', async () => {
    const { token, accountId, gid } = await soloUser('q-replay');
    const created = await probe.store.createQuote({ accountId, feature: 'image.generate', parameters: { resolution: 'HD' } });
    if (!created.ok) throw new Error('no quote');
    const input = { accountId: gid, idempotencyKey: 'q3-hold', quoteId: created.value.id };
    const first = as(await reserve(token, input), 'ReserveCreditsSuccess');
    await probe.store.models.Quotes.deleteOne({ _id: created.value.id });
    const retried = as(await reserve(token, input), 'ReserveCreditsSuccess');
    expect(retried).toMatchObject({ replayed: true, reservationId: first.reservationId, reserved: first.reserved });
    expect(as(await reserve(token, { ...input, idempotencyKey: 'q3-new' }), 'QuoteNotFoundError').quoteId).toBe(created.value.id);
  });

  it('needs an account from a service, and says when there is none', async () => {
    const service = await server.token({ sub: 'svc:shop', role: 'service' });
    expect(as(await quote(service, { feature: 'image.generate' }), 'InvalidInputError').field).toBe('accountId');
    expect(as(await quote(service, { feature: 'image.generate', accountId: accountGlobalId('user:nobody') }), 'AccountNotFoundError').code).toBe('ACCOUNT_NOT_FOUND');
    const { gid } = await soloUser('q3');
    expect(as(await quote(service, { feature: 'image.generate', accountId: gid }), 'Quote').accountId).toBe(gid);
  });

  it('is for authenticated callers only', async () => {
    const response = await execute(server.url, CreateQuoteDocument, { variables: { input: { feature: 'image.generate' } } });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});
