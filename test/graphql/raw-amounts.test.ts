import { describe, expect, it } from 'vitest';
import { execute } from './client.js';
import {
  CommitReservationDocument,
  GenerateDocument,
  ConsumeCreditsDocument,
  ReserveCreditsDocument,
  UsageHistoryDocument,
  UsageSummaryDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';
import { as, resultOf } from './write-fixture.js';

const server = useTestServer();

describe('raw amounts a backend meters', () => {
  it('are recorded under the feature they name, so usage filters and summaries find them, and no internal name shows', async () => {
    const token = await server.token({ sub: 'raw' });
    await execute(server.url, ViewerDocument, { token });
    const accountId = accountGlobalId('user:raw');
    as(await resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 4, idempotencyKey: 'c1', feature: 'brand.analyze' } }), 'ConsumeCreditsSuccess');
    as(await resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'c2' } }), 'ConsumeCreditsSuccess');
    const reserved = as(
      await resultOf(server.url, ReserveCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 3, idempotencyKey: 'r1', feature: 'brand.analyze' } }),
      'ReserveCreditsSuccess',
    );
    as(await resultOf(server.url, CommitReservationDocument, token, { input: { reservationId: reserved.reservationId, idempotencyKey: 'k1' } }), 'CommitReservationSuccess');

    const filtered = await execute(server.url, UsageHistoryDocument, { token, variables: { id: accountId, filter: { feature: 'brand.analyze' } } });
    expect(filtered.errors).toBeUndefined();
    const kinds = filtered.data!.account!.usage.edges.map(({ node }) => [node.kind, node.feature]);
    expect(kinds).toEqual([
      ['COMMIT', 'brand.analyze'],
      ['HOLD', 'brand.analyze'],
      ['DEBIT', 'brand.analyze'],
    ]);
    const summary = await execute(server.url, UsageSummaryDocument, { token, variables: { id: accountId, groupBy: 'FEATURE' } });
    expect(summary.errors).toBeUndefined();
    const rows = summary.data!.account!.usageSummary.rows.edges.map(({ node }) => [node.key, node.meter, node.used]);
    expect(rows).toContainEqual(['brand.analyze', 'AI_CREDITS', 7]);
    expect(JSON.stringify([filtered.data, summary.data])).not.toContain('metered.');
  });
});

describe('credits spent on an asset', () => {
  it('are recorded with it, through the metering API and generate alike, so usage can be told per asset', async () => {
    const token = await server.token({ sub: 'assets' });
    await execute(server.url, ViewerDocument, { token });
    const accountId = accountGlobalId('user:assets');
    as(await resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 2, idempotencyKey: 'c', assetId: 'video-7' } }), 'ConsumeCreditsSuccess');
    as(await resultOf(server.url, ReserveCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'r', assetId: 'video-7' } }), 'ReserveCreditsSuccess');
    as(await resultOf(server.url, GenerateDocument, token, { input: { feature: 'image.generate', idempotencyKey: 'g', input: { prompt: 'x' }, assetId: 'video-7' } }), 'GenerationSuccess');
    as(await resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 5, idempotencyKey: 'other', assetId: 'video-8' } }), 'ConsumeCreditsSuccess');
    const history = await execute(server.url, UsageHistoryDocument, { token, variables: { id: accountId, filter: { assetId: 'video-7' } } });
    expect(history.errors).toBeUndefined();
    expect(history.data!.account!.usage.edges.map(({ node }) => [node.kind, node.assetId])).toEqual([
      ['COMMIT', 'video-7'],
      ['HOLD', 'video-7'],
      ['HOLD', 'video-7'],
      ['DEBIT', 'video-7'],
    ]);
    expect(await resultOf(server.url, ConsumeCreditsDocument, token, { input: { accountId, meter: 'AI_CREDITS', amount: 1, idempotencyKey: 'long', assetId: 'a'.repeat(201) } })).toMatchObject({
      __typename: 'InvalidInputError',
      field: 'assetId',
    });
  });
});
