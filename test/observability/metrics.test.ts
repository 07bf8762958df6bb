import { afterEach, describe, expect, it, vi } from 'vitest';
import { execute } from '../graphql/client.js';
import { CommitReservationDocument, ConsumeCreditsDocument, CreditUsageDocument, ReserveCreditsDocument } from '../graphql/generated/graphql.js';
import { newSubscriber, Sockets } from '../graphql/subscription-client.js';
import { useTestServer } from '../graphql/test-server.js';
import { as } from '../graphql/write-fixture.js';

// reelbot.pro: 500 AI credits a day and 60 video generations a month.
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' } });
const METRICS_TOKEN = 'scrape-token-for-the-tests-0123';
const guarded = useTestServer({ env: { METRICS_TOKEN } });
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

const metricsUrl = (graphqlUrl: string) => graphqlUrl.replace('/graphql', '/metrics');

/** The samples of a scrape, as `name{labels}` and value. */
type Samples = { name: string; labels: Record<string, string>; value: number }[];

async function scrape(graphqlUrl = server.url, headers: Record<string, string> = {}): Promise<Samples> {
  const response = await fetch(metricsUrl(graphqlUrl), { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return (await response.text())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      return { name: name!, labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, label]) => [key!, label!])), value: Number(value) };
    });
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
function total(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}


describe('GET /metrics', () => {
  it('counts the credits the mutations charged by meter, the entries by kind, and times the writes', async () => {
    const { token, globalId } = await newSubscriber(server);
    const before = await scrape();
    const charges = [
      { meter: 'AI_CREDITS', amount: 7 },
      { meter: 'AI_CREDITS', amount: 5 },
      { meter: 'VIDEO_GENERATIONS', amount: 2 },
    ] as const;
    for (const [index, { meter, amount }] of charges.entries()) {
      const { data } = await execute(server.url, ConsumeCreditsDocument, { token, variables: { input: { accountId: globalId, meter, amount, idempotencyKey: `m-${index}` } } });
      as(data?.consumeCredits, 'ConsumeCreditsSuccess');
    }
    // A reservation of 10 of which the work used 6: the commit charges 6.
    const { data: reserved } = await execute(server.url, ReserveCreditsDocument, { token, variables: { input: { accountId: globalId, meter: 'AI_CREDITS', amount: 10, idempotencyKey: 'r-1' } } });
    const { reservationId } = as(reserved?.reserveCredits, 'ReserveCreditsSuccess');
    const { data: committed } = await execute(server.url, CommitReservationDocument, {
      token,
      variables: { input: { reservationId, amounts: [{ meter: 'AI_CREDITS', amount: 6 }], idempotencyKey: 'c-1' } },
    });
    as(committed?.commitReservation, 'CommitReservationSuccess');
    // A retry with the same key charges nothing and writes nothing.
    const { data: replay } = await execute(server.url, ConsumeCreditsDocument, { token, variables: { input: { accountId: globalId, meter: 'AI_CREDITS', amount: 7, idempotencyKey: 'm-0' } } });
    as(replay?.consumeCredits, 'ConsumeCreditsSuccess');
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
    expect(moved('creditstream_credits_charged_total', { meter: 'AI_CREDITS' })).toBe(7 + 5 + 6);
    expect(moved('creditstream_credits_charged_total', { meter: 'VIDEO_GENERATIONS' })).toBe(2);
    expect(moved('creditstream_charges_total', { meter: 'AI_CREDITS' })).toBe(3);
    expect(moved('creditstream_charges_total', { meter: 'VIDEO_GENERATIONS' })).toBe(1);
    expect(moved('creditstream_ledger_entries_total', { kind: 'DEBIT' })).toBe(3);
    expect(moved('creditstream_ledger_entries_total', { kind: 'HOLD' })).toBe(1);
    expect(moved('creditstream_ledger_entries_total', { kind: 'COMMIT' })).toBe(1);
    // The 4 the work did not use went back.
    expect(moved('creditstream_ledger_entries_total', { kind: 'RELEASE' })).toBe(1);
    expect(moved('creditstream_ledger_entries_total')).toBe(6);
    // One batch per write here (nothing else waited), and each but the replay wrote entries to copy.
    expect(moved('creditstream_ledger_write_duration_seconds_count')).toBe(6);
    expect(moved('creditstream_ledger_batch_size_count')).toBe(6);
    expect(moved('creditstream_ledger_batch_size_sum')).toBe(6);
    expect(moved('creditstream_ledger_entry_copy_duration_seconds_count')).toBe(5);
    expect(moved('graphql_envelop_request', { operationType: 'mutation' })).toBe(6);
    expect(moved('graphql_yoga_http_duration_count', { method: 'POST', statusCode: '200' })).toBe(6);

    // The other app in this process counted none of it.
    expect(total(await scrape(guarded.url, { authorization: `Bearer ${METRICS_TOKEN}` }), 'creditstream_credits_charged_total')).toBe(0);
  });

  it('counts GraphQL errors by extensions.code', async () => {
    const before = await scrape();
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await post({ query: '{ viewer { subject } }' });
    await post({ query: '{ viewer { subject } }' }, { authorization: 'Bearer not-a-token' });
    await post({ query: '{ viewer { ' });
    await post({ query: '{ noSuchField }' });
    const after = await scrape();
    const moved = (code: string) => total(after, 'graphql_envelop_error_result', { code }) - total(before, 'graphql_envelop_error_result', { code });
    expect(moved('UNAUTHENTICATED')).toBe(2);
    expect(moved('GRAPHQL_PARSE_FAILED')).toBe(1);
    expect(moved('GRAPHQL_VALIDATION_FAILED')).toBe(1);
  });

  it('follows WebSockets and subscriptions as they open and close, and counts the ticks sent', async () => {
    const { token, globalId } = await newSubscriber(server);
    const before = await scrape();
    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 0 });
    const first = await usage.next();
    expect(first.value?.data?.creditUsage.seq).toBe(1);

    const open = await scrape();
    expect(total(open, 'creditstream_websockets_open') - total(before, 'creditstream_websockets_open')).toBe(1);
    expect(total(open, 'creditstream_subscriptions_open', { feed: 'credit_ticks' }) - total(before, 'creditstream_subscriptions_open', { feed: 'credit_ticks' })).toBe(1);

    const { data } = await execute(server.url, ConsumeCreditsDocument, { token, variables: { input: { accountId: globalId, meter: 'AI_CREDITS', amount: 3, idempotencyKey: 'tick-1' } } });
    as(data?.consumeCredits, 'ConsumeCreditsSuccess');
    // The account's opening ticks, then the debit's.
    let received = 1;
    while ((await usage.next()).value?.data?.creditUsage.kind !== 'DEBIT') received += 1;
    received += 1;
    const sent = await scrape();
    expect(total(sent, 'creditstream_ticks_sent_total') - total(before, 'creditstream_ticks_sent_total')).toBe(received);

    await socket.dispose();
    await vi.waitFor(async () => {
      const closed = await scrape();
      expect(total(closed, 'creditstream_websockets_open')).toBe(total(before, 'creditstream_websockets_open'));
      expect(total(closed, 'creditstream_subscriptions_open', { feed: 'credit_ticks' })).toBe(total(before, 'creditstream_subscriptions_open', { feed: 'credit_ticks' }));
    });
  });

  it("serves the process's metrics too", async () => {
    const samples = await scrape();
    expect(total(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(total(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe('who may read /metrics', () => {
  it('without METRICS_TOKEN: a loopback client, not a request a proxy forwarded', async () => {
    const forwarded = await fetch(metricsUrl(server.url), { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(forwarded.status).toBe(403);
    expect(await forwarded.text()).toContain('METRICS_TOKEN');
    expect((await fetch(metricsUrl(server.url), { method: 'POST' })).status).toBe(405);
  });

  it('with METRICS_TOKEN: whoever sends it as a bearer token, loopback or not', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-of-some-length', `Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN]) {
      const refused = await fetch(metricsUrl(guarded.url), { headers: authorization === undefined ? {} : { authorization } });
      expect(refused.status, authorization).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    }
    await scrape(guarded.url, { authorization: `Bearer ${METRICS_TOKEN}`, 'x-forwarded-for': '203.0.113.9' });
  });
});
