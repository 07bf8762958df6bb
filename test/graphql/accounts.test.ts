import { describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { errorCodes, execute } from './client.js';
import { AccountBalanceDocument, AccountDocument, AccountNodeDocument, MembersDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

const OPENED = '2025-03-10T12:00:00.000Z';
const NEXT_MONTH = '2025-04-10T12:00:00.000Z';

/** What a new account on the default plan (Rheos Free: 50 AI credits a month, no videos) shows. */
const freshBalances = [
  { meter: 'AI_CREDITS', unlimited: false, allowance: 50, available: 50, used: 0, reserved: 0, topUp: 0, periodStart: OPENED, resetsAt: NEXT_MONTH },
  { meter: 'VIDEO_GENERATIONS', unlimited: false, allowance: 0, available: 0, used: 0, reserved: 0, topUp: 0, periodStart: OPENED, resetsAt: NEXT_MONTH },
];

describe('accounts and balances over GraphQL', () => {
  const clock = new TestClock(new Date(OPENED));
  const server = useTestServer({ now: clock.now });
  const ledger = ledgerOf(server);

  it('shows a new user the account it was provisioned with, on the default plan', async () => {
    const { data, errors } = await execute(server.url, ViewerAccountDocument, { token: await server.token({ sub: 'alice' }) });
    expect(errors).toBeUndefined();
    expect(data!.viewer).toEqual({
      subject: 'alice',
      account: {
        id: accountGlobalId('user:alice'),
        kind: 'USER',
        timeZone: 'UTC',
        plan: { key: 'rheos.free', name: 'Rheos Free', tier: 0 },
        pendingPlan: null,
        balances: freshBalances,
      },
    });
  });

  it("shows a member of an organization the pool it draws from, the same for every member", async () => {
    const bob = await execute(server.url, ViewerAccountDocument, { token: await server.token({ sub: 'bob', org: 'pool-one' }) });
    const carol = await execute(server.url, ViewerAccountDocument, { token: await server.token({ sub: 'carol', org: 'pool-one' }) });
    expect(bob.data!.viewer!.account).toMatchObject({ id: accountGlobalId('org:pool-one'), kind: 'ORGANIZATION', balances: freshBalances });
    expect(carol.data!.viewer!.account).toEqual(bob.data!.viewer!.account);
  });

  it('shows the balances after a debit, to every member of the pool, per meter', async () => {
    const dave = await server.token({ sub: 'dave', org: 'pool-two' });
    const erin = await server.token({ sub: 'erin', org: 'pool-two' });
    await execute(server.url, ViewerAccountDocument, { token: dave });
    await execute(server.url, ViewerAccountDocument, { token: erin });
    // HD ×2, three images: 6 credits.
    await ledger.apply('org:pool-two', { type: 'DEBIT', feature: 'image.generate', parameters: { resolution: 'HD', count: 3 }, memberId: 'dave' });

    const seenByErin = await execute(server.url, ViewerAccountDocument, { token: erin });
    expect(seenByErin.data!.viewer!.account!.balances[0]).toMatchObject({ meter: 'AI_CREDITS', available: 44, used: 6 });
    expect(seenByErin.data!.viewer!.account!.balances[1]).toMatchObject({ meter: 'VIDEO_GENERATIONS', available: 0, used: 0 });
    const one = await execute(server.url, AccountBalanceDocument, {
      token: dave,
      variables: { id: accountGlobalId('org:pool-two'), meter: 'AI_CREDITS' },
    });
    expect(one.data).toEqual({ account: { balance: { meter: 'AI_CREDITS', available: 44, used: 6, resetsAt: NEXT_MONTH } } });
  });

  it("lets a member of an organization read its own account too, by account(id) and node(id)", async () => {
    const token = await server.token({ sub: 'bob', org: 'pool-one' });
    const own = await execute(server.url, AccountDocument, { token, variables: { id: accountGlobalId('user:bob') } });
    expect(own.errors).toBeUndefined();
    expect(own.data!.account).toMatchObject({ id: accountGlobalId('user:bob'), kind: 'USER', balances: freshBalances });
    const node = await execute(server.url, AccountNodeDocument, { token, variables: { id: accountGlobalId('org:pool-one') } });
    expect(node.data).toEqual({ node: { __typename: 'Account', id: accountGlobalId('org:pool-one'), kind: 'ORGANIZATION' } });
  });

  it('shows a scheduled downgrade with the date it applies, and the plan until then', async () => {
    const frank = await server.token({ sub: 'frank' });
    await execute(server.url, ViewerAccountDocument, { token: frank });
    await ledger.apply('user:frank', { type: 'CHANGE_PLAN', planId: 'rheos.pro' });
    await ledger.apply('user:frank', { type: 'CHANGE_PLAN', planId: 'rheos.free' });

    const { data } = await execute(server.url, ViewerAccountDocument, { token: frank });
    expect(data!.viewer!.account).toMatchObject({
      plan: { key: 'rheos.pro', name: 'Rheos Pro', tier: 1 },
      pendingPlan: { plan: { key: 'rheos.free' }, effectiveAt: NEXT_MONTH },
      balances: [{ meter: 'AI_CREDITS', allowance: 1000, available: 1000 }, { meter: 'VIDEO_GENERATIONS' }],
    });
  });

  it('gives a service no account of its own, and any account by id; one that does not exist is null', async () => {
    const token = await server.token({ sub: 'svc:billing', role: 'service' });
    const viewer = await execute(server.url, ViewerAccountDocument, { token });
    expect(viewer.data).toEqual({ viewer: { subject: 'svc:billing', account: null } });
    const alice = await execute(server.url, AccountDocument, { token, variables: { id: accountGlobalId('user:alice') } });
    expect(alice.data!.account).toMatchObject({ kind: 'USER', plan: { key: 'rheos.free' } });
    const missing = await execute(server.url, AccountDocument, { token, variables: { id: accountGlobalId('user:nobody') } });
    expect(missing).toMatchObject({ data: { account: null }, errors: undefined });
    const missingNode = await execute(server.url, AccountNodeDocument, { token, variables: { id: accountGlobalId('user:nobody') } });
    expect(missingNode).toMatchObject({ data: { node: null }, errors: undefined });
  });

  it('refuses account(id) for an ID that names no account, without echoing it', async () => {
    const token = await server.token({ sub: 'alice' });
    const plan = Buffer.from('Plan:rheos.free').toString('base64');
    for (const id of [plan, 'not a global id']) {
      const response = await execute(server.url, AccountDocument, { token, variables: { id } });
      expect(response.data).toEqual({ account: null });
      expect(response.errors).toEqual([
        { message: 'id: must be an ID of type Account', path: ['account'], locations: expect.any(Array), extensions: { code: 'BAD_USER_INPUT', field: 'id' } },
      ]);
    }
  });

  describe('members of an organization', () => {
    const organization = 'pool-three';
    const tokens = {
      admin: () => server.token({ sub: 'ann', org: organization, role: 'admin' }),
      member: () => server.token({ sub: 'ben', org: organization }),
    };
    const pool = accountGlobalId(`org:${organization}`);

    it('lists each member with its role, its usage of the pool this period and its caps, for an admin', async () => {
      for (const sub of ['ann', 'ben', 'cid']) {
        await execute(server.url, ViewerAccountDocument, { token: await server.token({ sub, org: organization, role: sub === 'ann' ? 'admin' : 'member' }) });
      }
      await ledger.apply(`org:${organization}`, { type: 'DEBIT', feature: 'brand.analyze', memberId: 'ben' });
      await ledger.apply(`org:${organization}`, { type: 'DEBIT', feature: 'script.generate', memberId: 'cid' });
      await ledger.apply(`org:${organization}`, { type: 'SET_MEMBER_CAP', memberId: 'cid', meter: 'AI_CREDITS', cap: 20 });

      const { data, errors } = await execute(server.url, MembersDocument, { token: await tokens.admin(), variables: { id: pool } });
      expect(errors).toBeUndefined();
      const members = data!.account!.members!.edges.map(({ node }) => ({
        user: node.user.externalId,
        role: node.role,
        joinedAt: node.joinedAt,
        ai: node.usage[0],
        video: node.usage[1]!.meter,
      }));
      expect(members).toEqual([
        { user: 'ann', role: 'ADMIN', joinedAt: OPENED, ai: { meter: 'AI_CREDITS', used: 0, reserved: 0, cap: null }, video: 'VIDEO_GENERATIONS' },
        { user: 'ben', role: 'MEMBER', joinedAt: OPENED, ai: { meter: 'AI_CREDITS', used: 5, reserved: 0, cap: null }, video: 'VIDEO_GENERATIONS' },
        { user: 'cid', role: 'MEMBER', joinedAt: OPENED, ai: { meter: 'AI_CREDITS', used: 2, reserved: 0, cap: 20 }, video: 'VIDEO_GENERATIONS' },
      ]);
    });

    it('pages through the members', async () => {
      const token = await tokens.admin();
      const first = await execute(server.url, MembersDocument, { token, variables: { id: pool, first: 2 } });
      expect(first.data!.account!.members!.edges.map(({ node }) => node.user.externalId)).toEqual(['ann', 'ben']);
      expect(first.data!.account!.members!.pageInfo.hasNextPage).toBe(true);
      const rest = await execute(server.url, MembersDocument, {
        token,
        variables: { id: pool, first: 2, after: first.data!.account!.members!.pageInfo.endCursor },
      });
      expect(rest.data!.account!.members!.edges.map(({ node }) => node.user.externalId)).toEqual(['cid']);
      expect(rest.data!.account!.members!.pageInfo.hasNextPage).toBe(false);
    });

    it('refuses them to a plain member, and a user account has none', async () => {
      const token = await tokens.member();
      const refused = await execute(server.url, MembersDocument, { token, variables: { id: pool } });
      expect(refused.data).toEqual({ account: { kind: 'ORGANIZATION', members: null } });
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      const own = await execute(server.url, MembersDocument, { token, variables: { id: accountGlobalId('user:ben') } });
      expect(own).toMatchObject({ data: { account: { kind: 'USER', members: null } }, errors: undefined });
    });
  });
});
