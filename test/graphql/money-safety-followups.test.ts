import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { MAX_BALANCE } from '../../src/ledger/index.js';
import { errorCodes, execute } from './client.js';
import {
  ChangePlanDocument,
  ConsumeCreditsDocument,
  CreateQuoteDocument,
  GenerateDocument,
  GrantCreditsDocument,
  ReleaseReservationDocument,
  ReserveCreditsDocument,
  UsageSummaryDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { useTestServer } from './test-server.js';
import { as, byMeter, probeOf, resultOf } from './write-fixture.js';

const DAY = 86_400_000;
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
// ReelBot: its enterprise plan has unlimited AI credits, which let usage grow as fast as the limits allow.
const server = useTestServer({ now: clock.now, env: { DEFAULT_PLAN: 'reelbot.free' } });
const probe = probeOf(server);

async function caller(claims: TokenClaims) {
  const token = await server.token(claims);
  await execute(server.url, ViewerDocument, { token });
  return token;
}

const service = () => caller({ sub: 'svc:ops', role: 'service' });
const toEnterprise = async (accountId: string) =>
  as(
    await resultOf(server.url, ChangePlanDocument, await service(), { input: { accountId: accountGlobalId(accountId), plan: 'reelbot.enterprise', idempotencyKey: `ent-${accountId}` } }),
    'ChangePlanSuccess',
  );
const consume = (token: string, accountId: string, amount: number, idempotencyKey: string) =>
  resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount, idempotencyKey } });

describe('sums over history', () => {
  it('outgrow Int without making the account unreadable: usage summaries are 53-bit integers', async () => {
    const member = await caller({ sub: 'heavy', org: 'o-sum', role: 'admin' });
    await toEnterprise('org:o-sum');
    const since = clock.current.toISOString();
    try {
      for (let day = 0; day < 3; day += 1) {
        as(await consume(member, 'org:o-sum', MAX_BALANCE, `day-${day}`), 'ConsumeCreditsSuccess');
        clock.set(new Date(clock.current.getTime() + DAY));
      }
      for (const groupBy of ['FEATURE', 'MEMBER', 'DAY'] as const) {
        const response = await execute(server.url, UsageSummaryDocument, { token: member, variables: { id: accountGlobalId('org:o-sum'), groupBy, since } });
        expect(response.errors, groupBy).toBeUndefined();
        const total = response.data!.account!.usageSummary.rows.edges.reduce((sum, { node }) => sum + node.used, 0);
        expect(total).toBe(3 * MAX_BALANCE);
      }
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
  });
});

describe('a write that applied', () => {
  it('is answered as applied even when a field of its account cannot be read', async () => {
    const member = await caller({ sub: 'plain', org: 'o-payload' });
    const document = parse(`mutation ($input: ConsumeCreditsInput!) {
      consumeCredits(input: $input) { __typename ... on ConsumeCreditsSuccess { consumed { amount } account { usageSummary(groupBy: MEMBER) { groupBy } } } }
    }`) as TypedDocumentNode<{ consumeCredits: { __typename: string; consumed?: { amount: number }; account?: unknown } | null }, { input: unknown }>;
    const response = await execute(server.url, document, { token: member, variables: { input: { accountId: accountGlobalId('org:o-payload'), meter: 'AI_CREDITS', amount: 7, idempotencyKey: 'p1' } } });
    expect(response.data?.consumeCredits).toEqual({ __typename: 'ConsumeCreditsSuccess', consumed: { amount: 7 }, account: null });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect((await probe.balances('org:o-payload')).AI_CREDITS).toMatchObject({ used: 7 });
  });
});

describe('every refusal a write can meet', () => {
  it('is typed: a plan change past the credit limit answers CreditLimitExceededError and changes nothing', async () => {
    await caller({ sub: 'rich', org: 'o-plan' });
    const svc = await service();
    as(
      await resultOf(server.url, GrantCreditsDocument, svc, { input: { accountId: accountGlobalId('org:o-plan'), meter: 'AI_CREDITS', amount: MAX_BALANCE - 60, reason: 'big', idempotencyKey: 'g' } }),
      'GrantCreditsSuccess',
    );
    const before = await probe.balances('org:o-plan');
    const changed = await resultOf(server.url, ChangePlanDocument, svc, { input: { accountId: accountGlobalId('org:o-plan'), plan: 'reelbot.pro', idempotencyKey: 'up' } });
    expect(changed).toMatchObject({ __typename: 'CreditLimitExceededError', code: 'CREDIT_LIMIT_EXCEEDED' });
    expect(await probe.balances('org:o-plan')).toEqual(before);
  });

  it('is met before the work: a generation that could not be charged is refused at its hold, and the provider never runs', async () => {
    const first = await caller({ sub: 'g1', org: 'o-gen-limit' });
    const second = await caller({ sub: 'g2', org: 'o-gen-limit' });
    await toEnterprise('org:o-gen-limit');
    as(await consume(first, 'org:o-gen-limit', MAX_BALANCE - 1, 'fill'), 'ConsumeCreditsSuccess');
    const refused = await resultOf(server.url, GenerateDocument, second, { input: { feature: 'script.generate', idempotencyKey: 'late', input: { topic: 'x' } } });
    expect(refused).toMatchObject({ __typename: 'CreditLimitExceededError', figure: 'USED' });
    expect((await probe.balances('org:o-gen-limit')).AI_CREDITS).toMatchObject({ reserved: 0 });
    // Refused requests are not kept: a refused generation stores nothing, its input least of all.
    expect(await server.app.database.connection.collection('generations').countDocuments({ accountId: 'org:o-gen-limit' })).toBe(0);
  });
});

describe("another account's quote", () => {
  it('is to generate no quote at all, exactly as to reserveCredits', async () => {
    const owner = await caller({ sub: 'quoter' });
    const other = await caller({ sub: 'borrower' });
    const quote = as(await resultOf(server.url, CreateQuoteDocument, owner, { input: { feature: 'image.generate' } }), 'Quote');
    const borrowed = await resultOf(server.url, GenerateDocument, other, { input: { feature: 'image.generate', idempotencyKey: 'b', input: { prompt: 'x' }, quoteId: quote.id } });
    expect(borrowed).toMatchObject({ __typename: 'QuoteNotFoundError', quoteId: quote.id });
    const reserved = await resultOf(server.url, ReserveCreditsDocument, other, { input: { accountId: accountGlobalId('user:borrower'), idempotencyKey: 'r', quoteId: quote.id } });
    expect(reserved).toMatchObject({ __typename: 'QuoteNotFoundError', quoteId: quote.id });
  });
});

describe('settling a reservation', () => {
  it('is not for an admin without an organization, who is a plain member of its own account', async () => {
    await caller({ sub: 'lone', role: 'admin' });
    const svc = await service();
    const reserved = as(
      await resultOf(server.url, ReserveCreditsDocument, svc, { input: { accountId: accountGlobalId('user:lone'), idempotencyKey: 'r', meter: 'AI_CREDITS', amount: 2 } }),
      'ReserveCreditsSuccess',
    );
    const admin = await server.token({ sub: 'lone', role: 'admin' });
    expect(await resultOf(server.url, ReleaseReservationDocument, admin, { input: { reservationId: reserved.reservationId, idempotencyKey: 'x' } })).toMatchObject({
      __typename: 'ReservationNotFoundError',
    });
  });

  it('replays for the same caller whatever role its token has now', async () => {
    const asMember = await caller({ sub: 'promoted', org: 'o-role' });
    const reserved = as(
      await resultOf(server.url, ReserveCreditsDocument, asMember, { input: { accountId: accountGlobalId('org:o-role'), idempotencyKey: 'r', meter: 'AI_CREDITS', amount: 2 } }),
      'ReserveCreditsSuccess',
    );
    const release = (token: string) => resultOf(server.url, ReleaseReservationDocument, token, { input: { reservationId: reserved.reservationId, idempotencyKey: 'rel' } });
    const first = as(await release(asMember), 'ReleaseReservationSuccess');
    const asAdmin = await server.token({ sub: 'promoted', org: 'o-role', role: 'admin' });
    expect(as(await release(asAdmin), 'ReleaseReservationSuccess')).toMatchObject({ replayed: true, balances: first.balances });
    expect(byMeter(first.balances).AI_CREDITS).toMatchObject({ reserved: 0 });
  });
});
