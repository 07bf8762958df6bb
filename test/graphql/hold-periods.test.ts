import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { CommitReservationDocument, ReserveCreditsDocument, UsageSummaryDocument, ViewerAccountDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, resultOf } from './write-fixture.js';

type Commits = {
  account: {
    usage: {
      edges: { node: { kind: string; changes: { meter: string; usedDelta: number; earlierPeriod: { periodStart: string; heldAt: string; used: number } | null }[] } }[];
    };
  } | null;
};
/** The latest entries' changes (newest first), with what they consumed for an earlier period. */
const LatestEntries = parse(`
  query LatestEntries($id: ID!) {
    account(id: $id) {
      usage(first: 3) {
        edges { node { kind changes { meter usedDelta earlierPeriod { periodStart heldAt used } } } }
      }
    }
  }
`) as TypedDocumentNode<Commits, { id: string }>;

/**
 * A service reserves on a ReelBot Free account (20 AI credits a day, renewed at midnight UTC)
 * shortly before midnight and commits shortly after it: yesterday used the credits, not today.
 */
describe('a reservation across a reset, over GraphQL', () => {
  const clock = new TestClock(new Date('2025-03-10T12:00:00Z'));
  const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.free' }, now: clock.now });

  it("is committed as the earlier period's usage: today's balance shows nothing used, and the summary of yesterday counts it", async () => {
    const rita = await server.token({ sub: 'rita' });
    const service = await server.token({ sub: 'svc:renders', role: 'service' });
    const id = accountGlobalId('user:rita');
    const aiBalance = async () => {
      const { data, errors } = await execute(server.url, ViewerAccountDocument, { token: rita });
      expect(errors).toBeUndefined();
      const balance = data!.viewer!.account!.balances.find((candidate) => candidate.meter === 'AI_CREDITS')!;
      return { allowance: balance.allowance, available: balance.available, used: balance.used, reserved: balance.reserved };
    };
    const summary = async (variables: { since?: string; until?: string }) => {
      const { data, errors } = await execute(server.url, UsageSummaryDocument, { token: rita, variables: { id, groupBy: 'DAY', ...variables } });
      expect(errors).toBeUndefined();
      return data!.account!.usageSummary.rows.edges.map(({ node }) => [node.key, node.meter, node.used]);
    };
    await aiBalance();

    clock.set('2025-03-10T23:55:00Z');
    const reserved = as(
      await resultOf(server.url, ReserveCreditsDocument, service, { input: { accountId: id, meter: 'AI_CREDITS', amount: 15, idempotencyKey: 'late-render' } }),
      'ReserveCreditsSuccess',
    );
    expect(await aiBalance()).toEqual({ allowance: 20, available: 5, used: 0, reserved: 15 });

    clock.set('2025-03-11T00:05:00Z');
    expect(await aiBalance()).toEqual({ allowance: 20, available: 20, used: 0, reserved: 15 });
    const committed = as(
      await resultOf(server.url, CommitReservationDocument, service, { input: { reservationId: reserved.reservationId, idempotencyKey: 'late-render-done' } }),
      'CommitReservationSuccess',
    );
    expect(committed.committed).toEqual([{ meter: 'AI_CREDITS', amount: 15 }]);
    expect(await aiBalance()).toEqual({ allowance: 20, available: 20, used: 0, reserved: 0 });

    // Today's summary (the default: each meter's current period) has none of it; yesterday's has all.
    expect(await summary({})).toEqual([]);
    expect(await summary({ since: '2025-03-10T00:00:00Z', until: '2025-03-11T00:00:00Z' })).toEqual([['2025-03-10', 'AI_CREDITS', 15]]);
    expect(await summary({ since: '2025-03-11T00:00:00Z', until: '2025-03-12T00:00:00Z' })).toEqual([]);

    const { data, errors } = await execute(server.url, LatestEntries, { token: rita, variables: { id } });
    expect(errors).toBeUndefined();
    const commit = data!.account!.usage.edges.find(({ node }) => node.kind === 'COMMIT');
    expect(commit?.node.changes).toEqual([
      {
        meter: 'AI_CREDITS',
        usedDelta: 0,
        earlierPeriod: { periodStart: '2025-03-10T12:00:00.000Z', heldAt: '2025-03-10T23:55:00.000Z', used: 15 },
      },
    ]);
  });
});
