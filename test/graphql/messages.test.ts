import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import {
  AccountDocument,
  CreateQuoteDocument,
  GrantCreditsDocument,
  PlansDocument,
  ReserveCreditsDocument,
  UsageHistoryDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { TestClock } from '../store/store-fixture.js';
import { as, resultOf } from './write-fixture.js';

/**
 * What a person reads when something is refused: our own sentences naming the field and its bound,
 * instants as dates ("on 10 March 2026 at 12:10 UTC", the exact instant being in the error's
 * fields), numbers with thousands separators, and never the words of Pothos or zod.
 */
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ now: clock.now });

async function soloUser(sub: string) {
  const token = await server.token({ sub });
  await execute(server.url, ViewerDocument, { token });
  return { token, gid: accountGlobalId(`user:${sub}`) };
}

/** The message and field of the one BAD_USER_INPUT error of a read. */
function badInputOf(response: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] | undefined }) {
  expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  const [error] = response.errors!;
  return { message: error!.message, field: error!.extensions?.field };
}

describe('messages meant for people', () => {
  it('a connection argument Pothos checks is refused in our words, naming the argument and the page size', async () => {
    expect(badInputOf(await execute(server.url, PlansDocument, { variables: { first: -1 } }))).toEqual({
      message: 'first: must be 0 or more (a page holds at most 100)',
      field: 'first',
    });
    expect(badInputOf(await execute(server.url, PlansDocument, { variables: { after: 'not-a-cursor' } }))).toEqual({
      message: 'cursor: `after` or `before` must be a cursor from this connection',
      field: 'cursor',
    });
  });

  it('a read argument out of range names its bound; an id of the wrong type says "an ID of type …"', async () => {
    const { token, gid } = await soloUser('words-1');
    expect(badInputOf(await execute(server.url, UsageHistoryDocument, { token, variables: { id: gid, first: 1_000 } }))).toEqual({
      message: 'first: must be 1 to 100, got 1000',
      field: 'first',
    });
    const planId = Buffer.from('Plan:rheos.free').toString('base64');
    expect(badInputOf(await execute(server.url, AccountDocument, { token, variables: { id: planId } }))).toEqual({
      message: 'id: must be an ID of type Account',
      field: 'id',
    });
  });

  it('an expired quote says when it expired as a date, not an ISO string', async () => {
    const { token, gid } = await soloUser('words-2');
    const quote = as(await resultOf(server.url, CreateQuoteDocument, token, { input: { feature: 'image.generate' } }), 'Quote');
    clock.set(new Date(clock.current.getTime() + 10 * 60_000));
    try {
      const expired = as(
        await resultOf(server.url, ReserveCreditsDocument, token, { input: { accountId: gid, idempotencyKey: 'words-2', quoteId: quote.id } }),
        'QuoteExpiredError',
      );
      expect(expired.message).toBe('The quote expired on 10 March 2026 at 12:10 UTC: ask for a new one.');
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
  });

  it('a credit limit is written with thousands separators and says what it bounds', async () => {
    const { gid } = await soloUser('words-3');
    const service = await server.token({ sub: 'svc:billing', role: 'service' });
    const refused = as(
      await resultOf(server.url, GrantCreditsDocument, service, {
        input: { accountId: gid, meter: 'AI_CREDITS', amount: 1_000_000_000, reason: 'too much', idempotencyKey: 'words-3' },
      }),
      'CreditLimitExceededError',
    );
    expect(refused.message).toBe("This would take the account's AI credits (available and reserved) past 1,000,000,000, the most an account may have: nothing was changed.");
  });
});
