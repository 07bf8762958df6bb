import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { errorCodes, execute } from './client.js';
import {
  CommitAndReadDocument,
  GenerateDocument,
  GrantsDocument,
  ReservationByIdDocument,
  ReleaseReservationDocument,
  ReservationsDocument,
  ReserveAndReadDocument,
  UsagePageDocument,
  ViewerDocument,
  type ReservationStatus,
  type ReservationsQueryVariables,
  type UsagePageQueryVariables,
} from './generated/graphql.js';
import { accountGlobalId, ledgerOf } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, resultOf } from './write-fixture.js';

const START = new Date('2026-03-10T12:00:00.000Z');
const minutes = (count: number) => new Date(START.getTime() + count * 60_000);

describe('billing reads: reservations, grants and usage paged both ways', () => {
  const clock = new TestClock(START);
  const server = useTestServer({ now: clock.now, env: { SIMULATED_PROVIDER_FAILURES: 'true' } });
  const ledger = ledgerOf(server);
  const bea = accountGlobalId('user:bea');
  const lab = accountGlobalId('org:lab');
  const tokens = {
    bea: () => server.token({ sub: 'bea' }),
    other: () => server.token({ sub: 'otto' }),
    service: () => server.token({ sub: 'svc:billing', role: 'service' }),
    admin: () => server.token({ sub: 'ada', org: 'lab', role: 'admin' }),
    max: () => server.token({ sub: 'max', org: 'lab' }),
    mia: () => server.token({ sub: 'mia', org: 'lab' }),
  };
  const reserve = async (token: string, accountId: string, key: string, amount = 3) =>
    as(
      await resultOf(server.url, ReserveAndReadDocument, token, { input: { accountId, idempotencyKey: key, meter: 'AI_CREDITS', amount, feature: 'topic.generate' } }),
      'ReserveCreditsSuccess',
    );
  const reservations = async (token: string, id: string, variables: Omit<ReservationsQueryVariables, 'id'> = {}) => {
    const response = await execute(server.url, ReservationsDocument, { token, variables: { id, ...variables } });
    expect(response.errors).toBeUndefined();
    return response.data!.account!.reservations;
  };
  const statusesOf = (page: Awaited<ReturnType<typeof reservations>>) => page.edges.map(({ node }) => node.status);

  /** Holds A to F on bea's account, each ending differently, written at known instants. */
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    for (const token of [tokens.bea, tokens.admin, tokens.max, tokens.mia]) await execute(server.url, ViewerDocument, { token: await token() });
    const service = await tokens.service();
    for (const name of ['A', 'B', 'C']) ids[name] = (await reserve(service, bea, name)).reservationId;
    clock.set(minutes(1));
    const committed = await resultOf(server.url, CommitAndReadDocument, service, { input: { reservationId: ids.A!, idempotencyKey: 'commit-A', amounts: [{ meter: 'AI_CREDITS', amount: 2 }] } });
    expect(as(committed, 'CommitReservationSuccess').reservation).toMatchObject({ id: ids.A, status: 'COMMITTED', committed: [{ meter: 'AI_CREDITS', amount: 2 }] });
    clock.set(minutes(2));
    await resultOf(server.url, ReleaseReservationDocument, service, { input: { reservationId: ids.B!, idempotencyKey: 'release-B' } });
    clock.set(minutes(3));
    const failed = await resultOf(server.url, GenerateDocument, await tokens.bea(), {
      input: { feature: 'image.generate', idempotencyKey: 'failing', sessionId: 'sess', input: { prompt: 'p', simulateFailure: 'AFTER_PROVIDER_WORK' } },
    });
    as(failed, 'GenerationFailedError');
    // C (held at 0) expires at 15 minutes; D and E come after, so the clock settles C first.
    clock.set(minutes(16));
    ids.D = (await reserve(service, bea, 'D')).reservationId;
    clock.set(minutes(17));
    ids.E = (await reserve(service, bea, 'E')).reservationId;
  });

  it('a reservation answers what reserveCredits held, as a Reservation', async () => {
    const made = await reserve(await tokens.service(), bea, 'E');
    expect(made.reservationId).toBe(ids.E);
    expect(made.reservation).toMatchObject({
      id: ids.E,
      status: 'ACTIVE',
      feature: 'topic.generate',
      held: [{ meter: 'AI_CREDITS', amount: 3 }],
      committed: [],
      createdAt: minutes(17).toISOString(),
      expiresAt: minutes(32).toISOString(),
      settledAt: null,
    });
  });

  it('lists every reservation newest first by its latest change, each with its status and what became of its credits', async () => {
    const page = await reservations(await tokens.bea(), bea);
    expect(statusesOf(page)).toEqual(['ACTIVE', 'ACTIVE', 'EXPIRED', 'FAILED', 'RELEASED', 'COMMITTED']);
    const [e, d, c, failed, b, a] = page.edges.map(({ node }) => node);
    expect([e!.id, d!.id, c!.id, b!.id, a!.id]).toEqual([ids.E, ids.D, ids.C, ids.B, ids.A]);
    expect(a).toMatchObject({ committed: [{ meter: 'AI_CREDITS', amount: 2 }], released: [{ meter: 'AI_CREDITS', amount: 1 }], settledAt: minutes(1).toISOString() });
    expect(b).toMatchObject({ committed: [], released: [{ meter: 'AI_CREDITS', amount: 3 }], settledAt: minutes(2).toISOString() });
    // Released by its time-to-live at the instant it expired, though written at the next write.
    expect(c).toMatchObject({ expiresAt: minutes(15).toISOString(), settledAt: minutes(15).toISOString(), released: [{ meter: 'AI_CREDITS', amount: 3 }] });
    expect(failed).toMatchObject({ feature: 'image.generate', session: { sessionId: 'sess' }, held: [{ meter: 'AI_CREDITS', amount: 1 }], settledAt: minutes(3).toISOString() });
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('filters by status, each status listing exactly the reservations that have it', async () => {
    const token = await tokens.bea();
    const all = (await reservations(token, bea)).edges.map(({ node }) => node);
    for (const status of ['ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED', 'FAILED'] satisfies ReservationStatus[]) {
      const filtered = await reservations(token, bea, { status });
      expect(filtered.edges.map(({ node }) => node.id), status).toEqual(all.filter((node) => node.status === status).map((node) => node.id));
    }
  });

  it('pages both ways with the same cursors, telling correctly what lies on each side', async () => {
    const token = await tokens.bea();
    const all = (await reservations(token, bea)).edges.map(({ node }) => node.id);
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await reservations(token, bea, { first: 2, after });
      forward.push(...page.edges.map(({ node }) => node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(all);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page = await reservations(token, bea, { last: 4, before });
      backward.unshift(...page.edges.map(({ node }) => node.id));
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward).toEqual(all);
  });

  it('is a node, read with the rights of its account', async () => {
    const own = await execute(server.url, ReservationByIdDocument, { token: await tokens.bea(), variables: { id: ids.A! } });
    expect(own.data?.node).toMatchObject({ __typename: 'Reservation', id: ids.A, status: 'COMMITTED' });
    const foreign = await execute(server.url, ReservationByIdDocument, { token: await tokens.other(), variables: { id: ids.A! } });
    expect(errorCodes(foreign)).toEqual(['FORBIDDEN']);
  });

  it("shows a plain member of a pool its own reservations only; its admins see every member's", async () => {
    const max = await reserve(await tokens.max(), lab, 'max-1', 1);
    const mia = await reserve(await tokens.mia(), lab, 'mia-1', 1);
    const own = await reservations(await tokens.max(), lab);
    expect(own.edges.map(({ node }) => [node.id, node.member?.externalId])).toEqual([[max.reservationId, 'max']]);
    expect((await reservations(await tokens.max(), lab, { status: 'ACTIVE' })).edges).toHaveLength(1);
    expect((await reservations(await tokens.admin(), lab)).edges.map(({ node }) => node.id)).toEqual([mia.reservationId, max.reservationId]);
    const others = await execute(server.url, ReservationByIdDocument, { token: await tokens.max(), variables: { id: mia.reservationId } });
    expect(others.errors).toBeUndefined();
    expect(others.data?.node).toBeNull();
  });

  it('refuses paging it cannot answer, naming the argument', async () => {
    const token = await tokens.bea();
    const cases: [Omit<ReservationsQueryVariables, 'id'>, string, string][] = [
      [{ first: 2, last: 2 }, 'last', 'give `first` or `last`, not both'],
      [{ last: 0 }, 'last', 'must be 1 to 100, got 0'],
      [{ first: 101 }, 'first', 'must be 1 to 100, got 101'],
      [{ before: '9-3' }, 'before', 'must be a cursor from this connection'],
    ];
    for (const [variables, field, problem] of cases) {
      const response = await execute(server.url, ReservationsDocument, { token, variables: { id: bea, ...variables } });
      expect(response.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message])).toEqual([['BAD_USER_INPUT', field, `${field}: ${problem}`]]);
    }
  });

  describe('grants', () => {
    it('lists every live grant in burn-down order, with what remains, what is held of it and when it expires', async () => {
      clock.set(START);
      await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'gil' }) });
      const inThirtyDays = new Date(START.getTime() + 30 * 86_400_000);
      await ledger.apply('user:gil', { type: 'GRANT', meter: 'AI_CREDITS', amount: 10, kind: 'ADJUSTMENT' });
      await ledger.apply('user:gil', { type: 'GRANT', meter: 'AI_CREDITS', amount: 100, kind: 'TOP_UP', expiresAt: inThirtyDays });
      await reserve(await tokens.service(), accountGlobalId('user:gil'), 'gil-1', 4);
      const response = await execute(server.url, GrantsDocument, { token: await server.token({ sub: 'gil' }), variables: { id: accountGlobalId('user:gil') } });
      expect(response.errors).toBeUndefined();
      // The top-up expires first, then the allowance with the period (10 April), and the adjustment never.
      expect(response.data!.account!.grants).toEqual([
        { meter: 'AI_CREDITS', kind: 'TOP_UP', amount: 100, remaining: 96, reserved: 4, grantedAt: START.toISOString(), expiresAt: inThirtyDays.toISOString() },
        { meter: 'AI_CREDITS', kind: 'ALLOWANCE', amount: 50, remaining: 50, reserved: 0, grantedAt: START.toISOString(), expiresAt: '2026-04-10T12:00:00.000Z' },
        { meter: 'AI_CREDITS', kind: 'ADJUSTMENT', amount: 10, remaining: 10, reserved: 0, grantedAt: START.toISOString(), expiresAt: null },
      ]);
      const video = await execute(server.url, GrantsDocument, { token: await server.token({ sub: 'gil' }), variables: { id: accountGlobalId('user:gil'), meter: 'VIDEO_GENERATIONS' } });
      expect(video.data!.account!.grants.every((grant) => grant.meter === 'VIDEO_GENERATIONS')).toBe(true);
    });
  });

  describe('usage', () => {
    const usage = async (variables: Omit<UsagePageQueryVariables, 'id'>) => {
      const response = await execute(server.url, UsagePageDocument, { token: await tokens.bea(), variables: { id: bea, ...variables } });
      expect(response.errors).toBeUndefined();
      return response.data!.account!.usage;
    };

    it('pages backwards with last and before as it pages forwards, with both sides told', async () => {
        const all = (await usage({ first: 100 })).edges.map(({ node }) => node.seq);
      expect(all.length).toBeGreaterThan(6);
      const backward: number[] = [];
      let before: string | null = null;
      for (;;) {
        const page = await usage({ last: 3, before });
        backward.unshift(...page.edges.map(({ node }) => node.seq));
        expect(page.pageInfo.hasNextPage).toBe(before !== null);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor;
      }
      expect(backward).toEqual(all);
      const middle = await usage({ first: 2, after: String(all[1]) });
      expect(middle.edges.map(({ node }) => node.seq)).toEqual(all.slice(2, 4));
      expect(middle.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    });

    it('filters by kinds, also while paging', async () => {
        const holds = await usage({ filter: { kinds: ['HOLD'] } });
      expect(holds.edges.map(({ node }) => node.kind)).toEqual(['HOLD', 'HOLD', 'HOLD', 'HOLD', 'HOLD', 'HOLD']);
      const settled = await usage({ filter: { kinds: ['COMMIT', 'RELEASE', 'RELEASE'] }, last: 2 });
      expect(settled.edges.map(({ node }) => node.kind)).toEqual(['RELEASE', 'COMMIT']);
      expect(settled.pageInfo.hasPreviousPage).toBe(true);
      const none = await execute(server.url, UsagePageDocument, { token: await tokens.bea(), variables: { id: bea, filter: { kinds: [] } } });
      expect(none.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'filter.kinds']]);
    });
  });
});
