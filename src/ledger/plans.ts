import { z } from 'zod';
import { parseCatalog } from './catalog-validation.js';
import { MAX_PLAN_CREDITS } from './limits.js';
import { MeterSchema } from './meters.js';
import { PeriodKindSchema } from './periods.js';

// Bounded so that what the clock adds to an account keeps every figure within GraphQL's Int (limits.ts).
const creditCount = z.int().min(0, 'must be zero or more').max(MAX_PLAN_CREDITS, `must be at most ${MAX_PLAN_CREDITS}`);

/**
 * Unused allowance is forfeited at a reset unless the plan says otherwise. With CAPPED, up to
 * `maxCredits` unused allowance credits become a ROLLOVER grant that expires at the end of the
 * next period (so rolled-over credits never roll over twice).
 */
export const RolloverPolicySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('NONE') }),
  z.object({ kind: z.literal('CAPPED'), maxCredits: creditCount.min(1, 'must be positive') }),
]);
export type RolloverPolicy = z.output<typeof RolloverPolicySchema>;

export const MeterRulesSchema = z
  .object({
    allowance: creditCount,
    period: PeriodKindSchema,
    /** Unlimited meters still record usage; their allowance is not consumed. */
    unlimited: z.boolean().default(false),
    rollover: RolloverPolicySchema.default({ kind: 'NONE' }),
  })
  .refine((rules) => !(rules.unlimited && rules.rollover.kind !== 'NONE'), {
    message: 'an unlimited meter has nothing to roll over: use rollover { kind: NONE }',
    path: ['rollover'],
  });
export type MeterRules = z.output<typeof MeterRulesSchema>;

export const PlanSchema = z.object({
  name: z.string().min(1),
  /**
   * The product line the plan belongs to, when one catalog serves several (like the default one):
   * an upgrade hint only ever names a plan of the same product.
   */
  product: z.string().min(1).default('default'),
  /**
   * Orders the tiers of one product: moving to a higher tier is an upgrade (immediate), to a
   * lower or equal one a downgrade (at the next billing reset).
   */
  tier: z.int().min(0),
  meters: z.record(MeterSchema, MeterRulesSchema),
});
export type Plan = z.output<typeof PlanSchema>;

export const PlanCatalogSchema = z.object({
  plans: z.record(z.string().min(1), PlanSchema).refine((plans) => Object.keys(plans).length > 0, 'must define at least one plan'),
});
export type PlanCatalog = z.output<typeof PlanCatalogSchema>;

/** Validates plan configuration; throws `CatalogValidationError` listing every problem. */
export function parsePlanCatalog(input: unknown): PlanCatalog {
  return parseCatalog('plan catalog', PlanCatalogSchema, input);
}

export function findPlan(catalog: PlanCatalog, planId: string): Plan | undefined {
  return Object.hasOwn(catalog.plans, planId) ? catalog.plans[planId] : undefined;
}

/** For plans an account already has: a catalog that lost one is a deployment error. */
export function requirePlan(catalog: PlanCatalog, planId: string): Plan {
  const plan = findPlan(catalog, planId);
  if (!plan) throw new Error(`The plan catalog has no plan "${planId}", which an account is on`);
  return plan;
}

const monthly = (allowance: number) => ({ allowance, period: 'MONTH' as const });
const daily = (allowance: number) => ({ allowance, period: 'DAY' as const });
const none = monthly(0);

/**
 * Two products from the help pages. Rheos: monthly AI credits on the billing date, free / pro /
 * business (business rolls up to 1,000 unused credits into the next month). ReelBot: daily AI
 * credits at local midnight plus a separate monthly allowance of video generations; enterprise
 * has unlimited AI credits.
 */
export const DEFAULT_PLAN_CATALOG: PlanCatalog = parsePlanCatalog({
  plans: {
    'rheos.free': { product: 'rheos', name: 'Rheos Free', tier: 0, meters: { AI_CREDITS: monthly(50), VIDEO_GENERATIONS: none } },
    'rheos.pro': { product: 'rheos', name: 'Rheos Pro', tier: 1, meters: { AI_CREDITS: monthly(1_000), VIDEO_GENERATIONS: none } },
    'rheos.business': {
      product: 'rheos',
      name: 'Rheos Business',
      tier: 2,
      meters: {
        AI_CREDITS: { ...monthly(5_000), rollover: { kind: 'CAPPED', maxCredits: 1_000 } },
        VIDEO_GENERATIONS: none,
      },
    },
    'reelbot.free': { product: 'reelbot', name: 'ReelBot Free', tier: 0, meters: { AI_CREDITS: daily(20), VIDEO_GENERATIONS: monthly(3) } },
    'reelbot.starter': { product: 'reelbot', name: 'ReelBot Starter', tier: 1, meters: { AI_CREDITS: daily(100), VIDEO_GENERATIONS: monthly(15) } },
    'reelbot.pro': { product: 'reelbot', name: 'ReelBot Pro', tier: 2, meters: { AI_CREDITS: daily(500), VIDEO_GENERATIONS: monthly(60) } },
    'reelbot.enterprise': {
      product: 'reelbot',
      name: 'ReelBot Enterprise',
      tier: 3,
      meters: { AI_CREDITS: { ...daily(0), unlimited: true }, VIDEO_GENERATIONS: monthly(300) },
    },
  },
});
