import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeterFigures } from './account-state.js';
import type { LedgerEntry } from './entries.js';
import { closesPeriod, LOW_BALANCE_PERCENTS, lowBalanceNotices, lowBalanceReached } from './low-balance.js';
import type { Meter } from './meters.js';
import { expectOk, TestAccount, type TestOperation } from './test-support.js';

const figures = (overrides: Partial<MeterFigures>): MeterFigures => ({ unlimited: false, available: 0, used: 0, reserved: 0, allowance: 50, ...overrides });

/** The notices of `entries` on `meter`, as [kind, available after, thresholds], skipping entries without any. */
function noticesOf(entries: readonly LedgerEntry[], meter: Meter = 'AI_CREDITS'): [string, number, number[]][] {
  return entries.flatMap((entry) =>
    entry.changes
      .filter((change) => change.meter === meter && change.thresholdsCrossed.length > 0)
      .map((change): [string, number, number[]] => [entry.kind, change.availableAfter, change.thresholdsCrossed]),
  );
}

/** Every change of `entries` on `meter`, with its notices, to check that none was left out. */
const changesOf = (entries: readonly LedgerEntry[], meter: Meter = 'AI_CREDITS') =>
  entries.flatMap((entry) => entry.changes.filter((change) => change.meter === meter).map((change) => ({ kind: entry.kind, ...change })));

describe('lowBalanceReached', () => {
  it('measures what is gone (used and reserved) against everything the meter had this period, allowance and top-ups together', () => {
    // 50 allowance + 500 top-up, 50 used: 50 of 550 gone, far from 80%.
    expect(lowBalanceReached(figures({ used: 50, available: 500 }), 80)).toBe(false);
    expect(lowBalanceReached(figures({ used: 439, available: 111 }), 80)).toBe(false);
    expect(lowBalanceReached(figures({ used: 440, available: 110 }), 80)).toBe(true);
    // Reserved credits cannot be spent: they count as gone.
    expect(lowBalanceReached(figures({ used: 40, reserved: 400, available: 110 }), 80)).toBe(true);
    expect(lowBalanceReached(figures({ used: 0, reserved: 0, available: 1 }), 80)).toBe(false);
  });

  it('reaches 100% exactly when nothing is available, however much was used, reserved or allowed', () => {
    expect(lowBalanceReached(figures({ used: 549, available: 1 }), 100)).toBe(false);
    expect(lowBalanceReached(figures({ used: 550, available: 0 }), 100)).toBe(true);
    expect(lowBalanceReached(figures({ used: 0, reserved: 7, available: 0 }), 100)).toBe(true);
    expect(lowBalanceReached(figures({ used: 0, available: 0, allowance: 0 }), 100)).toBe(true);
    expect(lowBalanceReached(figures({ used: 0, available: 0, allowance: 0 }), 80)).toBe(true);
  });

  it('never on an unlimited meter', () => {
    expect(lowBalanceReached(figures({ unlimited: true, used: 1_000, available: 0 }), 80)).toBe(false);
    expect(lowBalanceReached(figures({ unlimited: true, used: 1_000, available: 0 }), 100)).toBe(false);
  });

  it('uses exact arithmetic: 80% of 3 is 2.4', () => {
    expect(lowBalanceReached(figures({ used: 2, available: 1 }), 80)).toBe(false);
    expect(lowBalanceReached(figures({ used: 3, available: 0 }), 80)).toBe(true);
    expect(lowBalanceReached(figures({ used: 4, available: 1 }), 80)).toBe(true);
  });
});

describe('lowBalanceNotices', () => {
  const crossing = { announced: [], closesPeriod: false };

  it('announces a threshold on the change that reaches it, not before and not after', () => {
    expect(lowBalanceNotices({ ...crossing, before: figures({ used: 78, available: 22 }), after: figures({ used: 79, available: 21 }) })).toEqual([]);
    expect(lowBalanceNotices({ ...crossing, before: figures({ used: 79, available: 21 }), after: figures({ used: 80, available: 20 }) })).toEqual([80]);
    expect(lowBalanceNotices({ ...crossing, before: figures({ used: 80, available: 20 }), after: figures({ used: 81, available: 19 }) })).toEqual([]);
    expect(lowBalanceNotices({ ...crossing, before: figures({ used: 99, available: 1 }), after: figures({ used: 100, available: 0 }) })).toEqual([100]);
  });

  it('announces every threshold one change jumps over, in order', () => {
    expect(lowBalanceNotices({ ...crossing, before: figures({ available: 50 }), after: figures({ used: 50, available: 0 }) })).toEqual([80, 100]);
    expect(LOW_BALANCE_PERCENTS).toEqual([80, 100]);
  });

  it('announces nothing already announced this period, even when credits came back and ran out again', () => {
    const before = figures({ used: 50, available: 10 });
    const after = figures({ used: 60, available: 0 });
    expect(lowBalanceNotices({ before, after, announced: [80], closesPeriod: false })).toEqual([100]);
    expect(lowBalanceNotices({ before, after, announced: [80, 100], closesPeriod: false })).toEqual([]);
  });

  it('announces nothing for a change that closes the period, nor for one that leaves a meter where it was', () => {
    // The period's unused allowance expiring at its end: the RESET that follows refills the meter.
    expect(lowBalanceNotices({ before: figures({ used: 5, available: 15 }), after: figures({ used: 5, available: 0 }), announced: [], closesPeriod: true })).toEqual([]);
    // A meter without allowance or credits starts every period at 100%: no entry took it there.
    expect(lowBalanceNotices({ ...crossing, before: figures({ allowance: 0 }), after: figures({ allowance: 0 }) })).toEqual([]);
  });

  it('announces nothing on an unlimited meter; one that becomes limited is measured from then on', () => {
    expect(lowBalanceNotices({ ...crossing, before: figures({ unlimited: true, used: 9 }), after: figures({ unlimited: true, used: 10 }) })).toEqual([]);
    expect(lowBalanceNotices({ ...crossing, before: figures({ unlimited: true, used: 9 }), after: figures({ used: 0, available: 0, allowance: 0 }) })).toEqual([80, 100]);
  });
});

describe('closesPeriod', () => {
  const periodEnd = new Date('2025-04-01T12:00:00Z');
  it('is an EXPIRY at or after the period end, or of the allowance (a plan change restarting the period)', () => {
    expect(closesPeriod({ kind: 'EXPIRY', at: periodEnd, details: { grantKind: 'TOP_UP' } }, periodEnd)).toBe(true);
    expect(closesPeriod({ kind: 'EXPIRY', at: new Date('2025-03-20T00:00:00Z'), details: { grantKind: 'ALLOWANCE' } }, periodEnd)).toBe(true);
    expect(closesPeriod({ kind: 'EXPIRY', at: new Date('2025-03-20T00:00:00Z'), details: { grantKind: 'TOP_UP' } }, periodEnd)).toBe(false);
    expect(closesPeriod({ kind: 'DEBIT', at: periodEnd }, periodEnd)).toBe(false);
  });
});

/** Debits exactly `credits` AI credits at catalog prices: image.generate costs 1 (SD) or 4 (4K) an image, up to 8 images. */
function spend(account: TestAccount, credits: number, key: string): void {
  let left = credits;
  let index = 0;
  const debit = (resolution: string, count: number) => {
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: `${key}-${index}`, feature: 'image.generate', parameters: { resolution, count } }));
    index += 1;
  };
  for (; left >= 32; left -= 32) debit('4K', 8);
  if (left >= 4) debit('4K', Math.floor(left / 4));
  if (left % 4 > 0) debit('SD', left % 4);
}

/** Holds `feature`'s price; answers the hold's id. */
function hold(account: TestAccount, key: string, feature: string, parameters: Record<string, string | number> = {}): string {
  const outcome = expectOk(account.apply({ type: 'HOLD', idempotencyKey: key, feature, parameters }));
  if (outcome.type !== 'HELD') throw new Error(`expected a hold, got ${outcome.type}`);
  return outcome.holdId;
}

describe('low-balance notices in the ledger', () => {
  const T0 = '2025-03-01T12:00:00Z';

  it('are about what the account can still spend: 50 allowance + 500 top-up, 50 used is no notice; 80 and 100 once each as it runs out', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'top-up', meter: 'AI_CREDITS', amount: 500, kind: 'TOP_UP' }));
    const holds = [hold(account, 'hold-5', 'brand.analyze'), hold(account, 'hold-2', 'script.generate')];
    spend(account, 40, 'a');
    spend(account, 10, 'b');
    // The issue: the allowance is used up, but 493 credits remain. Nothing is running out.
    expect(account.balance()).toMatchObject({ allowance: 50, used: 50, reserved: 7, available: 493 });
    expect(noticesOf(account.entries)).toEqual([]);

    // 80% of 550 is 440 gone: reached at 434 used with the 7 reserved, 109 still available.
    spend(account, 390, 'c');
    for (const holdId of holds) expectOk(account.apply({ type: 'COMMIT', idempotencyKey: `commit-${holdId}`, holdId }));
    spend(account, 102, 'd');
    expect(account.balance()).toMatchObject({ used: 549, reserved: 0, available: 1 });
    spend(account, 1, 'e');
    expect(account.balance()).toMatchObject({ used: 550, available: 0 });
    expect(noticesOf(account.entries)).toEqual([
      ['DEBIT', 109, [80]],
      ['DEBIT', 0, [100]],
    ]);

    // Credits come back and run out again in the same period: nothing more is announced.
    const announced = account.entries.length;
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'top-up-2', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' }));
    spend(account, 10, 'f');
    expect(account.balance()).toMatchObject({ available: 0 });
    expect(noticesOf(account.entries.slice(announced))).toEqual([]);

    // The next period starts with nothing announced.
    account.at('2025-04-01T12:00:00Z');
    const nextPeriod = account.entries.length;
    spend(account, 40, 'g');
    spend(account, 10, 'h');
    expect(noticesOf(account.entries.slice(nextPeriod))).toEqual([
      ['DEBIT', 10, [80]],
      ['DEBIT', 0, [100]],
    ]);
    expect(account.state.meters.AI_CREDITS.thresholdsAnnounced).toEqual([80, 100]);
  });

  it('announce 100 on the entry that takes available to 0 first in a period, and on no other', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'top-up', meter: 'AI_CREDITS', amount: 500, kind: 'TOP_UP' }));
    for (let index = 0; index < 11; index += 1) spend(account, 50, `spend-${index}`);
    expect(account.balance()).toMatchObject({ available: 0 });
    const exhausting = changesOf(account.entries).filter((change) => change.previousAvailable > 0 && change.availableAfter === 0);
    expect(exhausting).toHaveLength(1);
    expect(exhausting[0]!.thresholdsCrossed).toContain(100);
    expect(changesOf(account.entries).filter((change) => change.thresholdsCrossed.includes(100))).toEqual(exhausting);
  });

  it('come from reservations and expiries too: reserved credits cannot be spent, expired ones are gone', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    // Holding 32, then 44 of 50: 88% of the meter cannot be spent any more.
    hold(account, 'hold-32', 'image.generate', { resolution: '4K', count: 8 });
    hold(account, 'hold-12', 'image.generate', { resolution: '4K', count: 3 });
    expect(noticesOf(account.entries)).toEqual([['HOLD', 6, [80]]]);

    // Video generations: none in this plan, 10 bought that expire mid-period, none used.
    const expiresAt = new Date('2025-03-10T00:00:00Z');
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'videos', meter: 'VIDEO_GENERATIONS', amount: 10, kind: 'TOP_UP', expiresAt }));
    account.at(expiresAt).advance();
    expect(noticesOf(account.entries, 'VIDEO_GENERATIONS')).toEqual([['EXPIRY', 0, [80, 100]]]);
  });

  it('say nothing when a period ends with unused allowance, nor for a meter that never had credits', () => {
    // ReelBot Free: 20 AI credits a day, expiring unused at midnight.
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    spend(account, 5, 'a');
    account.at('2025-03-04T12:00:00Z').advance();
    expect(account.entriesOfKind('EXPIRY')).toHaveLength(3);
    expect(noticesOf(account.entries)).toEqual([]);

    // Rheos has no video generations: the meter stays at 0 through its resets, with no notice.
    const rheos = TestAccount.open({ planId: 'rheos.free' }, T0);
    rheos.at('2025-06-01T12:00:00Z').advance();
    expect(rheos.entriesOfKind('RESET').length).toBeGreaterThan(4);
    expect(noticesOf(rheos.entries, 'VIDEO_GENERATIONS')).toEqual([]);
  });

  it('never come from an unlimited meter', () => {
    const account = TestAccount.open({ planId: 'reelbot.enterprise' }, T0);
    spend(account, 1_000, 'a');
    expect(account.balance()).toMatchObject({ unlimited: true, used: 1_000 });
    expect(noticesOf(account.entries)).toEqual([]);
  });
});

describe('low-balance notices over random histories', () => {
  type Step =
    | { kind: 'wait'; ms: number }
    | { kind: 'topUp'; meter: Meter; amount: number; expiresInMs: number | null }
    | { kind: 'debit' | 'hold'; feature: string; resolution: string }
    | { kind: 'commit' | 'release'; index: number }
    | { kind: 'remove'; meter: Meter; amount: number }
    | { kind: 'plan'; planId: string };
  const HOUR = 3_600_000;
  const meter = fc.constantFrom<Meter>('AI_CREDITS', 'VIDEO_GENERATIONS');
  // Weighted towards spending, so that meters run low and out often within a period.
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(0, HOUR, 7 * HOUR, 24 * HOUR, 10 * 24 * HOUR) }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant('topUp' as const), meter, amount: fc.integer({ min: 1, max: 40 }), expiresInMs: fc.option(fc.integer({ min: 1, max: 20 * 24 * HOUR }), { nil: null }) }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constantFrom('debit' as const, 'hold' as const),
        feature: fc.constantFrom('topic.generate', 'brand.analyze', 'image.generate', 'video.render'),
        resolution: fc.constantFrom('SD', 'HD', '4K'),
      }),
      weight: 8,
    },
    { arbitrary: fc.record({ kind: fc.constantFrom('commit' as const, 'release' as const), index: fc.nat(5) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('remove' as const), meter, amount: fc.integer({ min: 1, max: 15 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('plan' as const), planId: fc.constantFrom('reelbot.free', 'reelbot.starter', 'reelbot.enterprise') }), weight: 1 },
  );

  /** The rule, written out independently of the code under test: share of the period's credits used or reserved. */
  const NOTICE_PERCENTS = [80, 100];
  const reached = (figures: MeterFigures, percent: number) =>
    !figures.unlimited && (figures.used + figures.reserved) * 100 >= percent * (figures.used + figures.reserved + figures.available);

  function run(steps: readonly Step[]): LedgerEntry[] {
    const account = TestAccount.open({ planId: 'reelbot.free' }, '2025-03-01T12:00:00Z');
    steps.forEach((step, index) => {
      const key = `k${index}`;
      const holds = account.state.holds;
      switch (step.kind) {
        case 'wait':
          account.at(new Date(account.now.getTime() + step.ms)).advance();
          return;
        case 'topUp':
          account.apply({
            type: 'GRANT',
            idempotencyKey: key,
            meter: step.meter,
            amount: step.amount,
            kind: 'TOP_UP',
            expiresAt: step.expiresInMs === null ? null : new Date(account.now.getTime() + step.expiresInMs),
          });
          return;
        case 'debit':
        case 'hold':
          account.apply({ type: step.kind === 'debit' ? 'DEBIT' : 'HOLD', idempotencyKey: key, feature: step.feature, parameters: step.feature === 'image.generate' || step.feature === 'video.render' ? { resolution: step.resolution } : {} } as TestOperation);
          return;
        case 'commit':
        case 'release': {
          const holdId = holds[step.index % Math.max(1, holds.length)]?.id ?? 'none';
          account.apply({ type: step.kind === 'commit' ? 'COMMIT' : 'RELEASE', idempotencyKey: key, holdId });
          return;
        }
        case 'remove':
          account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: key, meter: step.meter, amount: step.amount });
          return;
        case 'plan':
          account.apply({ type: 'CHANGE_PLAN', idempotencyKey: key, planId: step.planId });
          return;
      }
    });
    return account.entries;
  }

  /**
   * From the entries alone: each threshold at most once per meter per period (periods start at
   * RESET entries), none on an unlimited meter, 100 only where `available` reached 0, and exactly
   * the thresholds an entry took its meter past unless it closed the period.
   */
  function checkNotices(entries: readonly LedgerEntry[]): void {
    const seen = new Map<Meter, { unlimited: boolean; periodEnd: Date; announced: number[] }>();
    for (const entry of entries) {
      for (const change of entry.changes) {
        const meterSeen = seen.get(change.meter) ?? { unlimited: false, periodEnd: entry.at, announced: [] };
        if (entry.kind === 'RESET') meterSeen.announced = [];
        const before: MeterFigures = {
          unlimited: meterSeen.unlimited,
          available: change.previousAvailable,
          used: change.usedAfter - change.usedDelta,
          reserved: change.reservedAfter - change.reservedDelta,
          allowance: 0,
        };
        const after: MeterFigures = { unlimited: change.unlimited, available: change.availableAfter, used: change.usedAfter, reserved: change.reservedAfter, allowance: change.allowanceAfter };
        const expected = closesPeriod(entry, meterSeen.periodEnd)
          ? []
          : NOTICE_PERCENTS.filter((percent) => !meterSeen.announced.includes(percent) && !reached(before, percent) && reached(after, percent));
        expect(change.thresholdsCrossed).toEqual(expected);
        if (change.unlimited) expect(change.thresholdsCrossed).toEqual([]);
        if (change.thresholdsCrossed.includes(100)) expect([change.previousAvailable > 0 || before.unlimited, change.availableAfter]).toEqual([true, 0]);
        meterSeen.announced.push(...change.thresholdsCrossed);
        for (const percent of change.thresholdsCrossed) crossings.set(percent, (crossings.get(percent) ?? 0) + 1);
        expect(new Set(meterSeen.announced).size).toBe(meterSeen.announced.length);
        meterSeen.unlimited = change.unlimited;
        if (entry.kind === 'RESET') meterSeen.periodEnd = new Date(String(entry.details.periodEnd));
        seen.set(change.meter, meterSeen);
      }
    }
  }

  // How often each threshold was crossed over all runs: a property that never meets a crossing proves nothing.
  const crossings = new Map<number, number>();

  it('announce each threshold once per period, exactly when crossed, 100 only when available reaches 0', () => {
    const numRuns = Number(process.env.LEDGER_PROPERTY_RUNS ?? 60);
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => checkNotices(run(steps))),
      { numRuns },
    );
    for (const percent of NOTICE_PERCENTS) expect(crossings.get(percent) ?? 0, `${percent}% crossings`).toBeGreaterThan(0);
  }, 60_000);
});
