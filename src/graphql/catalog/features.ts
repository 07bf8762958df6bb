import { resolveArrayConnection } from '@pothos/plugin-relay';
import { METERS, type FailurePolicy, type FeaturePricing, type Meter, type PricingCatalog } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { compositeGlobalId } from '../composite-ids.js';
import { MeterEnum } from './meter.js';

type FeatureNode = { readonly key: string; readonly pricing: FeaturePricing };
type MeterPrice = NonNullable<FeaturePricing['meters'][Meter]> & { readonly featureKey: string; readonly meter: Meter };

function featureNode(catalog: PricingCatalog, key: string): FeatureNode | null {
  const pricing = Object.hasOwn(catalog.features, key) ? catalog.features[key] : undefined;
  return pricing ? { key, pricing } : null;
}

function meterPrices({ key, pricing }: FeatureNode): MeterPrice[] {
  return METERS.flatMap((meter) => {
    const price = pricing.meters[meter];
    return price ? [{ ...price, featureKey: key, meter }] : [];
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
    id: t.id({ description: 'The feature and the meter, as one global id.', resolve: ({ featureKey, meter }) => compositeGlobalId('MeterCost', featureKey, meter) }),
    meter: t.field({ type: MeterEnum, resolve: (price) => price.meter }),
    baseCost: t.int({ description: 'Credits one use costs with every parameter at its default (a multiplier of 1, a count of 1).', resolve: (price) => price.baseCost }),
    scaledBy: t.stringList({ description: 'The choice and count parameters that multiply the base cost.', resolve: (price) => price.scaledBy }),
    chargeOnProviderFailure: t.field({
      type: FailurePolicyEnum,
      description: 'What a use costs on this meter when the provider fails after doing its work.',
      resolve: (price) => price.chargeOnProviderFailure,
    }),
  }),
});

type ChoiceParameter = FeaturePricing['choices'][string] & { readonly name: string };

const ChoiceOptionRef = builder.objectRef<{ value: string; multiplier: number }>('ChoiceOption').implement({
  description: 'One value a choice parameter may take, with what it multiplies the cost by.',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'What to pass as the parameter, e.g. `HD`.' }),
    multiplier: t.exposeFloat('multiplier', { description: 'At most two decimal places, so that costs are exact.' }),
  }),
});

const ChoiceParameterRef = builder.objectRef<ChoiceParameter>('ChoiceParameter').implement({
  description: 'A parameter chosen from a list, each value with its cost multiplier (e.g. resolution SD ×1, HD ×2).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The parameter, e.g. `resolution`.' }),
    default: t.exposeString('default', { description: 'The value used when the parameter is left out.' }),
    options: t.field({
      type: [ChoiceOptionRef],
      description: 'Every value allowed, in catalog order.',
      resolve: (choice) => Object.entries(choice.multipliers).map(([value, multiplier]) => ({ value, multiplier })),
    }),
  }),
});

const CountParameterRef = builder.objectRef<{ name: string; max: number }>('CountParameter').implement({
  description: 'A number of items, from 1 to `max`, that multiplies the cost (e.g. how many images).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The parameter, e.g. `count`.' }),
    max: t.exposeInt('max', { description: 'The most items one use may ask for.' }),
  }),
});

const CostRuleRef = builder.objectRef<FeatureNode>('CostRule').implement({
  description: 'How the price of one use of a feature is computed, before anything is charged.',
  fields: (t) => ({
    meters: t.field({ type: [MeterCostRef], description: 'What one use costs on each meter it is charged on, in a fixed meter order.', resolve: meterPrices }),
    choices: t.field({
      type: [ChoiceParameterRef],
      description: 'The parameters chosen from a list (e.g. `resolution`).',
      resolve: ({ pricing }) => Object.entries(pricing.choices).map(([name, choice]) => ({ ...choice, name })),
    }),
    counts: t.field({
      type: [CountParameterRef],
      description: 'The parameters that count items (e.g. `count`).',
      resolve: ({ pricing }) => Object.entries(pricing.counts).map(([name, count]) => ({ ...count, name })),
    }),
  }),
});

const FeatureRef = builder.node(builder.objectRef<FeatureNode>('Feature'), {
  description: 'Something that costs credits, from the pricing catalog.',
  id: { resolve: ({ key }) => key },
  loadOne: (key, context) => featureNode(context.services.catalogs.pricing, key),
  fields: (t) => ({
    key: t.string({ description: 'The name generations use, e.g. `image.generate`.', resolve: ({ key }) => key }),
    name: t.string({ description: 'What a pricing page calls it, e.g. "Image generation" (its key when the catalog names none).', resolve: ({ key, pricing }) => pricing.name ?? key }),
    description: t.string({ description: 'What the feature does, in a sentence for people.', resolve: ({ pricing }) => pricing.description }),
    meters: t.field({
      type: [MeterEnum],
      description: 'The meters one use is charged on, in a fixed meter order.',
      resolve: (feature) => meterPrices(feature).map((price) => price.meter),
    }),
    costRule: t.field({ type: CostRuleRef, description: 'How one use is priced; `Query.price` prices it for given parameters.', resolve: (feature) => feature }),
  }),
});

builder.queryField('features', (t) =>
  t.connection(
    {
      type: FeatureRef,
      nullable: true,
      description: 'The pricing catalog, in catalog order. Public: no token needed.',
      resolve: (_root, args, context) =>
        resolveArrayConnection({ args }, Object.entries(context.services.catalogs.pricing.features).map(([key, pricing]) => ({ key, pricing }))),
    },
    { name: 'FeatureConnection' },
    { name: 'FeatureEdge' },
  ),
);
