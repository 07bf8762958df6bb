import { describe, expect, it } from 'vitest';
import { START, useAdminServer } from './admin-fixture.js';
import { execute } from './client.js';
import {
  ChangePlanDocument,
  ConsumeCreditsDocument,
  GrantCreditsDocument,
  RemoveCreditsDocument,
  SetMemberCapDocument,
  type ChangePlanInput,
  type GrantCreditsInput,
  type RemoveCreditsInput,
  type SetMemberCapInput,
} from './generated/graphql.js';
import { accountGlobalId, userGlobalId } from './ledger-fixture.js';
import { as, byMeter, resultOf } from './write-fixture.js';

const { server, probe, caller, service, at } = useAdminServer();

const grant = async (input: GrantCreditsInput) => resultOf(server.url, GrantCreditsDocument, await service(), { input });
const changePlan = async (input: ChangePlanInput) => resultOf(server.url, ChangePlanDocument, await service(), { input });
const removeCredits = async (input: RemoveCreditsInput, token?: string) => resultOf(server.url, RemoveCreditsDocument, token ?? (await service()), { input });
const setCap = (token: string, input: SetMemberCapInput) => resultOf(server.url, SetMemberCapDocument, token, { input });

describe('grantCredits', () => {
  it('adds a top-up, shown in the balances and spent last; a retry grants nothing more', async () => {
    await caller({ sub: 'g1' });
    const input = { accountId: accountGlobalId('user:g1'), meter: 'AI_CREDITS', amount: 100, reason: 'order 1001', kind: 'TOP_UP', idempotencyKey: 'g1-order-1001' } as const;
    const granted = as(await grant(input), 'GrantCreditsSuccess');
    expect(granted).toMatchObject({ replayed: false, granted: { meter: 'AI_CREDITS', amount: 100 }, kind: 'TOP_UP', expiresAt: null });
    expect(byMeter(granted.balances).AI_CREDITS).toMatchObject({ allowance: 50, available: 150, topUp: 100 });
    const [entry] = (await probe.store.listEntries('user:g1', {}, { first: 1 })).entries;
    expect(entry).toMatchObject({ kind: 'GRANT', metadata: { reason: 'order 1001' }, details: { grantKind: 'TOP_UP' } });

    const retried = as(await grant(input), 'GrantCreditsSuccess');
    expect(retried.replayed).toBe(true);
    expect(byMeter(retried.balances).AI_CREDITS).toMatchObject({ available: 150, topUp: 100 });
    expect(as(await grant({ ...input, amount: 200 }), 'IdempotencyKeyReusedError').idempotencyKey).toBe('g1-order-1001');
    expect((await probe.balances('user:g1')).AI_CREDITS).toMatchObject({ available: 150, topUp: 100 });
  });

  it('adds an adjustment by default, which expires when it says', async () => {
    await caller({ sub: 'g2' });
    const granted = as(
      await grant({ accountId: accountGlobalId('user:g2'), meter: 'AI_CREDITS', amount: 10, reason: 'ticket 7', expiresAt: '2026-03-20T00:00:00.000Z', idempotencyKey: 'g2-1' }),
      'GrantCreditsSuccess',
    );
    expect(granted).toMatchObject({ kind: 'ADJUSTMENT', expiresAt: '2026-03-20T00:00:00.000Z' });
    expect(byMeter(granted.balances).AI_CREDITS).toMatchObject({ available: 60, topUp: 0 });
    await at('2026-03-20T00:00:00.000Z', async () => expect((await probe.balances('user:g2')).AI_CREDITS).toMatchObject({ available: 50 }));
  });

  it('refuses bad input and unknown accounts with typed errors, changing nothing', async () => {
    await caller({ sub: 'g3' });
    const valid = { accountId: accountGlobalId('user:g3'), meter: 'AI_CREDITS', amount: 5, reason: 'goodwill', idempotencyKey: 'g3-1' } as const;
    const entries = await probe.entryCount('user:g3');
    for (const [input, field] of [
      [{ ...valid, amount: 0 }, 'amount'],
      [{ ...valid, amount: -5 }, 'amount'],
      [{ ...valid, reason: '   ' }, 'reason'],
      [{ ...valid, expiresAt: '2026-03-01T00:00:00.000Z' }, 'expiresAt'],
    ] as const) {
      expect(as(await grant(input), 'InvalidInputError'), JSON.stringify(input)).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    expect(as(await grant({ ...valid, accountId: accountGlobalId('user:nobody') }), 'AccountNotFoundError').message).toBe('No account has this id.');
    expect(await probe.entryCount('user:g3')).toBe(entries);
  });
});

describe('removeCredits', () => {
  it('takes credits away as an adjustment, not usage: the balance drops, usage does not grow; a retry takes nothing more', async () => {
    await caller({ sub: 'r1' });
    const accountId = accountGlobalId('user:r1');
    as(await grant({ accountId, meter: 'AI_CREDITS', amount: 100, reason: 'order 7', kind: 'TOP_UP', idempotencyKey: 'r1-order-7' }), 'GrantCreditsSuccess');
    const input = { accountId, meter: 'AI_CREDITS', amount: 120, reason: 'order 7 refunded', idempotencyKey: 'r1-refund-7' } as const;
    const removed = as(await removeCredits(input), 'RemoveCreditsSuccess');
    expect(removed).toMatchObject({ replayed: false, removed: { meter: 'AI_CREDITS', amount: 120 } });
    // Taken in the order credits are spent: the period's allowance (50) first, then 70 of the top-up.
    expect(byMeter(removed.balances).AI_CREDITS).toMatchObject({ allowance: 50, used: 0, available: 30, topUp: 30 });
    const [entry] = (await probe.store.listEntries('user:r1', {}, { first: 1 })).entries;
    expect(entry).toMatchObject({ kind: 'ADJUSTMENT', metadata: { reason: 'order 7 refunded' }, changes: [{ meter: 'AI_CREDITS', delta: -120, usedDelta: 0, availableAfter: 30 }] });

    const retried = as(await removeCredits(input), 'RemoveCreditsSuccess');
    expect(retried).toMatchObject({ replayed: true, removed: { amount: 120 } });
    expect(byMeter(retried.balances).AI_CREDITS).toMatchObject({ available: 30 });
    expect((await probe.balances('user:r1')).AI_CREDITS).toMatchObject({ available: 30, used: 0 });
  });

  it('refuses more than is available, bad input and callers other than services, changing nothing', async () => {
    const member = await caller({ sub: 'r2' });
    const valid = { accountId: accountGlobalId('user:r2'), meter: 'AI_CREDITS', amount: 5, reason: 'correction', idempotencyKey: 'r2-1' } as const;
    const entries = await probe.entryCount('user:r2');
    // No upgrade would help: an administrator's removal is refused without an upgrade prompt.
    expect(as(await removeCredits({ ...valid, amount: 51 }), 'InsufficientCreditsError')).toMatchObject({ meter: 'AI_CREDITS', needed: 51, available: 50, upgrade: null });
    for (const [input, field] of [
      [{ ...valid, amount: 0 }, 'amount'],
      [{ ...valid, reason: '' }, 'reason'],
      [{ ...valid, idempotencyKey: '' }, 'idempotencyKey'],
    ] as const) {
      expect(as(await removeCredits(input), 'InvalidInputError'), JSON.stringify(input)).toMatchObject({ field });
    }
    expect(as(await removeCredits({ ...valid, accountId: accountGlobalId('user:nobody') }), 'AccountNotFoundError').code).toBe('ACCOUNT_NOT_FOUND');
    const own = await execute(server.url, RemoveCreditsDocument, { token: member, variables: { input: valid } });
    expect(own.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await probe.entryCount('user:r2')).toBe(entries);
    expect((await probe.balances('user:r2')).AI_CREDITS).toMatchObject({ available: 50 });
  });
});

describe('changePlan', () => {
  it('applies an upgrade at once and schedules a downgrade for the next billing reset', async () => {
    await caller({ sub: 'p1' });
    const accountId = accountGlobalId('user:p1');
    const upgraded = as(await changePlan({ accountId, plan: 'rheos.pro', idempotencyKey: 'p1-up' }), 'ChangePlanSuccess');
    expect(upgraded).toMatchObject({ mode: 'IMMEDIATE', plan: { key: 'rheos.pro', tier: 1 }, effectiveAt: START, replayed: false });
    expect(upgraded.account).toEqual({ plan: { key: 'rheos.pro' }, pendingPlan: null });
    expect(byMeter(upgraded.balances).AI_CREDITS).toMatchObject({ allowance: 1000, available: 1000 });
    expect(as(await changePlan({ accountId, plan: 'rheos.pro', idempotencyKey: 'p1-up' }), 'ChangePlanSuccess').replayed).toBe(true);

    const downgraded = as(await changePlan({ accountId, plan: 'rheos.free', idempotencyKey: 'p1-down' }), 'ChangePlanSuccess');
    expect(downgraded).toMatchObject({ mode: 'SCHEDULED', plan: { key: 'rheos.free' }, effectiveAt: '2026-04-10T12:00:00.000Z' });
    expect(downgraded.account).toEqual({ plan: { key: 'rheos.pro' }, pendingPlan: { plan: { key: 'rheos.free' }, effectiveAt: '2026-04-10T12:00:00.000Z' } });
    expect(byMeter(downgraded.balances).AI_CREDITS).toMatchObject({ allowance: 1000, available: 1000 });
    await at('2026-04-10T12:00:00.000Z', async () => {
      expect((await probe.state('user:p1')).planId).toBe('rheos.free');
      expect((await probe.balances('user:p1')).AI_CREDITS).toMatchObject({ allowance: 50, available: 50 });
    });
  });

  it('refuses a plan that is not in the catalog', async () => {
    await caller({ sub: 'p2' });
    const refused = as(await changePlan({ accountId: accountGlobalId('user:p2'), plan: 'rheos.platinum', idempotencyKey: 'p2-1' }), 'UnknownPlanError');
    expect(refused).toMatchObject({ code: 'UNKNOWN_PLAN', planKey: 'rheos.platinum' });
    expect((await probe.state('user:p2')).planId).toBe('rheos.free');
  });

  it('refuses a plan of another product with a typed error, changing nothing', async () => {
    await caller({ sub: 'p3' });
    const accountId = accountGlobalId('user:p3');
    const [entries, balances] = [await probe.entryCount('user:p3'), await probe.balances('user:p3')];
    const refused = as(await changePlan({ accountId, plan: 'reelbot.pro', idempotencyKey: 'p3-1' }), 'PlanOfAnotherProductError');
    expect(refused).toMatchObject({
      code: 'PLAN_OF_ANOTHER_PRODUCT',
      currentPlanKey: 'rheos.free',
      currentProduct: 'rheos',
      planKey: 'reelbot.pro',
      product: 'reelbot',
    });
    expect(refused.message).toBe('The plan "reelbot.pro" is a plan of ReelBot, and the account\'s plan "rheos.free" of Rheos: a plan change stays within a product.');
    expect(await probe.entryCount('user:p3')).toBe(entries);
    expect(await probe.state('user:p3')).toMatchObject({ planId: 'rheos.free', pendingPlan: null });
    expect(await probe.balances('user:p3')).toEqual(balances);
    // A refusal is not remembered: the key is free for a change within the product.
    expect(as(await changePlan({ accountId, plan: 'rheos.pro', idempotencyKey: 'p3-1' }), 'ChangePlanSuccess').mode).toBe('IMMEDIATE');
  });
});

describe('setMemberCap', () => {
  it("caps one member of a pool: over its cap it is refused while the pool still has credits; lifting the cap lets it spend again", async () => {
    const admin = await caller({ sub: 'cap-admin', org: 'ocap', role: 'admin' });
    const capped = await caller({ sub: 'cap-m1', org: 'ocap' });
    const other = await caller({ sub: 'cap-m2', org: 'ocap' });
    const pool = accountGlobalId('org:ocap');
    const cap = { accountId: pool, memberId: userGlobalId('cap-m1'), meter: 'AI_CREDITS', cap: 3, idempotencyKey: 'cap-1' } as const;
    const set = as(await setCap(admin, cap), 'SetMemberCapSuccess');
    expect(set).toMatchObject({ accountId: pool, memberId: userGlobalId('cap-m1'), meter: 'AI_CREDITS', memberCap: 3, replayed: false });
    expect(as(await setCap(admin, cap), 'SetMemberCapSuccess').replayed).toBe(true);

    const spend = (token: string, amount: number, idempotencyKey: string) =>
      resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId: pool, meter: 'AI_CREDITS', amount, idempotencyKey } });
    as(await spend(capped, 2, 'm1-a'), 'ConsumeCreditsSuccess');
    const refused = as(await spend(capped, 2, 'm1-b'), 'MemberCapExceededError');
    expect(refused).toMatchObject({ code: 'MEMBER_CAP_EXCEEDED', meter: 'AI_CREDITS', cap: 3, used: 2, needed: 2 });
    expect((await probe.balances('org:ocap')).AI_CREDITS).toMatchObject({ available: 48, used: 2 });
    as(await spend(other, 5, 'm2-a'), 'ConsumeCreditsSuccess');

    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    const lifted = as(await setCap(service, { ...cap, cap: null, idempotencyKey: 'cap-2' }), 'SetMemberCapSuccess');
    expect(lifted.memberCap).toBeNull();
    as(await spend(capped, 2, 'm1-b'), 'ConsumeCreditsSuccess');
    expect(probe.store.memberUsage(await probe.state('org:ocap')).filter((usage) => usage.meter === 'AI_CREDITS')).toEqual([
      { memberId: 'cap-m1', meter: 'AI_CREDITS', used: 4, reserved: 0, cap: null },
      { memberId: 'cap-m2', meter: 'AI_CREDITS', used: 5, reserved: 0, cap: null },
    ]);
  });

  it('refuses a negative cap, a member that is no user id and an account that is no pool', async () => {
    const admin = await caller({ sub: 'cap-admin-2', org: 'ocap2', role: 'admin' });
    const valid = { accountId: accountGlobalId('org:ocap2'), memberId: userGlobalId('someone'), meter: 'AI_CREDITS', cap: 1, idempotencyKey: 'cap2-1' } as const;
    expect(as(await setCap(admin, { ...valid, cap: -1 }), 'InvalidInputError').field).toBe('cap');
    expect(as(await setCap(admin, { ...valid, memberId: accountGlobalId('user:someone') }), 'InvalidInputError').field).toBe('memberId');
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    expect(as(await setCap(service, { ...valid, accountId: accountGlobalId('user:cap-admin-2') }), 'InvalidInputError').field).toBe('accountId');
  });
});
