import { z } from 'zod';
import { parseCatalog } from './catalog-validation.js';
import { MAX_PLAN_CREDITS } from './limits.js';
import { MeterSchema } from './meters.js';
import { PeriodKindSchema } from './periods.js';

// Bounded so that what the clock adds to an account keeps every figure within GraphQL's Int (limits.ts).
export const creditCount = z.int().min(0, 'must be zero or more').max(MAX_PLAN_CREDITS, `must be at most ${MAX_PLAN_CREDITS}`);

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
    /**
     * A layered limit: at most this many credits consumed (or held) per day, in the account's
     * time zone, inside the period's allowance (e.g. 1,000 a month, at most 100 a day). Absent: none.
     * Unlimited meters may have one too.
     */
    dailyLimit: creditCount.min(1, 'must be positive').optional(),
  })
  .refine((rules) => !(rules.unlimited && rules.rollover.kind !== 'NONE'), {
    message: 'an unlimited meter has nothing to roll over: use rollover { kind: NONE }',
    path: ['rollover'],
  });
export type MeterRules = z.output<typeof MeterRulesSchema>;

export const PlanSchema = z.object({
  name: z.string().min(1),
  /** What a pricing page says of the plan, beside its allowances. */
  description: z.string().default(''),
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

/** A product line whose plans a catalog offers, as a pricing page names it. */
export const ProductSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
});
export type Product = z.output<typeof ProductSchema>;

export const PlanCatalogSchema = z
  .object({
    plans: z.record(z.string().min(1), PlanSchema).refine((plans) => Object.keys(plans).length > 0, 'must define at least one plan'),
    /** The products the plans name, by key. A catalog that lists none names each product by its key. */
    products: z.record(z.string().min(1), ProductSchema).default({}),
  })
  .superRefine((catalog, context) => {
    if (Object.keys(catalog.products).length === 0) return;
    for (const [key, plan] of Object.entries(catalog.plans)) {
      if (!Object.hasOwn(catalog.products, plan.product)) {
        context.addIssue({ code: 'custom', path: ['plans', key, 'product'], message: `"${plan.product}" is not one of the catalog's products` });
      }
    }
  });
export type PlanCatalog = z.output<typeof PlanCatalogSchema>;

/** Validates plan configuration; throws `CatalogValidationError` listing every problem. */
export function parsePlanCatalog(input: unknown): PlanCatalog {
  return parseCatalog('plan catalog', PlanCatalogSchema, input);
}

export function findPlan(catalog: PlanCatalog, planId: string): Plan | undefined {
  return Object.hasOwn(catalog.plans, planId) ? catalog.plans[planId] : undefined;
}

/** The product `key` of the catalog: its listed name and description, or its key when the catalog lists no products. */
export function productOf(catalog: PlanCatalog, key: string): Product {
  return Object.hasOwn(catalog.products, key) ? catalog.products[key]! : { name: key, description: '' };
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
  products: {
    rheos: { name: 'Rheos', description: 'AI design: images, brand analyses, topics and scripts, on AI credits that renew each month.' },
    reelbot: { name: 'ReelBot', description: 'AI videos: scripts, voiceovers, animations and renders, on AI credits that renew each day and videos each month.' },
  },
  plans: {
    'rheos.free': {
      product: 'rheos',
      name: 'Rheos Free',
      description: 'To try Rheos on a few designs a month.',
      tier: 0,
      meters: { AI_CREDITS: monthly(50), VIDEO_GENERATIONS: none },
    },
    'rheos.pro': {
      product: 'rheos',
      name: 'Rheos Pro',
      description: 'For a designer who creates with Rheos every day.',
      tier: 1,
      meters: { AI_CREDITS: monthly(1_000), VIDEO_GENERATIONS: none },
    },
    'rheos.business': {
      product: 'rheos',
      name: 'Rheos Business',
      description: 'For teams sharing one pool, with unused credits carried into the next month.',
      tier: 2,
      meters: {
        AI_CREDITS: { ...monthly(5_000), rollover: { kind: 'CAPPED', maxCredits: 1_000 } },
        VIDEO_GENERATIONS: none,
      },
    },
    'reelbot.free': {
      product: 'reelbot',
      name: 'ReelBot Free',
      description: 'To try ReelBot on a few short videos.',
      tier: 0,
      meters: { AI_CREDITS: daily(20), VIDEO_GENERATIONS: monthly(3) },
    },
    'reelbot.starter': {
      product: 'reelbot',
      name: 'ReelBot Starter',
      description: 'For a channel that publishes every week.',
      tier: 1,
      meters: { AI_CREDITS: daily(100), VIDEO_GENERATIONS: monthly(15) },
    },
    'reelbot.pro': {
      product: 'reelbot',
      name: 'ReelBot Pro',
      description: 'For a channel that publishes every day.',
      tier: 2,
      meters: { AI_CREDITS: daily(500), VIDEO_GENERATIONS: monthly(60) },
    },
    'reelbot.enterprise': {
      product: 'reelbot',
      name: 'ReelBot Enterprise',
      description: 'For studios: AI credits without limit, and the most rendered videos.',
      tier: 3,
      meters: { AI_CREDITS: { ...daily(0), unlimited: true }, VIDEO_GENERATIONS: monthly(300) },
    },
  },
});
