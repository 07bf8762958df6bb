import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { webhookModels, type WebhookEventDocument } from '../../src/store/webhook-models.js';
import { createWebhookOutbox, type AttemptOutcome, type WebhookOutbox } from '../../src/store/webhook-outbox.js';
import { openTestDatabase } from '../support/test-database.js';
import { TestClock } from './store-fixture.js';

let database: Database;
let outbox: WebhookOutbox;

beforeAll(async () => {
  database = await openTestDatabase('webhook-outbox');
  outbox = await createWebhookOutbox(database.connection);
});

afterAll(async () => {
  await database?.close();
});

const refused: AttemptOutcome = { ok: false, statusCode: 500, latencyMs: 3, error: null, responseSnippet: null };
const accepted: AttemptOutcome = { ok: true, statusCode: 200, latencyMs: 2, error: null, responseSnippet: null };
const endpoint = (id: string) => ({ id, eventTypes: ['credits.granted'], disabled: false, createdAt: new Date(0) });

function eventDocument(label: string, seq: number, recordedAt: Date): WebhookEventDocument {
  const _id = `evt_${`${label}-${seq}-`.padEnd(32, '0')}`;
  return { _id, type: 'credits.granted', accountId: `user:${label}`, seq, ordinal: 0, at: recordedAt, payload: '{}', recordedAt, routed: false };
}

/** An event of a new account routed to a new endpoint, and the endpoint's stream leased by `owner`. */
async function routedEvent(label: string) {
  const { Events } = await webhookModels(database.connection);
  const event = eventDocument(label, 1, new Date());
  await Events.create(event);
  await outbox.route(event, [endpoint(`whep_${label}`)]);
  const stream = await outbox.claimStream(label, 30_000);
  expect(stream).toMatchObject({ endpointId: `whep_${label}`, accountId: `user:${label}` });
  return { stream: stream!, endpointId: `whep_${label}`, eventId: event._id };
}

describe('the webhook outbox', () => {
  it('keeps a delivery pending when it was redelivered while an attempt was under way, and logs that attempt', async () => {
    const { stream, endpointId, eventId } = await routedEvent('midflight');
    const head = await outbox.head(stream);
    // The attempt is sent; the service asks for a redelivery before the worker records it.
    expect(await outbox.redeliver(endpointId, { eventId })).toBe(1);
    await outbox.recordAttempt(head!, accepted, new Date(), null);
    const after = await outbox.head(stream);
    expect(after).toMatchObject({ status: 'PENDING', attempts: 1, round: 1, lastStatusCode: 200 });
    expect((await outbox.attemptsOf([after!], 50)).get(after!._id)!.map((attempt) => attempt.attempt)).toEqual([1]);
    // The new round's attempt then delivers it.
    await outbox.recordAttempt(after!, accepted, new Date(), null);
    expect(await outbox.head(stream)).toBeNull();
  });

  it('counts failures per round: a redelivery starts the retry schedule again', async () => {
    const { stream, endpointId, eventId } = await routedEvent('rounds');
    const first = await outbox.head(stream);
    await outbox.recordAttempt(first!, refused, new Date(), new Date());
    const second = await outbox.head(stream);
    expect(second).toMatchObject({ attempts: 1, roundFailures: 1 });
    await outbox.recordAttempt(second!, refused, new Date(), null);
    expect(await outbox.head(stream)).toBeNull();

    expect(await outbox.redeliver(endpointId, { eventId })).toBe(1);
    const redelivered = await outbox.head(stream);
    expect(redelivered).toMatchObject({ status: 'PENDING', attempts: 2, round: 1, roundFailures: 0 });
    await outbox.recordAttempt(redelivered!, refused, new Date(), null);
    // The log shows the latest attempts of a delivery redelivered many times.
    const [shown] = (await outbox.attemptsOf([{ _id: redelivered!._id, attempts: 3 }], 2)).values();
    expect(shown!.map((attempt) => attempt.attempt)).toEqual([2, 3]);
  });

  it('routes the events of an account in seq order even when a later one was recorded by a process whose clock is behind', async () => {
    const { Events } = await webhookModels(database.connection);
    const at = Date.now() + 3_600_000;
    // seq 6 copied by a process 2 s behind the one that copied seq 5.
    await Events.create([eventDocument('clocks', 5, new Date(at)), eventDocument('clocks', 6, new Date(at - 2000))]);
    const unrouted = (await outbox.unrouted(100)).filter((event) => event.accountId === 'user:clocks');
    expect(unrouted.map((event) => event.seq)).toEqual([5, 6]);
  });

  it('measures its lag by what is overdue: neither a retry waiting out its delay nor a disabled endpoint counts', async () => {
    const clock = new TestClock(new Date(Date.now() + 7_200_000));
    const timed = await createWebhookOutbox(database.connection, clock.now);
    const { Events, Deliveries, Streams } = await webhookModels(database.connection);
    // The outbox of this test only: what the other tests left is routed and delivered.
    await Promise.all([Events.deleteMany({}), Deliveries.deleteMany({}), Streams.deleteMany({})]);
    const event = eventDocument('lag', 1, clock.now());
    await Events.create(event);
    clock.set(new Date(clock.now().getTime() + 4000));
    expect(await timed.lagSeconds([])).toBe(4);

    await timed.route(event, [endpoint('whep_lag')]);
    clock.set(new Date(clock.now().getTime() + 3000));
    expect(await timed.lagSeconds([])).toBe(3);
    expect(await timed.lagSeconds(['whep_lag'])).toBe(0);

    const head = await timed.head((await timed.claimStream('lag', 30_000))!);
    await timed.recordAttempt(head!, refused, clock.now(), new Date(clock.now().getTime() + 60_000));
    expect(await timed.lagSeconds([])).toBe(0);
    clock.set(new Date(clock.now().getTime() + 61_000));
    expect(await timed.lagSeconds([])).toBe(1);
  });

  it('gives an event to the endpoints registered by the time of its entry, however late its copy recorded it', async () => {
    const { Deliveries } = await webhookModels(database.connection);
    const entryAt = new Date(Date.now() - 60_000);
    // Copied a minute after its entry (the writer died before copying; the next write did).
    const event = { ...eventDocument('late-copy', 1, new Date()), at: entryAt };
    const before = { ...endpoint('whep_before'), createdAt: new Date(entryAt.getTime() - 1) };
    const after = { ...endpoint('whep_after'), createdAt: new Date(entryAt.getTime() + 1) };
    await outbox.route(event, [before, after]);
    expect((await Deliveries.find({ eventId: event._id }).lean()).map((delivery) => delivery.endpointId)).toEqual(['whep_before']);
  });

  it('routes the oldest unrouted event first, however many events another account has waiting', async () => {
    const { Events } = await webhookModels(database.connection);
    const at = Date.now() - 3_600_000;
    await Events.create([eventDocument('zzz', 1, new Date(at)), ...Array.from({ length: 150 }, (_, index) => eventDocument('aaa', index + 1, new Date(at + 1000 + index)))]);
    const batch = await outbox.unrouted(100);
    expect(batch.map((event) => event.accountId)).toContain('user:zzz');
    const aaa = batch.filter((event) => event.accountId === 'user:aaa').map((event) => event.seq);
    expect(aaa).toEqual(aaa.toSorted((a, b) => a - b));
  });
});
