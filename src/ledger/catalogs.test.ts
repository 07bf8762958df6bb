import { describe, expect, it } from 'vitest';
import { CatalogValidationError } from './catalog-validation.js';
import { DEFAULT_PLAN_CATALOG, parsePlanCatalog, productOf } from './plans.js';
import { DEFAULT_PRICING_CATALOG, parsePricingCatalog, priceFeature } from './pricing.js';
import { parseLedgerSettings } from './settings.js';

function problemsOf(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof CatalogValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a CatalogValidationError');
}

describe('plan catalog', () => {
  it('supports both products of the help pages', () => {
    expect(DEFAULT_PLAN_CATALOG.plans['rheos.pro']?.meters.AI_CREDITS).toMatchObject({ period: 'MONTH', unlimited: false });
    expect(DEFAULT_PLAN_CATALOG.plans['reelbot.free']?.meters.AI_CREDITS.period).toBe('DAY');
    expect(DEFAULT_PLAN_CATALOG.plans['reelbot.free']?.meters.VIDEO_GENERATIONS.period).toBe('MONTH');
    expect(DEFAULT_PLAN_CATALOG.plans['reelbot.enterprise']?.meters.AI_CREDITS.unlimited).toBe(true);
  });

  it('reports every problem with its path', () => {
    const problems = problemsOf(() =>
      parsePlanCatalog({
        plans: {
          broken: {
            name: 'Broken',
            tier: 0,
            meters: {
              AI_CREDITS: { allowance: 1.5, period: 'WEEK', rollover: { kind: 'CAPPED', maxCredits: 0 } },
            },
          },
        },
      }),
    );
    // In our words, each naming its bound (zod's own read "Invalid input: expected int, received number").
    expect(problems).toEqual([
      'plans.broken.meters.AI_CREDITS.allowance: must be a whole number',
      'plans.broken.meters.AI_CREDITS.period: must be one of "DAY", "MONTH"',
      'plans.broken.meters.AI_CREDITS.rollover.maxCredits: must be positive',
      'plans.broken.meters.VIDEO_GENERATIONS: is required',
    ]);
  });

  it('words the problems zod finds itself as ours: bounds with their units, unknown keys, missing fields', () => {
    expect(problemsOf(() => parsePlanCatalog({ plans: { p: { name: '', tier: -1, meters: { AI_CREDITS: { allowance: 1, period: 'DAY' }, VIDEO_GENERATIONS: { allowance: 1, period: 'DAY' }, FOO: {} } } } }))).toEqual([
      'plans.p.name: must not be empty',
      'plans.p.tier: must be at least 0',
      'plans.p.meters: has an unknown key: "FOO"',
    ]);
    expect(problemsOf(() => parsePlanCatalog({}))).toEqual(['plans: is required']);
  });

  it('names each product a plan belongs to, refusing a plan of a product it does not list', () => {
    const meters = { AI_CREDITS: { allowance: 1, period: 'DAY' }, VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' } };
    expect(productOf(DEFAULT_PLAN_CATALOG, 'reelbot')).toEqual({ name: 'ReelBot', description: expect.stringMatching(/^AI videos/) });
    const unnamed = parsePlanCatalog({ plans: { p: { product: 'solo', name: 'P', tier: 0, meters } } });
    expect(productOf(unnamed, 'solo')).toEqual({ name: 'solo', description: '' });
    expect(problemsOf(() => parsePlanCatalog({ products: { rheos: { name: 'Rheos' } }, plans: { p: { product: 'reelbot', name: 'P', tier: 0, meters } } }))).toEqual([
      'plans.p.product: "reelbot" is not one of the catalog\'s products',
    ]);
  });

  it('refuses rollover on an unlimited meter', () => {
    const meters = {
      AI_CREDITS: { allowance: 0, period: 'DAY', unlimited: true, rollover: { kind: 'CAPPED', maxCredits: 5 } },
      VIDEO_GENERATIONS: { allowance: 0, period: 'MONTH' },
    };
    expect(problemsOf(() => parsePlanCatalog({ plans: { p: { name: 'P', tier: 0, meters } } }))).toEqual([
      'plans.p.meters.AI_CREDITS.rollover: an unlimited meter has nothing to roll over: use rollover { kind: NONE }',
    ]);
  });
});

describe('pricing', () => {
  it('multiplies the base cost by choices and counts', () => {
    const price = priceFeature(DEFAULT_PRICING_CATALOG, 'image.generate', { resolution: '4K', count: 3 });
    expect(price).toEqual({ ok: true, value: { costs: { AI_CREDITS: 12 }, chargeOnProviderFailure: { AI_CREDITS: 'NONE' } } });
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'image.generate')).toMatchObject({ value: { costs: { AI_CREDITS: 1 } } });
  });

  it('prices a render on two meters, only one of them scaled', () => {
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'video.render', { resolution: 'HD' })).toMatchObject({
      value: { costs: { AI_CREDITS: 4, VIDEO_GENERATIONS: 1 }, chargeOnProviderFailure: { AI_CREDITS: 'FULL', VIDEO_GENERATIONS: 'NONE' } },
    });
  });

  it('rounds fractional multipliers up once, exactly', () => {
    const catalog = parsePricingCatalog({
      features: {
        f: {
          choices: { quality: { default: 'low', multipliers: { low: 1.1, high: 1.25 } } },
          counts: { count: { max: 100 } },
          meters: { AI_CREDITS: { baseCost: 10, scaledBy: ['quality', 'count'], chargeOnProviderFailure: 'FULL' } },
        },
      },
    });
    // 10 × 1.1 is 11.000000000000002 in floating point; the exact product is 11.
    expect(priceFeature(catalog, 'f', { quality: 'low' })).toMatchObject({ value: { costs: { AI_CREDITS: 11 } } });
    expect(priceFeature(catalog, 'f', { quality: 'high', count: 3 })).toMatchObject({ value: { costs: { AI_CREDITS: 38 } } });
  });

  it('refuses unknown features and bad parameters with typed errors', () => {
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'image.upscale')).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_FEATURE', feature: 'image.upscale' },
    });
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'image.generate', { resolution: '8K' })).toMatchObject({
      error: { code: 'INVALID_PARAMETER', parameter: 'resolution', message: 'must be one of SD, HD, 4K, got "8K"' },
    });
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'image.generate', { count: 9 })).toMatchObject({
      error: { code: 'INVALID_PARAMETER', parameter: 'count' },
    });
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'image.generate', { count: 1.5 })).toMatchObject({
      error: { code: 'INVALID_PARAMETER', parameter: 'count' },
    });
    expect(priceFeature(DEFAULT_PRICING_CATALOG, 'brand.analyze', { style: 'bold' })).toMatchObject({
      error: { code: 'INVALID_PARAMETER', parameter: 'style' },
    });
  });

  it('validates the catalog clearly', () => {
    const problems = problemsOf(() =>
      parsePricingCatalog({
        features: {
          'video.render': {
            choices: { resolution: { default: 'XL', multipliers: { SD: 1, HD: 1.333 } } },
            meters: {
              AI_CREDITS: { baseCost: 2, scaledBy: ['resolution', 'fps'], chargeOnProviderFailure: 'FULL' },
              VIDEO_GENERATIONS: { baseCost: 1, chargeOnProviderFailure: 'FULL' },
            },
          },
          empty: { meters: {} },
        },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'features.video.render.choices.resolution.multipliers.HD: must have at most two decimal places (e.g. 1.5 or 1.25) so costs are computed exactly',
        'features.video.render.choices.resolution.default: must be one of the values listed in multipliers',
        'features.video.render.meters.AI_CREDITS.scaledBy.1: "fps" is not a declared choice or count parameter',
        'features.video.render.meters.VIDEO_GENERATIONS.chargeOnProviderFailure: must be NONE: a failed render never consumes a video generation',
        'features.empty.meters: must price at least one meter',
      ]),
    );
  });
});

describe('ledger settings', () => {
  it('must be positive durations', () => {
    expect(
      problemsOf(() => parseLedgerSettings({ holdTtlMs: 0, quoteTtlMs: 1, maxGrants: 0 })),
    ).toEqual(['holdTtlMs: must be a positive number of milliseconds', 'maxGrants: must be at least 1']);
  });
});
