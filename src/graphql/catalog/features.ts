import { resolveArrayConnection } from '@pothos/plugin-relay';
import { METERS, type FailurePolicy, type FeaturePricing, type Meter, type PricingCatalog } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from './meter.js';
import { viewerOf } from '../context.js';

type FeatureNode = { readonly key: string; readonly pricing: FeaturePricing };
type MeterPrice = NonNullable<FeaturePricing['meters'][Meter]> & { readonly meter: Meter };

function featureNode(catalog: PricingCatalog, key: string): FeatureNode | null {
  const pricing = Object.hasOwn(catalog.features, key) ? catalog.features[key] : undefined;
  return pricing ? { key, pricing } : null;
}

function meterPrices(pricing: FeaturePricing): MeterPrice[] {
  return METERS.flatMap((meter) => {
    const price = pricing.meters[meter];
    return price ? [{ ...price, meter }] : [];
  });
}

const FailurePolicyEnum = builder.enumType('FailurePolicy', {
  description: 'What a generation costs when the provider fails after doing its work.',
  values: {
    NONE: { description: 'Nothing: the hold is released.' },
    FULL: { description: 'The full price: the work was done and billed by the provider.' },
  } satisfies Record<FailurePolicy, { description: string }>,
});

const MeterCostRef = builder.objectRef<MeterPrice>('MeterCost').implement({
  description: 'How one use of a feature is charged on one meter: ceil(baseCost × the multipliers and counts in `scaledBy`).',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (price) => price.meter }),
    baseCost: t.int({ resolve: (price) => price.baseCost }),
    scaledBy: t.stringList({ description: 'The choice and count parameters that multiply the base cost.', resolve: (price) => price.scaledBy }),
    chargeOnProviderFailure: t.field({ type: FailurePolicyEnum, resolve: (price) => price.chargeOnProviderFailure }),
  }),
});

type ChoiceParameter = FeaturePricing['choices'][string] & { readonly name: string };

const ChoiceOptionRef = builder.objectRef<{ value: string; multiplier: number }>('ChoiceOption').implement({
  fields: (t) => ({
    value: t.exposeString('value'),
    multiplier: t.exposeFloat('multiplier', { description: 'At most two decimal places, so that costs are exact.' }),
  }),
});

const ChoiceParameterRef = builder.objectRef<ChoiceParameter>('ChoiceParameter').implement({
  description: 'A parameter chosen from a list, each value with its cost multiplier (e.g. resolution SD ×1, HD ×2).',
  fields: (t) => ({
    name: t.exposeString('name'),
    default: t.exposeString('default'),
    options: t.field({
      type: [ChoiceOptionRef],
      resolve: (choice) => Object.entries(choice.multipliers).map(([value, multiplier]) => ({ value, multiplier })),
    }),
  }),
});

const CountParameterRef = builder.objectRef<{ name: string; max: number }>('CountParameter').implement({
  description: 'A number of items, from 1 to `max`, that multiplies the cost (e.g. how many images).',
  fields: (t) => ({
    name: t.exposeString('name'),
    max: t.exposeInt('max'),
  }),
});

const CostRuleRef = builder.objectRef<FeaturePricing>('CostRule').implement({
  description: 'How the price of one use of a feature is computed, before anything is charged.',
  fields: (t) => ({
    meters: t.field({ type: [MeterCostRef], resolve: meterPrices }),
    choices: t.field({
      type: [ChoiceParameterRef],
      resolve: (pricing) => Object.entries(pricing.choices).map(([name, choice]) => ({ ...choice, name })),
    }),
    counts: t.field({
      type: [CountParameterRef],
      resolve: (pricing) => Object.entries(pricing.counts).map(([name, count]) => ({ ...count, name })),
    }),
  }),
});

const FeatureRef = builder.node(builder.objectRef<FeatureNode>('Feature'), {
  description: 'Something that costs credits, from the pricing catalog.',
  id: { resolve: ({ key }) => key },
  loadOne: (key, context) => featureNode(context.services.catalogs.pricing, key),
  fields: (t) => ({
    key: t.string({ description: 'The name generations use, e.g. `image.generate`.', resolve: ({ key }) => key }),
    description: t.string({ resolve: ({ pricing }) => pricing.description }),
    meters: t.field({
      type: [MeterEnum],
      description: 'The meters one use is charged on, in a fixed meter order.',
      resolve: ({ pricing }) => meterPrices(pricing).map((price) => price.meter),
    }),
    costRule: t.field({ type: CostRuleRef, resolve: ({ pricing }) => pricing }),
  }),
});

builder.queryField('features', (t) =>
  t.connection(
    {
      type: FeatureRef,
      description: 'The pricing catalog, in catalog order.',
      resolve: (_root, args, context) => {
        viewerOf(context);
        return resolveArrayConnection({ args }, Object.entries(context.services.catalogs.pricing.features).map(([key, pricing]) => ({ key, pricing })));
      },
    },
    { name: 'FeatureConnection' },
    { name: 'FeatureEdge' },
  ),
);
