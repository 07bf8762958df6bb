import { resolveArrayConnection } from '@pothos/plugin-relay';
import { findPlan, METERS, productOf, type Meter, type MeterRules, type Plan, type PlanCatalog, type RolloverPolicy } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { compositeGlobalId } from '../composite-ids.js';
import type { Context } from '../context.js';
import { MeterEnum, PeriodEnum } from './meter.js';
import { ProductRef } from './products.js';

export type PlanNode = { readonly key: string; readonly plan: Plan };
type PlanMeter = { readonly planKey: string; readonly meter: Meter; readonly rules: MeterRules };

export function planNode(catalog: PlanCatalog, key: string): PlanNode | null {
  const plan = findPlan(catalog, key);
  return plan ? { key, plan } : null;
}

/**
 * The plan an account, a plan change or an upgrade hint names. The ledger refuses plans the
 * catalog lacks, so a missing one is a deployment that dropped a plan in use: unexpected.
 */
export function requirePlanNode(context: Context, key: string): PlanNode {
  const node = planNode(context.services.catalogs.plans, key);
  if (!node) throw new Error(`the plan catalog has no plan "${key}", which is in use`);
  return node;
}

export const RolloverKindEnum = builder.enumType('RolloverKind', {
  description: 'Whether unused allowance carries over at a reset.',
  values: {
    NONE: { description: 'Unused allowance is forfeited at the reset.' },
    CAPPED: { description: 'Unused allowance, up to `maxCredits`, carries over into the next period only.' },
  } satisfies Record<RolloverPolicy['kind'], { description: string }>,
});

export const RolloverRef = builder.objectRef<RolloverPolicy>('Rollover').implement({
  description: 'What happens to unused allowance at a reset.',
  fields: (t) => ({
    kind: t.field({ type: RolloverKindEnum, description: 'Forfeited, or carried over up to a cap.', resolve: (rollover) => rollover.kind }),
    maxCredits: t.int({
      nullable: true,
      description: 'The most credits that carry over; null unless `kind` is CAPPED.',
      resolve: (rollover) => (rollover.kind === 'CAPPED' ? rollover.maxCredits : null),
    }),
  }),
});

const PlanMeterRef = builder.objectRef<PlanMeter>('PlanMeter').implement({
  description: "A plan's rules for one meter.",
  fields: (t) => ({
    id: t.id({ description: 'The plan and the meter, as one global id.', resolve: ({ planKey, meter }) => compositeGlobalId('PlanMeter', planKey, meter) }),
    meter: t.field({ type: MeterEnum, resolve: ({ meter }) => meter }),
    allowance: t.int({ description: 'Credits granted each period (not consumed when `unlimited`).', resolve: ({ rules }) => rules.allowance }),
    period: t.field({ type: PeriodEnum, description: 'How often the allowance is granted again.', resolve: ({ rules }) => rules.period }),
    unlimited: t.boolean({ description: 'Usage is recorded but never refused.', resolve: ({ rules }) => rules.unlimited }),
    rollover: t.field({ type: RolloverRef, description: 'What happens to unused allowance at a reset.', resolve: ({ rules }) => rules.rollover }),
    dailyLimit: t.int({
      nullable: true,
      description: "At most this many credits consumed or reserved per day, inside the period's allowance (e.g. 1,000 a month, at most 100 a day); null: none.",
      resolve: ({ rules }) => rules.dailyLimit ?? null,
    }),
  }),
});

export const PlanRef = builder.node(builder.objectRef<PlanNode>('Plan'), {
  description: 'A tier of the plan catalog.',
  id: { resolve: ({ key }) => key },
  loadOne: (key, context) => planNode(context.services.catalogs.plans, key),
  fields: (t) => ({
    key: t.string({ description: 'The id the catalog and the ledger know the plan by, e.g. `rheos.pro`.', resolve: ({ key }) => key }),
    name: t.string({ description: 'What a pricing page calls it, e.g. "Rheos Pro".', resolve: ({ plan }) => plan.name }),
    description: t.string({ description: 'Whom the plan is for, in a sentence for people; its allowances are in `meters`.', resolve: ({ plan }) => plan.description }),
    product: t.field({
      type: ProductRef,
      description: 'The product the plan is a tier of: the catalog mixes the plans of several products.',
      resolve: ({ plan }, _args, context) => ({ key: plan.product, product: productOf(context.services.catalogs.plans, plan.product) }),
    }),
    tier: t.int({
      description: "The plan's rank within its product, for a tier badge: moving to a higher tier is an upgrade.",
      resolve: ({ plan }) => plan.tier,
    }),
    meters: t.field({
      type: [PlanMeterRef],
      description: 'The rules for each meter, in a fixed meter order.',
      resolve: ({ key, plan }) => METERS.map((meter) => ({ planKey: key, meter, rules: plan.meters[meter] })),
    }),
  }),
});

builder.queryField('plans', (t) =>
  t.connection(
    {
      type: PlanRef,
      nullable: true,
      description: 'The plan catalog, in catalog order. Public: no token needed.',
      resolve: (_root, args, context) =>
        resolveArrayConnection({ args }, Object.entries(context.services.catalogs.plans.plans).map(([key, plan]) => ({ key, plan }))),
    },
    { name: 'PlanConnection' },
    { name: 'PlanEdge' },
  ),
);
