import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { reservationGlobalId } from '../../src/graphql/inputs/index.js';
import { execute } from './client.js';
import {
  CommitReservationDocument,
  ConsumeCreditsDocument,
  GenerateDocument,
  ReleaseReservationDocument,
  ReserveCreditsDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

// Slow enough generations that an attacker can act on their holds while they run.
const server = useTestServer({ env: { SIMULATED_PROVIDER_LATENCY_MS: '300' } });
const probe = probeOf(server);

async function caller(claims: TokenClaims) {
  const token = await server.token(claims);
  await execute(server.url, ViewerDocument, { token });
  return token;
}

const reserve = (token: string, accountId: string, idempotencyKey: string) =>
  resultOf(server.url, ReserveCreditsDocument, token, { input: { accountId: accountGlobalId(accountId), idempotencyKey, meter: 'AI_CREDITS', amount: 3 } });
const commit = (token: string, reservationId: string, idempotencyKey: string, amount?: number) =>
  resultOf(server.url, CommitReservationDocument, token, {
    input: { reservationId, idempotencyKey, ...(amount === undefined ? {} : { amounts: [{ meter: 'AI_CREDITS', amount }] }) },
  });
const release = (token: string, reservationId: string, idempotencyKey: string) =>
  resultOf(server.url, ReleaseReservationDocument, token, { input: { reservationId, idempotencyKey } });

/** The ids of the holds open on an account, as an attacker who guessed them would know them. */
async function openHoldIds(accountId: string): Promise<string[]> {
  return (await probe.state(accountId)).holds.map((hold) => hold.id);
}

/** Waits for the running generation's hold; the test's own timeout is the only limit (no wall-clock budget here). */
async function waitForHold(accountId: string): Promise<string> {
  for (;;) {
    const [holdId] = await openHoldIds(accountId);
    if (holdId) return holdId;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a generation's hold", () => {
  it('cannot be settled through the metering API, not even by its maker, so every generation is charged its price', async () => {
    const token = await caller({ sub: 'free-rider', org: 'o-gen' });
    const admin = await caller({ sub: 'boss', org: 'o-gen', role: 'admin' });
    const service = await caller({ sub: 'svc:billing', role: 'service' });
    const pool = 'org:o-gen';
    for (let round = 0; round < 3; round += 1) {
      const running = resultOf(server.url, GenerateDocument, token, {
        input: { feature: 'script.generate', idempotencyKey: `g-${round}`, sessionId: 's', step: 'script', input: { topic: `t-${round}` } },
      });
      const reservationId = reservationGlobalId(pool, await waitForHold(pool));
      for (const [who, settler] of [['maker', token], ['admin', admin], ['service', service]] as const) {
        const zero = await commit(settler, reservationId, `zero-${round}-${who}`, 0);
        expect(zero, who).toMatchObject({ __typename: 'ReservationNotFoundError', code: 'RESERVATION_NOT_FOUND' });
        expect(await release(settler, reservationId, `release-${round}-${who}`)).toMatchObject({ __typename: 'ReservationNotFoundError' });
      }
      const generated = as(await running, 'GenerationSuccess');
      expect(generated).toMatchObject({ reused: false, charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
      // The same step again under a new key is reused, from a generation that paid for it.
      const again = as(
        await resultOf(server.url, GenerateDocument, token, {
          input: { feature: 'script.generate', idempotencyKey: `g-${round}-again`, sessionId: 's', step: 'script', input: { topic: `t-${round}` } },
        }),
        'GenerationSuccess',
      );
      expect(again).toMatchObject({ reused: true, charged: [], output: generated.output });
    }
    expect((await probe.balances(pool)).AI_CREDITS).toMatchObject({ used: 6, reserved: 0 });
  });
});

describe("another member's reservation", () => {
  it('is not found by a plain member, changes nothing, and looks exactly like an id that does not exist', async () => {
    const owner = await caller({ sub: 'm1', org: 'o-res' });
    const other = await caller({ sub: 'm2', org: 'o-res' });
    const pool = 'org:o-res';
    const reserved = as(await reserve(owner, pool, 'r1'), 'ReserveCreditsSuccess');
    const before = { balances: await probe.balances(pool), entries: await probe.entryCount(pool) };

    const stolen = await commit(other, reserved.reservationId, 'steal-commit');
    const dropped = await release(other, reserved.reservationId, 'steal-release');
    const missing = reservationGlobalId(pool, '00000000-0000-4000-8000-000000000000');
    const unknown = await commit(other, missing, 'unknown');
    for (const refusal of [stolen, dropped, unknown]) expect(refusal).toMatchObject({ __typename: 'ReservationNotFoundError', code: 'RESERVATION_NOT_FOUND' });
    const strip = (value: unknown) => ({ ...(value as Record<string, unknown>), reservationId: undefined });
    expect(strip(stolen)).toEqual(strip(unknown));
    expect(await probe.balances(pool)).toEqual(before.balances);
    expect(await probe.entryCount(pool)).toBe(before.entries);

    const committed = as(await commit(owner, reserved.reservationId, 'c1', 2), 'CommitReservationSuccess');
    expect(committed.committed).toEqual([{ meter: 'AI_CREDITS', amount: 2 }]);
  });

  it("is settled by the organization's admin and by a service", async () => {
    const member = await caller({ sub: 'm3', org: 'o-adm' });
    const admin = await caller({ sub: 'a3', org: 'o-adm', role: 'admin' });
    const service = await caller({ sub: 'svc:ops', role: 'service' });
    const pool = 'org:o-adm';
    const first = as(await reserve(member, pool, 'r1'), 'ReserveCreditsSuccess');
    const second = as(await reserve(member, pool, 'r2'), 'ReserveCreditsSuccess');
    as(await commit(admin, first.reservationId, 'admin-commit'), 'CommitReservationSuccess');
    as(await release(service, second.reservationId, 'service-release'), 'ReleaseReservationSuccess');
    expect((await probe.balances(pool)).AI_CREDITS).toMatchObject({ used: 3, reserved: 0 });
  });

  it("committed with nothing is released, whoever's it is", async () => {
    const member = await caller({ sub: 'm4' });
    const reserved = as(await reserve(member, 'user:m4', 'r1'), 'ReserveCreditsSuccess');
    const settled = as(await commit(member, reserved.reservationId, 'c0', 0), 'CommitReservationSuccess');
    expect(settled).toMatchObject({ committed: [], released: [{ meter: 'AI_CREDITS', amount: 3 }] });
    expect(byMeter(settled.balances).AI_CREDITS).toMatchObject({ used: 0, reserved: 0, available: 50 });
  });
});

describe('reservation ids', () => {
  it('are random: one reveals nothing of the next', async () => {
    const member = await caller({ sub: 'm5' });
    const ids = [];
    for (const key of ['a', 'b']) ids.push(as(await reserve(member, 'user:m5', key), 'ReserveCreditsSuccess').reservationId);
    const holdIds = ids.map((id) => JSON.parse(Buffer.from(id, 'base64').toString().slice('Reservation:'.length))[1] as string);
    for (const holdId of holdIds) expect(holdId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(holdIds[0]).not.toBe(holdIds[1]);
  });
});

describe('idempotency keys', () => {
  it('are scoped per caller: two members of a pool may use the same key for their own requests', async () => {
    const first = await caller({ sub: 'k1', org: 'o-keys' });
    const second = await caller({ sub: 'k2', org: 'o-keys' });
    const input = (amount: number) => ({ input: { accountId: accountGlobalId('org:o-keys'), meter: 'AI_CREDITS' as const, amount, idempotencyKey: 'order-1' } });
    as(await resultOf(server.url, ConsumeCreditsDocument, first, input(1)), 'ConsumeCreditsSuccess');
    const other = as(await resultOf(server.url, ConsumeCreditsDocument, second, input(2)), 'ConsumeCreditsSuccess');
    expect(other).toMatchObject({ replayed: false, consumed: { amount: 2 } });
    const generated = (token: string) =>
      resultOf(server.url, GenerateDocument, token, { input: { feature: 'image.generate', idempotencyKey: 'order-1', input: { prompt: 'x' } } });
    as(await generated(first), 'GenerationSuccess');
    expect(await generated(second)).toMatchObject({ __typename: 'GenerationSuccess', replayed: false });
    expect((await probe.balances('org:o-keys')).AI_CREDITS).toMatchObject({ used: 5 });
  });
});

describe('a regenerated step in a pool', () => {
  it("is another member's own: naming its session, step and input gives neither that member's output nor its charge", async () => {
    const first = await caller({ sub: 'author', org: 'o-steps' });
    const second = await caller({ sub: 'copier', org: 'o-steps' });
    const step = (token: string, idempotencyKey: string) =>
      resultOf(server.url, GenerateDocument, token, { input: { feature: 'script.generate', idempotencyKey, sessionId: 'session-1', step: 'script', input: { topic: 'secret plan' } } });
    const original = as(await step(first, 'a'), 'GenerationSuccess');
    const copied = as(await step(second, 'b'), 'GenerationSuccess');
    expect(copied).toMatchObject({ reused: false, charged: [{ meter: 'AI_CREDITS', amount: 2 }] });
    expect(copied.generationId).not.toBe(original.generationId);
    // Each member's own regeneration is still reused.
    expect(as(await step(first, 'a2'), 'GenerationSuccess')).toMatchObject({ reused: true, output: original.output });
  });
});
