import { describe, expect, it } from 'vitest';
import { upgradeHint } from '../../src/metering/index.js';
import { DEFAULT_PLAN_CATALOG } from '../../src/ledger/index.js';

const hint = (planId: string, meter: 'AI_CREDITS' | 'VIDEO_GENERATIONS' = 'AI_CREDITS') => upgradeHint(DEFAULT_PLAN_CATALOG, planId, meter)?.planId ?? null;

describe('the upgrade hint', () => {
  it('names the next tier with more of the meter, within the same kind of period', () => {
    expect(upgradeHint(DEFAULT_PLAN_CATALOG, 'rheos.free', 'AI_CREDITS')).toEqual({
      planId: 'rheos.pro',
      name: 'Rheos Pro',
      tier: 1,
      meter: 'AI_CREDITS',
      allowance: 1_000,
      unlimited: false,
      period: 'MONTH',
    });
    expect(hint('reelbot.free')).toBe('reelbot.starter');
    expect(hint('reelbot.free', 'VIDEO_GENERATIONS')).toBe('reelbot.starter');
    expect(hint('reelbot.pro')).toBe('reelbot.enterprise');
    expect(hint('reelbot.pro', 'VIDEO_GENERATIONS')).toBe('reelbot.enterprise');
  });

  it('is null at the top, on an unlimited meter and for an unknown plan', () => {
    expect(hint('rheos.business')).toBeNull();
    expect(hint('reelbot.enterprise')).toBeNull();
    expect(hint('reelbot.enterprise', 'VIDEO_GENERATIONS')).toBeNull();
    expect(hint('no-such-plan')).toBeNull();
  });

  it('never names a plan of another product in the same catalog', () => {
    // Rheos plans have no video generations; ReelBot's would have more, but they are another product.
    expect(hint('rheos.free', 'VIDEO_GENERATIONS')).toBeNull();
  });
});
