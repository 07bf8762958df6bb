import { describe, expect, it } from 'vitest';
import { meterFigures } from './account-state.js';
import { memberUsage } from './balances.js';
import { DEFAULT_PRICING_CATALOG, parsePricingCatalog } from './pricing.js';
import { replayEntries } from './replay.js';
import { summarizeUsage } from './summaries.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

/** A 300-credit job on top of the usual features, so that one hold is a visible part of an allowance. */
const PRICING = parsePricingCatalog({
  features: {
    ...DEFAULT_PRICING_CATALOG.features,
    'batch.run': { meters: { AI_CREDITS: { baseCost: 300, chargeOnProviderFailure: 'FULL' } } },
  },
});
const HOUR = 3_600_000;
const MARCH = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z') };
const APRIL = { from: new Date('2025-04-01T00:00:00Z'), to: new Date('2025-05-01T00:00:00Z') };

/** Rheos Pro: 1,000 AI credits a month, renewed on the 1st at midnight UTC; 300 held at 23:30 on March 31st. */
function heldBeforeReset(accountType: 'USER' | 'ORGANIZATION' = 'USER') {
  const account = TestAccount.open({ planId: 'rheos.pro', accountType }, '2025-03-01T00:00:00Z', { pricing: PRICING });
  account.at('2025-03-31T23:30:00Z');
  const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'batch.run', memberId: 'ana', ttlMs: 2 * HOUR }));
  if (held.type !== 'HELD') throw new Error('expected a hold');
  return { account, holdId: held.holdId };
}

/** A ReelBot account (AI credits renew daily at midnight, UTC here; video generations monthly): `feature` held at 23:55 on March 10th, committed at 00:05. */
function committedAfterMidnight(planId: string, feature: string): TestAccount {
  const account = TestAccount.open({ planId }, '2025-03-01T12:00:00Z');
  account.at('2025-03-10T23:55:00Z');
  const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature }));
  if (held.type !== 'HELD') throw new Error('expected a hold');
  account.at('2025-03-11T00:05:00Z');
  expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId: held.holdId }));
  return account;
}

const day = (date: string) => ({ from: new Date(`${date}T00:00:00Z`), to: new Date(new Date(`${date}T00:00:00Z`).getTime() + 24 * HOUR) });

function expectReplayable(account: TestAccount): void {
  const projection = replayEntries(account.entries);
  expect(projection.meters.AI_CREDITS).toEqual(meterFigures(account.state, 'AI_CREDITS'));
  expect(projection.meters.VIDEO_GENERATIONS).toEqual(meterFigures(account.state, 'VIDEO_GENERATIONS'));
}

describe('a hold across a period reset', () => {
  it('taken before the reset and committed after it is usage of the period that supplied it, not of the new one', () => {
    const { account, holdId } = heldBeforeReset();
    account.at('2025-04-01T00:15:00Z');
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000, reserved: 300, used: 0 });

    const settled = expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId }));
    expect(settled).toMatchObject({ settlement: 'COMMITTED', committed: { AI_CREDITS: 300 }, released: {}, expired: {} });
    // The new period has used nothing; the credits came out of March's allowance, which held them.
    expect(account.balance()).toMatchObject({ allowance: 1_000, available: 1_000, reserved: 0, used: 0 });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'COMMIT',
      at: new Date('2025-04-01T00:15:00Z'),
      changes: [
        {
          meter: 'AI_CREDITS',
          delta: 0,
          usedDelta: 0,
          usedAfter: 0,
          reservedDelta: -300,
          earlierPeriod: { periodStart: MARCH.from, heldAt: new Date('2025-03-31T23:30:00Z'), used: 300 },
        },
      ],
    });
    expectReplayable(account);
    expect(summarizeUsage(account.entries, { ...MARCH, groupBy: 'FEATURE' })).toEqual([{ key: 'batch.run', meter: 'AI_CREDITS', used: 300 }]);
    expect(summarizeUsage(account.entries, { ...APRIL, groupBy: 'FEATURE' })).toEqual([]);
    expect(summarizeUsage(account.entries, { ...MARCH, groupBy: 'DAY' })).toEqual([{ key: '2025-03-31', meter: 'AI_CREDITS', used: 300 }]);
  });

  it('charged for a failure after the reset is the old period’s usage too, and a part commit releases the rest as usual', () => {
    const failed = heldBeforeReset();
    failed.account.at('2025-04-01T00:15:00Z');
    const outcome = expectOk(failed.account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId: failed.holdId, stage: 'AFTER_PROVIDER_WORK' }));
    expect(outcome).toMatchObject({ settlement: 'FAILED_AFTER_WORK', committed: { AI_CREDITS: 300 } });
    expect(failed.account.balance()).toMatchObject({ available: 1_000, used: 0 });
    expect(failed.account.entries.at(-1)?.changes[0]).toMatchObject({ usedDelta: 0, earlierPeriod: { periodStart: MARCH.from, used: 300 } });
    expectReplayable(failed.account);

    // Part of it: the rest was March's allowance, which has expired meanwhile, so it is forfeited.
    const part = heldBeforeReset();
    part.account.at('2025-04-01T00:15:00Z');
    expect(expectOk(part.account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId: part.holdId, amounts: { AI_CREDITS: 100 } }))).toMatchObject({
      committed: { AI_CREDITS: 100 },
      expired: { AI_CREDITS: 200 },
    });
    expect(part.account.balance()).toMatchObject({ available: 1_000, reserved: 0, used: 0 });
    expect(part.account.entries.slice(-2).map((entry) => [entry.kind, entry.changes[0]?.usedDelta, entry.changes[0]?.earlierPeriod?.used])).toEqual([
      ['COMMIT', 0, 100],
      ['EXPIRY', 0, undefined],
    ]);
    expectReplayable(part.account);
  });

  it("counts neither against a member's usage nor its cap in the new period", () => {
    const { account, holdId } = heldBeforeReset('ORGANIZATION');
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'cap', memberId: 'ana', meter: 'AI_CREDITS', cap: 400 }));
    account.at('2025-04-01T00:15:00Z');
    // March's hold is March's: ana may still hold up to her whole cap for April.
    const april = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h2', feature: 'batch.run', memberId: 'ana' }));
    if (april.type !== 'HELD') throw new Error('expected a hold');
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'batch.run', memberId: 'ana' }))).toMatchObject({
      code: 'MEMBER_CAP_EXCEEDED',
      used: 300,
    });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId }));
    const ana = () => memberUsage(account.state, account.context).find((row) => row.memberId === 'ana' && row.meter === 'AI_CREDITS');
    expect(ana()).toMatchObject({ used: 0, reserved: 300, cap: 400 });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c2', holdId: april.holdId }));
    expect(ana()).toMatchObject({ used: 300, reserved: 0 });
    expect(account.balance()).toMatchObject({ available: 700, used: 300 });
    expect(summarizeUsage(account.entries, { ...MARCH, groupBy: 'MEMBER' })).toEqual([{ key: 'ana', meter: 'AI_CREDITS', used: 300 }]);
    expect(summarizeUsage(account.entries, { ...APRIL, groupBy: 'MEMBER' })).toEqual([{ key: 'ana', meter: 'AI_CREDITS', used: 300 }]);
    expectReplayable(account);
  });

  it('is judged per meter: a render held before midnight charges yesterday’s AI credits and this month’s video generation', () => {
    const account = committedAfterMidnight('reelbot.pro', 'video.render');
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 500, used: 0 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 59, used: 1 });
    const [ai, video] = account.entries.at(-1)?.changes ?? [];
    expect(ai).toMatchObject({ meter: 'AI_CREDITS', usedDelta: 0, earlierPeriod: { periodStart: new Date('2025-03-10T00:00:00Z'), used: 2 } });
    expect(video).toMatchObject({ meter: 'VIDEO_GENERATIONS', usedDelta: 1 });
    expect(video).not.toHaveProperty('earlierPeriod');
    expect(summarizeUsage(account.entries, { ...day('2025-03-10'), groupBy: 'FEATURE' })).toEqual([{ key: 'video.render', meter: 'AI_CREDITS', used: 2 }]);
    expect(summarizeUsage(account.entries, { ...day('2025-03-11'), groupBy: 'FEATURE' })).toEqual([{ key: 'video.render', meter: 'VIDEO_GENERATIONS', used: 1 }]);
    expectReplayable(account);
  });

  it('on an unlimited meter records the usage for the period it was held in', () => {
    const account = committedAfterMidnight('reelbot.enterprise', 'voiceover.generate');
    expect(account.balance()).toMatchObject({ unlimited: true, reserved: 0, used: 0 });
    expect(account.entries.at(-1)?.changes[0]).toMatchObject({
      unlimited: true,
      delta: 0,
      usedDelta: 0,
      reservedDelta: -3,
      earlierPeriod: { periodStart: new Date('2025-03-10T00:00:00Z'), used: 3 },
    });
    expect(summarizeUsage(account.entries, { ...day('2025-03-10'), groupBy: 'FEATURE' })).toEqual([{ key: 'voiceover.generate', meter: 'AI_CREDITS', used: 3 }]);
    expectReplayable(account);
  });

  it('committed in the period it was taken in is that period’s usage, as always', () => {
    const { account, holdId } = heldBeforeReset();
    account.at('2025-03-31T23:45:00Z');
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId }));
    expect(account.balance()).toMatchObject({ available: 700, used: 300 });
    expect(account.entries.at(-1)?.changes[0]).toMatchObject({ usedDelta: 300 });
    expect(account.entries.at(-1)?.changes[0]).not.toHaveProperty('earlierPeriod');
  });

  it('stored before holds recorded their period counts in the current one, as it used to', () => {
    const { account, holdId } = heldBeforeReset();
    for (const line of account.state.holds[0]?.lines ?? []) delete line.periodStart;
    account.at('2025-04-01T00:15:00Z');
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId }));
    expect(account.balance()).toMatchObject({ available: 1_000, used: 300 });
    expectReplayable(account);
  });
});
