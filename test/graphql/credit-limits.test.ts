import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import { ChangePlanDocument, ConsumeCreditsDocument, GrantCreditsDocument, SetMemberCapDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId, userGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

// ReelBot, whose enterprise plan has unlimited AI credits.
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.free' } });
const probe = probeOf(server);
const INT_MAX = 2_147_483_647;

/** Every balance of the account, read the way a dashboard reads it; throws if the API cannot answer. */
async function readBalances(token: string) {
  const response = await execute(server.url, ViewerAccountDocument, { token });
  expect(response.errors).toBeUndefined();
  return byMeter(response.data!.viewer!.account!.balances);
}

describe('balances always fit the API', () => {
  it('refuse grants of more than an account may hold with a typed error that changes nothing, and the account stays readable', async () => {
    const member = await server.token({ sub: 'rich' });
    await readBalances(member);
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    const grant = (amount: number, idempotencyKey: string) =>
      resultOf(server.url, GrantCreditsDocument, service, { input: { accountId: accountGlobalId('user:rich'), meter: 'AI_CREDITS', amount, reason: 'attack', idempotencyKey } });

    for (const key of ['g1', 'g2', 'g3']) {
      expect(await grant(INT_MAX, key)).toMatchObject({ __typename: 'InvalidInputError', field: 'amount' });
    }
    as(await grant(999_000_000, 'big'), 'GrantCreditsSuccess');
    const entries = await probe.entryCount('user:rich');
    expect(await grant(999_000_000, 'bigger')).toMatchObject({ __typename: 'CreditLimitExceededError', code: 'CREDIT_LIMIT_EXCEEDED', meter: 'AI_CREDITS', figure: 'CREDITS', limit: 1_000_000_000 });
    expect(await probe.entryCount('user:rich')).toBe(entries);
    expect((await readBalances(member)).AI_CREDITS).toMatchObject({ available: 999_000_020 });
  });

  it('refuse usage on an unlimited plan past the limit, so that used never overflows', async () => {
    // A ReelBot account (plan changes stay within a product), opened before its first request.
    await probe.store.openAccount({ accountId: 'user:heavy', accountType: 'USER', planId: 'reelbot.free' });
    const member = await server.token({ sub: 'heavy' });
    await readBalances(member);
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    as(await resultOf(server.url, ChangePlanDocument, service, { input: { accountId: accountGlobalId('user:heavy'), plan: 'reelbot.enterprise', idempotencyKey: 'p' } }), 'ChangePlanSuccess');
    const consume = (amount: number, idempotencyKey: string) =>
      resultOf(server.url, ConsumeCreditsDocument, member, { input: { accountId: accountGlobalId('user:heavy'), meter: 'AI_CREDITS', amount, idempotencyKey } });
    expect(await consume(INT_MAX, 'c0')).toMatchObject({ __typename: 'InvalidInputError', field: 'amount' });
    as(await consume(999_999_999, 'c1'), 'ConsumeCreditsSuccess');
    expect(await consume(999_999_999, 'c2')).toMatchObject({ __typename: 'CreditLimitExceededError', figure: 'USED' });
    expect((await readBalances(member)).AI_CREDITS).toMatchObject({ unlimited: true, used: 999_999_999 });
  });

  it('refuse a member cap larger than a balance may be', async () => {
    const admin = await server.token({ sub: 'boss', org: 'o-cap', role: 'admin' });
    await readBalances(admin);
    const capped = await resultOf(server.url, SetMemberCapDocument, admin, {
      input: { accountId: accountGlobalId('org:o-cap'), memberId: userGlobalId('boss'), meter: 'AI_CREDITS', cap: INT_MAX, idempotencyKey: 'cap' },
    });
    expect(capped).toMatchObject({ __typename: 'InvalidInputError', field: 'cap' });
  });
});
