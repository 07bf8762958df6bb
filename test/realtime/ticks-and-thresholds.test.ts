import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD_PERCENTS, thresholdsCrossed, ticksOf } from '../../src/realtime/index.js';
import { normalizeThresholdPercents } from '../../src/realtime/thresholds.js';
import { change, entry } from './realtime-fixture.js';

describe('ticksOf', () => {
  it('maps each meter change of an entry to a tick with the same seq', () => {
    const ticks = ticksOf(entry());
    expect(ticks).toEqual([
      {
        accountId: 'acct-1',
        seq: 7,
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
      expect.objectContaining({ seq: 7, meter: 'VIDEO_GENERATIONS', available: 1, used: 1, allowance: 2, thresholdsCrossed: [] }),
    ]);
  });

  it('keeps only the requested meter, and gives nothing for an entry that changed no meter', () => {
    expect(ticksOf(entry(), { meter: 'VIDEO_GENERATIONS' }).map((tick) => tick.meter)).toEqual(['VIDEO_GENERATIONS']);
    expect(ticksOf(entry({ kind: 'PLAN_CHANGE', changes: [] }))).toEqual([]);
  });
});

describe('thresholdsCrossed', () => {
  it('announces a threshold on the change that reaches it, not before and not after', () => {
    expect(thresholdsCrossed(change({ usedAfter: 79 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
    expect(thresholdsCrossed(change({ usedAfter: 80 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([80]);
    expect(thresholdsCrossed(change({ usedAfter: 81 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
    expect(thresholdsCrossed(change({ usedAfter: 100 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([100]);
  });

  it('announces every threshold one large charge jumps over', () => {
    expect(thresholdsCrossed(change({ usedDelta: 50, usedAfter: 120 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([80, 100]);
  });

  it('announces nothing on resets, releases, unlimited meters or meters without an allowance', () => {
    expect(thresholdsCrossed(change({ usedDelta: -90, usedAfter: 0 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
    expect(thresholdsCrossed(change({ usedDelta: 0, usedAfter: 85 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
    expect(thresholdsCrossed(change({ unlimited: true }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
    expect(thresholdsCrossed(change({ allowanceAfter: 0 }), DEFAULT_THRESHOLD_PERCENTS)).toEqual([]);
  });

  it('uses exact arithmetic on odd allowances and configurable thresholds', () => {
    // 50% of 3 is 1.5: crossed by going from 1 to 2.
    expect(thresholdsCrossed(change({ usedAfter: 2, allowanceAfter: 3 }), [50])).toEqual([50]);
    expect(thresholdsCrossed(change({ usedAfter: 1, allowanceAfter: 3 }), [50])).toEqual([]);
    expect(normalizeThresholdPercents([100, 50, 100, 90])).toEqual([50, 90, 100]);
    expect(() => normalizeThresholdPercents([0])).toThrow(RangeError);
  });
});
