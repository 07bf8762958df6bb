import { describe, expect, it } from 'vitest';
import { expectOk, TestAccount, type TestOperation } from '../ledger/test-support.js';
import { webhookEventsOf, type WebhookEvent } from './ledger-events.js';

const T0 = '2025-03-01T12:00:00Z';

/** The events of what `act` writes to the account, as one write gives them. */
function eventsOf(account: TestAccount, act: () => void): WebhookEvent[] {
  const before = account.entries.length;
  act();
  return webhookEventsOf(account.entries.slice(before), account.state);
}

const apply = (account: TestAccount, operation: TestOperation) => () => void expectOk(account.apply(operation));
const bodyOf = (event: WebhookEvent) => JSON.parse(event.payload) as { id: string; type: string; timestamp: string; data: Record<string, unknown> };

describe('webhook events from ledger entries', () => {
  it('announce 80 % and 100 % as the ticks do, and exhaustion when available reaches 0, with the figures a backend needs', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    // image.generate 4K costs 4 credits an image: 40 of 50 is 80 %.
    const first = eventsOf(account, apply(account, { type: 'DEBIT', idempotencyKey: 'a', feature: 'image.generate', parameters: { resolution: '4K', count: 8 } }));
    expect(first).toHaveLength(0);
    const crossing = eventsOf(account, apply(account, { type: 'DEBIT', idempotencyKey: 'b', feature: 'image.generate', parameters: { resolution: '4K', count: 2 } }));
    expect(crossing.map((event) => event.type)).toEqual(['credits.threshold_crossed']);
    const last = eventsOf(account, () => {
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'c', feature: 'image.generate', parameters: { resolution: '4K', count: 2 } }));
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'image.generate', parameters: { resolution: 'SD', count: 2 }, memberId: 'm1' }));
    });
    expect(last.map((event) => [event.type, bodyOf(event).data.percent])).toEqual([
      ['credits.threshold_crossed', 100],
      ['credits.exhausted', undefined],
    ]);
    const body = bodyOf(last[1]!);
    expect(body).toMatchObject({ id: last[1]!.id, type: 'credits.exhausted', timestamp: new Date(T0).toISOString() });
    expect(body.data).toMatchObject({
      accountId: 'acct-1',
      account: Buffer.from('Account:acct-1').toString('base64'),
      seq: last[1]!.seq,
      meter: 'AI_CREDITS',
      available: 0,
      used: 50,
      allowance: 50,
      member: 'm1',
      resetsAt: account.state.meters.AI_CREDITS.periodEnd.toISOString(),
    });
    expect(last.map((event) => event.ordinal)).toEqual([0, 1]);
  });

  it('give the same ids for the same entries (a second copy adds nothing) and distinct ids for distinct events', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    const events = eventsOf(account, apply(account, { type: 'DEBIT', idempotencyKey: 'a', feature: 'image.generate', parameters: { resolution: '4K', count: 8 } }));
    expect(events.length).toBe(0);
    const entries = account.entries.slice();
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 5, kind: 'TOP_UP' }));
    const again = webhookEventsOf(account.entries.slice(entries.length), account.state);
    expect(webhookEventsOf(account.entries.slice(entries.length), account.state)).toEqual(again);
    const ids = [...eventsOf(account, apply(account, { type: 'DEBIT', idempotencyKey: 'b', feature: 'image.generate', parameters: { resolution: '4K', count: 4 } })), ...again].map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('report top-ups and adjustments as credits.granted, with the credits moved', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const granted = eventsOf(account, apply(account, { type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 500, kind: 'TOP_UP', metadata: { order: 'o-1' } }));
    expect(granted.map((event) => [event.type, bodyOf(event).data.credits, bodyOf(event).data.grantKind])).toEqual([['credits.granted', 500, 'TOP_UP']]);
    expect(bodyOf(granted[0]!).data).toMatchObject({ available: 1500, metadata: { order: 'o-1' } });
    const removed = eventsOf(account, apply(account, { type: 'REMOVE_CREDITS', idempotencyKey: 'r', meter: 'AI_CREDITS', amount: 200 }));
    expect(removed.map((event) => [event.type, bodyOf(event).data.credits, bodyOf(event).data.grantKind])).toEqual([['credits.granted', -200, 'ADJUSTMENT']]);
  });

  it('report a new period as credits.reset (its end as resetsAt), and credits expiring with the old one as no exhaustion', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    const periodEnd = account.state.meters.AI_CREDITS.periodEnd;
    const reset = eventsOf(account, () => account.at(periodEnd).advance()).filter((event) => bodyOf(event).data.meter === 'AI_CREDITS');
    expect(reset.map((event) => event.type)).toEqual(['credits.reset']);
    expect(bodyOf(reset[0]!).data).toMatchObject({
      meter: 'AI_CREDITS',
      available: 50,
      used: 0,
      periodStart: periodEnd.toISOString(),
      resetsAt: account.state.meters.AI_CREDITS.periodEnd.toISOString(),
    });
  });

  it('date an entry before a reset written in the same batch with the period it belonged to', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    const periodEnd = account.state.meters.AI_CREDITS.periodEnd;
    const events = eventsOf(account, () => {
      expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 5, kind: 'TOP_UP' }));
      account.at(periodEnd).advance();
    });
    const granted = events.find((event) => event.type === 'credits.granted')!;
    expect(bodyOf(granted).data.resetsAt).toBe(periodEnd.toISOString());
  });

  it('report a hold released by its TTL as reservation.expired, with what it gave back', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'video.render', parameters: { resolution: '4K' }, ttlMs: 60_000 }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    const expired = eventsOf(account, () => account.at(new Date(new Date(T0).getTime() + 61_000)).advance());
    expect(expired.map((event) => event.type)).toEqual(['reservation.expired']);
    expect(bodyOf(expired[0]!).data).toMatchObject({
      holdId: held.holdId,
      feature: 'video.render',
      released: [
        { meter: 'AI_CREDITS', credits: 8 },
        { meter: 'VIDEO_GENERATIONS', credits: 1 },
      ],
    });
  });

  it('report a failed generation once, with what it cost', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'video.render', parameters: { resolution: '4K' } }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    const failed = eventsOf(account, apply(account, { type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId: held.holdId, stage: 'AFTER_PROVIDER_WORK' }));
    expect(failed.map((event) => event.type)).toEqual(['generation.failed']);
    expect(bodyOf(failed[0]!).data).toMatchObject({ holdId: held.holdId, stage: 'AFTER_WORK', cost: [{ meter: 'AI_CREDITS', credits: 8 }] });
    const committed = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h2', feature: 'video.render', parameters: { resolution: '4K' } }));
    if (committed.type !== 'HELD') throw new Error('expected a hold');
    expect(eventsOf(account, apply(account, { type: 'COMMIT', idempotencyKey: 'c', holdId: committed.holdId }))).toEqual([]);
  });

  it('report plan changes, applied or scheduled', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const upgraded = eventsOf(account, apply(account, { type: 'CHANGE_PLAN', idempotencyKey: 'up', planId: 'rheos.business' }));
    expect(upgraded.filter((event) => event.type === 'plan.changed').map((event) => bodyOf(event).data)).toMatchObject([
      { status: 'APPLIED', fromPlanId: 'rheos.pro', toPlanId: 'rheos.business' },
    ]);
    const scheduled = eventsOf(account, apply(account, { type: 'CHANGE_PLAN', idempotencyKey: 'down', planId: 'rheos.free' }));
    expect(scheduled.map((event) => bodyOf(event).data)).toMatchObject([{ status: 'SCHEDULED', toPlanId: 'rheos.free', effectiveAt: account.state.pendingPlan!.effectiveAt.toISOString() }]);
  });

  it("report an account's own terms as policy.changed, and the day's limit reached as credits.daily_limit_reached with the day's figures", () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const set = eventsOf(account, apply(account, { type: 'SET_CREDIT_POLICY', idempotencyKey: 'p', meter: 'AI_CREDITS', terms: { allowance: 1000, dailyLimit: 8 }, effective: 'NOW' }));
    expect(set.map((event) => event.type)).toEqual(['policy.changed']);
    expect(bodyOf(set[0]!).data).toMatchObject({ meter: 'AI_CREDITS', status: 'APPLIED', allowance: 1000, dailyLimit: 8, meters: [{ meter: 'AI_CREDITS', allowance: 1000, dailyLimit: 8, usedToday: 0 }] });

    // image.generate 4K costs 4 credits an image: two reach the day's limit of 8.
    const reached = eventsOf(account, apply(account, { type: 'DEBIT', idempotencyKey: 'd', feature: 'image.generate', parameters: { resolution: '4K', count: 2 }, memberId: 'm1' }));
    expect(reached.map((event) => event.type)).toEqual(['credits.daily_limit_reached']);
    expect(bodyOf(reached[0]!).data).toMatchObject({ meter: 'AI_CREDITS', member: 'm1', dailyLimit: 8, usedToday: 8, dayResetsAt: '2025-03-02T00:00:00.000Z' });
  });
});
