import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event-types.js';
import { execute } from '../graphql/client.js';
import { ChangePlanDocument, ConsumeCreditsDocument, GenerateDocument, ReservationsDocument, ReserveCreditsDocument, SetCreditPolicyDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { useTestServer } from '../graphql/test-server.js';
import { as, byMeter, resultOf } from '../graphql/write-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { Receiver, signedFor, type Delivery } from './receiver.js';
import { webhookApi, type RegisteredEndpoint } from './webhook-fixture.js';

/**
 * Every event type caused through the public API, as a product and its billing service would,
 * and delivered to two endpoints that want them all: an organization's pool (so that what its
 * member does names the member) on Rheos Free, 50 AI credits a month, on a clock the test moves.
 */
const clock = new TestClock(new Date(Math.floor(Date.now() / 1000) * 1000));
// The outbox looked at every 50 ms; generations fail when asked to; holds live a minute of the test's clock.
const server = useTestServer({ now: clock.now, env: { WEBHOOK_POLL_MS: '50', SIMULATED_PROVIDER_FAILURES: 'true', LEDGER_HOLD_TTL_SECONDS: '60' } });
const api = webhookApi(server);

const MEMBER = 'ana';
const ACCOUNT = 'org:every-event';
const accountId = accountGlobalId(ACCOUNT);

type Event = { id: string; type: string; timestamp: string; data: Record<string, unknown> & { seq: number } };

const receivers = [new Receiver(), new Receiver()];
let endpoints: RegisteredEndpoint[] = [];
let memberToken = '';
beforeAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.start()));
  // Opened before the endpoints exist, so that they get only the events caused below.
  memberToken = await api.open({ sub: MEMBER, org: 'every-event' });
  // Endpoints hear of entries made from their registration on, on the ledger's clock: a second later.
  clock.set(new Date(clock.now().getTime() + 1000));
  const everyType = WEBHOOK_EVENT_TYPES.map((type) => type.toUpperCase().replace('.', '_'));
  endpoints = await Promise.all(receivers.map((receiver, index) => api.register(receiver.url, everyType, `every event ${index}`)));
});
afterAll(() => Promise.all(receivers.map((receiver) => receiver.stop())));

let keys = 0;
const key = () => `every-event-${++keys}`;
const iso = (instant: unknown) => new Date(instant as string).toISOString();

/** The member spends `amount` AI credits of the pool. */
async function consume(amount: number) {
  const input = { accountId, meter: 'AI_CREDITS', amount, idempotencyKey: key() } as const;
  return as(await resultOf(server.url, ConsumeCreditsDocument, memberToken, { input }), 'ConsumeCreditsSuccess');
}

// The member's own account gets events too (its period ends with the pool's): only the pool's are looked at.
const ofPool = (delivery: Delivery) => (JSON.parse(delivery.body) as { data: { accountId: string } }).data.accountId === ACCOUNT;

/** Waits for `count` requests of the pool, then for a quiet while in which nothing more (a duplicate) comes. */
async function settled(receiver: Receiver, count: number): Promise<Delivery[]> {
  await receiver.of(undefined, count, ofPool);
  for (let seen = receiver.requests.length; ; seen = receiver.requests.length) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    if (receiver.requests.length === seen) return receiver.requests.filter(ofPool);
  }
}

const EXPECTED_TYPES = [
  'credits.granted',
  'generation.failed',
  'reservation.expired',
  'credits.threshold_crossed',
  'credits.threshold_crossed',
  'credits.exhausted',
  'plan.changed',
  'credits.daily_limit_reached',
  'policy.changed',
  // Both meters of the plan begin a period on the billing day.
  'credits.reset',
  'credits.reset',
];

describe('every webhook event type, delivered to two endpoints (issue 15)', () => {
  const instants = { opened: '', expired: '', periodEnd: '', nextPeriodEnd: '' };
  let received: Delivery[][] = [];

  beforeAll(async () => {
    const service = await api.service();
    instants.opened = clock.now().toISOString();
    // credits.granted: a top-up of 50 beside the plan's 50.
    await api.grant(ACCOUNT, 50, key());

    // generation.failed: a brand analysis (5 credits, charged in full when the provider fails after its work).
    const generateInput = { feature: 'brand.analyze', input: { brand: 'acme', simulateFailure: 'AFTER_PROVIDER_WORK' }, idempotencyKey: key() };
    const failed = as(await resultOf(server.url, GenerateDocument, memberToken, { input: generateInput }), 'GenerationFailedError');
    expect(failed.charged).toEqual([{ meter: 'AI_CREDITS', amount: 5 }]);

    // reservation.expired: a hold of 10 that the clock passes (the due sweep, or reading the reservations, persists what it released).
    const reserveInput = { accountId, meter: 'AI_CREDITS', amount: 10, idempotencyKey: key() } as const;
    const reserved = as(await resultOf(server.url, ReserveCreditsDocument, memberToken, { input: reserveInput }), 'ReserveCreditsSuccess');
    instants.expired = iso(reserved.expiresAt);
    clock.set(instants.expired);
    const reservations = await execute(server.url, ReservationsDocument, { token: service, variables: { id: accountId } });
    expect(reservations.data?.account?.reservations.edges.map(({ node }) => node.status)).toEqual(['EXPIRED', 'FAILED']);

    // credits.threshold_crossed at 80 % (80 of 100 gone), then at 100 % with credits.exhausted.
    await consume(75);
    expect(byMeter((await consume(20)).balances).AI_CREDITS).toMatchObject({ available: 0, used: 100 });

    // plan.changed: an upgrade, applied at once.
    const changed = await resultOf(server.url, ChangePlanDocument, service, { input: { accountId, plan: 'rheos.pro', idempotencyKey: key() } });
    instants.periodEnd = iso(byMeter(as(changed, 'ChangePlanSuccess').balances).AI_CREDITS!.resetsAt);

    // policy.changed: the pool's own terms, at most 100 a day; the day has used 100 already (5 + 75 + 20), so they reach the day's limit.
    const policyInput = { accountId, meter: 'AI_CREDITS', dailyLimit: 100, effective: 'NOW', reason: 'contract 7', idempotencyKey: key() } as const;
    as(await resultOf(server.url, SetCreditPolicyDocument, service, { input: policyInput }), 'CreditPolicyChange');

    // credits.reset: the period ends (the due sweep, or the account's next write, applies the reset).
    clock.set(instants.periodEnd);
    instants.nextPeriodEnd = iso(byMeter((await consume(1)).balances).AI_CREDITS!.resetsAt);

    received = await Promise.all(receivers.map((receiver) => settled(receiver, EXPECTED_TYPES.length)));
  });

  /** The events each endpoint got, each verified with that endpoint's own secret (and not the other's). */
  const eventsOf = (index: number): Event[] =>
    received[index]!.map((delivery) => {
      const event = endpoints[index]!.webhook.verify(delivery.body, delivery.headers as Record<string, string>) as Event;
      expect(signedFor(endpoints[1 - index]!.webhook)(delivery)).toBe(false);
      expect(delivery.headers['webhook-id']).toBe(event.id);
      return event;
    });

  it('gives each endpoint each event once, signed with its own secret, webhook-id its id, in seq order, every type among them', () => {
    for (const index of [0, 1]) {
      const events = eventsOf(index);
      expect(events.map((event) => event.type)).toEqual(EXPECTED_TYPES);
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
      expect(new Set(events.map((event) => event.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
      const seqs = events.map((event) => event.data.seq);
      expect(seqs.every((seq) => Number.isInteger(seq))).toBe(true);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(events.every((event) => event.data.account === accountId && event.data.accountId === ACCOUNT)).toBe(true);
    }
    // The same events, byte for byte, to both.
    expect(received[1]!.map((delivery) => delivery.body)).toEqual(received[0]!.map((delivery) => delivery.body));
  });

  it('carries the figures a backend needs: the meter after the entry, its period end, the member, what a failure cost, what expired', () => {
    const { opened, expired, periodEnd, nextPeriodEnd } = instants;
    const events = eventsOf(0);
    const ai = { meter: 'AI_CREDITS', reserved: 0, unlimited: false };
    const member = MEMBER;
    expect(events.map((event) => event.data)).toMatchObject([
      { ...ai, credits: 50, grantKind: 'TOP_UP', available: 100, used: 0, allowance: 50, resetsAt: periodEnd, member: null },
      {
        feature: 'brand.analyze',
        stage: 'AFTER_WORK',
        member,
        cost: [{ meter: 'AI_CREDITS', credits: 5 }],
        meters: [{ ...ai, available: 95, used: 5, allowance: 50, resetsAt: periodEnd }],
      },
      { member, released: [{ meter: 'AI_CREDITS', credits: 10 }], meters: [{ ...ai, available: 95, used: 5, allowance: 50, resetsAt: periodEnd }] },
      { ...ai, percent: 80, available: 20, used: 80, allowance: 50, resetsAt: periodEnd, member },
      { ...ai, percent: 100, available: 0, used: 100, allowance: 50, resetsAt: periodEnd, member },
      { ...ai, available: 0, used: 100, allowance: 50, resetsAt: periodEnd, member },
      {
        status: 'APPLIED',
        fromPlanId: 'rheos.free',
        toPlanId: 'rheos.pro',
        meters: [
          { ...ai, available: 950, used: 100, allowance: 1000, resetsAt: periodEnd },
          { meter: 'VIDEO_GENERATIONS', available: 0, used: 0, allowance: 0, resetsAt: periodEnd },
        ],
      },
      { ...ai, available: 950, used: 100, allowance: 1000, dailyLimit: 100, usedToday: 100, dayResetsAt: expect.any(String), member: null },
      { meter: 'AI_CREDITS', status: 'APPLIED', dailyLimit: 100, allowance: null, meters: [{ ...ai, available: 950, dailyLimit: 100, usedToday: 100 }] },
      { ...ai, periodStart: periodEnd, planId: 'rheos.pro', available: 1000, used: 0, allowance: 1000, resetsAt: nextPeriodEnd, member: null },
      { meter: 'VIDEO_GENERATIONS', periodStart: periodEnd, planId: 'rheos.pro', available: 0, used: 0, allowance: 0, resetsAt: nextPeriodEnd },
    ]);
    // Each dated on the ledger's clock when it happened: the expiry at the hold's end, the resets at the period's.
    expect(events.map((event) => event.timestamp)).toEqual([opened, opened, expired, expired, expired, expired, expired, expired, expired, periodEnd, periodEnd]);
  });
});
