import { z } from 'zod';
import { parseCatalog } from './catalog-validation.js';
import type { LedgerError, Result } from './errors.js';
import { fail, ok } from './errors.js';
import { MAX_BALANCE } from './limits.js';
import { METERS, MeterSchema, type Meter, type MeterAmounts } from './meters.js';

/**
 * Multipliers are kept in hundredths so that a cost is computed exactly (no binary floating
 * point): cost = ceil(baseCost × Π multipliers × Π counts), rounded up once at the end. Hence
 * multipliers have at most two decimal places (1, 1.5, 2.25).
 */
const HUNDREDTHS = 100;

const multiplier = z
  .number()
  .positive('must be positive')
  .refine((value) => Math.abs(value * HUNDREDTHS - Math.round(value * HUNDREDTHS)) < 1e-9, {
    message: 'must have at most two decimal places (e.g. 1.5 or 1.25) so costs are computed exactly',
  });

const ChoiceParameterSchema = z
  .object({
    default: z.string().min(1),
    multipliers: z.record(z.string().min(1), multiplier),
  })
  .refine((choice) => Object.hasOwn(choice.multipliers, choice.default), {
    message: 'must be one of the values listed in multipliers',
    path: ['default'],
  });

const CountParameterSchema = z.object({ max: z.int().min(1, 'must be at least 1') });

export const FAILURE_POLICIES = ['NONE', 'FULL'] as const;
/** What a hold is charged when the provider fails after doing its work. */
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

const MeterPriceSchema = z.object({
  baseCost: z.int().min(0, 'must be zero or more'),
  /** The choice and count parameters that scale this meter's cost. */
  scaledBy: z.array(z.string()).default([]),
  chargeOnProviderFailure: z.enum(FAILURE_POLICIES),
});

export const FeaturePricingSchema = z
  .object({
    /** What a pricing page calls the feature, e.g. "Image generation"; its key when left out. */
    name: z.string().min(1).optional(),
    description: z.string().default(''),
    /** e.g. resolution: { default: 'SD', multipliers: { SD: 1, HD: 2, '4K': 4 } } */
    choices: z.record(z.string().min(1), ChoiceParameterSchema).default({}),
    /** e.g. count: { max: 8 } — the cost is multiplied by the number of items. */
    counts: z.record(z.string().min(1), CountParameterSchema).default({}),
    meters: z.partialRecord(MeterSchema, MeterPriceSchema),
  })
  .superRefine((feature, context) => {
    const meters = Object.entries(feature.meters);
    if (meters.length === 0) context.addIssue({ code: 'custom', path: ['meters'], message: 'must price at least one meter' });
    for (const name of Object.keys(feature.choices)) {
      if (Object.hasOwn(feature.counts, name)) {
        context.addIssue({ code: 'custom', path: ['counts', name], message: `"${name}" is already a choice parameter` });
      }
    }
    for (const [meter, price] of meters) {
      for (const [index, name] of price.scaledBy.entries()) {
        if (!Object.hasOwn(feature.choices, name) && !Object.hasOwn(feature.counts, name)) {
          context.addIssue({
            code: 'custom',
            path: ['meters', meter, 'scaledBy', index],
            message: `"${name}" is not a declared choice or count parameter`,
          });
        }
      }
      if (meter === 'VIDEO_GENERATIONS' && price.chargeOnProviderFailure !== 'NONE') {
        context.addIssue({
          code: 'custom',
          path: ['meters', meter, 'chargeOnProviderFailure'],
          message: 'must be NONE: a failed render never consumes a video generation',
        });
      }
    }
  });
export type FeaturePricing = z.output<typeof FeaturePricingSchema>;

export const PricingCatalogSchema = z.object({ features: z.record(z.string().min(1), FeaturePricingSchema) });
export type PricingCatalog = z.output<typeof PricingCatalogSchema>;

/** Validates pricing configuration; throws `CatalogValidationError` listing every problem. */
export function parsePricingCatalog(input: unknown): PricingCatalog {
  return parseCatalog('pricing catalog', PricingCatalogSchema, input);
}

export type PricingParameters = Record<string, string | number>;

/** The exact charge for one use of a feature, and what a provider failure after the work costs. */
export type Price = {
  costs: MeterAmounts;
  chargeOnProviderFailure: Partial<Record<Meter, FailurePolicy>>;
};

export function priceFeature(catalog: PricingCatalog, feature: string, parameters: PricingParameters = {}): Result<Price> {
  const pricing = Object.hasOwn(catalog.features, feature) ? catalog.features[feature] : undefined;
  if (!pricing) return fail({ code: 'UNKNOWN_FEATURE', feature });
  const factors = resolveFactors(feature, pricing, parameters);
  if (!factors.ok) return factors;

  const price: Price = { costs: {}, chargeOnProviderFailure: {} };
  for (const meter of METERS) {
    const meterPrice = pricing.meters[meter];
    if (!meterPrice) continue;
    let hundredthsNumerator = BigInt(meterPrice.baseCost);
    let denominator = 1n;
    for (const name of meterPrice.scaledBy) {
      const factor = factors.value.get(name) ?? { hundredths: HUNDREDTHS };
      hundredthsNumerator *= BigInt(factor.hundredths);
      denominator *= BigInt(HUNDREDTHS);
    }
    const cost = (hundredthsNumerator + denominator - 1n) / denominator;
    // No single charge may be larger than a balance may be (limits.ts).
    if (cost > BigInt(MAX_BALANCE)) {
      return fail({ code: 'INVALID_PARAMETER', feature, parameter: meter, message: `the resulting cost is more than ${MAX_BALANCE} credits` });
    }
    price.costs[meter] = Number(cost);
    price.chargeOnProviderFailure[meter] = meterPrice.chargeOnProviderFailure;
  }
  return ok(price);
}

/**
 * The parameters a feature is priced with, every one spelled out: defaults filled in for those
 * left out (a choice's default, a count of 1), so that two spellings of one request are one
 * request (a step regenerated with its defaults written out is the same step). Unknown names are
 * kept, for pricing to refuse.
 */
export function parametersWithDefaults(catalog: PricingCatalog, feature: string, parameters: PricingParameters = {}): PricingParameters {
  const pricing = Object.hasOwn(catalog.features, feature) ? catalog.features[feature] : undefined;
  if (!pricing) return parameters;
  const filled: PricingParameters = { ...parameters };
  for (const [name, choice] of Object.entries(pricing.choices)) filled[name] ??= choice.default;
  for (const name of Object.keys(pricing.counts)) filled[name] ??= 1;
  return filled;
}

/** Each parameter as a factor in hundredths: a choice's multiplier, or a count (× 100). */
function resolveFactors(
  feature: string,
  pricing: FeaturePricing,
  parameters: PricingParameters,
): Result<Map<string, { hundredths: number }>> {
  const invalid = (parameter: string, message: string): { ok: false; error: LedgerError } =>
    fail({ code: 'INVALID_PARAMETER', feature, parameter, message });
  const factors = new Map<string, { hundredths: number }>();

  for (const name of Object.keys(parameters)) {
    if (!Object.hasOwn(pricing.choices, name) && !Object.hasOwn(pricing.counts, name)) {
      const known = [...Object.keys(pricing.choices), ...Object.keys(pricing.counts)];
      return invalid(name, `is not a parameter of ${feature} (known: ${known.join(', ') || 'none'})`);
    }
  }
  for (const [name, choice] of Object.entries(pricing.choices)) {
    const value = parameters[name] ?? choice.default;
    const chosen = typeof value === 'string' && Object.hasOwn(choice.multipliers, value) ? choice.multipliers[value] : undefined;
    if (chosen === undefined) {
      return invalid(name, `must be one of ${Object.keys(choice.multipliers).join(', ')}, got ${JSON.stringify(value)}`);
    }
    factors.set(name, { hundredths: Math.round(chosen * HUNDREDTHS) });
  }
  for (const [name, count] of Object.entries(pricing.counts)) {
    const value = parameters[name] ?? 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > count.max) {
      return invalid(name, `must be an integer from 1 to ${count.max}, got ${JSON.stringify(value)}`);
    }
    factors.set(name, { hundredths: value * HUNDREDTHS });
  }
  return ok(factors);
}

const resolution = { default: 'SD', multipliers: { SD: 1, HD: 2, '4K': 4 } };
const aiCredits = (baseCost: number, chargeOnProviderFailure: FailurePolicy, scaledBy: string[] = []) => ({
  AI_CREDITS: { baseCost, scaledBy, chargeOnProviderFailure },
});

/**
 * The features of both products in the help pages. Images are charged at generation time and
 * not when the provider failed; the other steps did billable work by the time they fail late. A
 * render needs AI credits and one video generation, and a failed render never uses the latter.
 */
export const DEFAULT_PRICING_CATALOG: PricingCatalog = parsePricingCatalog({
  features: {
    'image.generate': {
      name: 'Image generation',
      description: 'Generates images from a prompt, several at once if asked; higher resolutions cost more.',
      choices: { resolution },
      counts: { count: { max: 8 } },
      meters: aiCredits(1, 'NONE', ['resolution', 'count']),
    },
    'brand.analyze': { name: 'Brand analysis', description: "Analyzes a brand's site and assets into its colours, fonts, tone of voice and audience.", meters: aiCredits(5, 'FULL') },
    'topic.generate': { name: 'Topic ideas', description: 'Suggests topics for posts or videos from a brand and a theme.', meters: aiCredits(1, 'FULL') },
    'script.generate': { name: 'Script writing', description: 'Writes the script of a video or a post from a topic.', meters: aiCredits(2, 'FULL') },
    'voiceover.generate': { name: 'Voiceover', description: 'Reads a script aloud in a chosen voice, as an audio track.', meters: aiCredits(3, 'FULL') },
    'video.animate': {
      name: 'Animation',
      description: 'Animates a still image or a scene into a short clip; higher resolutions cost more.',
      choices: { resolution },
      meters: aiCredits(4, 'FULL', ['resolution']),
    },
    'video.render': {
      name: 'Video render',
      description: 'Renders the finished video from its clips, voiceover and captions; a failed render never uses up a video generation.',
      choices: { resolution },
      meters: {
        ...aiCredits(2, 'FULL', ['resolution']),
        VIDEO_GENERATIONS: { baseCost: 1, chargeOnProviderFailure: 'NONE' },
      },
    },
  },
});
