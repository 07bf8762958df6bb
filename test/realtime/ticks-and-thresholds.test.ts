import { describe, expect, it } from 'vitest';
import type { MeterChange } from '../../src/ledger/index.js';
import { expectOk, TestAccount } from '../../src/ledger/test-support.js';
import { ticksOf } from '../../src/realtime/index.js';
import { change, entry } from './realtime-fixture.js';

describe('ticksOf', () => {
  it('maps each meter change of an entry to a tick with the same seq, told apart by its change', () => {
    const ticks = ticksOf(entry());
    expect(ticks).toEqual([
      {
        accountId: 'acct-1',
        seq: 7,
        change: 0,
        meter: 'AI_CREDITS',
        kind: 'DEBIT',
        delta: -1,
        previousAvailable: 21,
        available: 20,
        used: 80,
        reserved: 0,
        allowance: 100,
        unlimited: false,
        feature: 'video.render',
        sessionId: 's1',
        memberId: 'm1',
        at: new Date('2026-03-10T12:00:00Z'),
        thresholdsCrossed: [80],
      },
      expect.objectContaining({ seq: 7, change: 1, meter: 'VIDEO_GENERATIONS', available: 1, used: 1, allowance: 2, thresholdsCrossed: [] }),
    ]);
  });

  it('keeps only the requested meter, its change still counted among all the entry\'s, and gives nothing for an entry that changed no meter', () => {
    expect(ticksOf(entry(), { meter: 'VIDEO_GENERATIONS' }).map((tick) => [tick.meter, tick.change])).toEqual([['VIDEO_GENERATIONS', 1]]);
    expect(ticksOf(entry({ kind: 'PLAN_CHANGE', changes: [] }))).toEqual([]);
  });
});

describe('thresholdsCrossed on ticks', () => {
  it("is the entry's own notices, decided by the ledger when it wrote the entry (src/ledger/low-balance.ts)", () => {
    const [ai, video] = ticksOf(entry({ changes: [change({ thresholdsCrossed: [80, 100] }), change({ meter: 'VIDEO_GENERATIONS', thresholdsCrossed: [] })] }));
    expect(ai!.thresholdsCrossed).toEqual([80, 100]);
    expect(video!.thresholdsCrossed).toEqual([]);
  });

  it('is empty on an entry stored before the ledger recorded notices', () => {
    const { thresholdsCrossed: _none, ...legacy } = change({});
    expect(ticksOf(entry({ changes: [legacy as MeterChange] }))[0]!.thresholdsCrossed).toEqual([]);
  });

  it('says nothing while top-ups remain (50 allowance + 500 top-up, 50 used), then 80 and 100 once as the credits run out', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, '2026-03-01T12:00:00Z');
    const opened = account.entries.length;
    let keys = 0;
    const debit = (feature: string, parameters: Record<string, string | number> = {}) =>
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: `k${(keys += 1)}`, feature, parameters }));
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'top-up', meter: 'AI_CREDITS', amount: 500, kind: 'TOP_UP' }));
    expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'hold-5', feature: 'brand.analyze' }));
    expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'hold-2', feature: 'script.generate' }));
    for (let index = 0; index < 50; index += 1) debit('topic.generate');
    const notices = () =>
      account.entries
        .slice(opened)
        .flatMap((entry) => ticksOf(entry, { meter: 'AI_CREDITS' }))
        .filter((tick) => tick.thresholdsCrossed.length > 0)
        .map((tick) => [tick.used, tick.available, tick.thresholdsCrossed]);
    // The tick: 50 used, 7 reserved, 493 available. Nothing is running out.
    expect(account.balance()).toMatchObject({ allowance: 50, used: 50, reserved: 7, available: 493 });
    expect(notices()).toEqual([]);

    // 32 credits a debit (8 images in 4K): 80% of the 550 is gone at 434 used with the 7 reserved.
    for (let index = 0; index < 15; index += 1) debit('image.generate', { resolution: '4K', count: 8 });
    debit('image.generate', { resolution: 'SD', count: 3 });
    for (let index = 0; index < 10; index += 1) debit('topic.generate');
    expect(account.balance()).toMatchObject({ used: 543, reserved: 7, available: 0 });
    expect(notices()).toEqual([
      [434, 109, [80]],
      [543, 0, [100]],
    ]);
  });
});
