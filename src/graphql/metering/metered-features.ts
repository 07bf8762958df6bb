import { METERS, parsePricingCatalog, type Meter, type PricingCatalog, type PricingParameters } from '../../ledger/index.js';

/**
 * The ledger prices every charge by a feature of the pricing catalog; it has no operation that
 * debits or holds a raw number of credits. The metering API's raw amounts (`consumeCredits`, and
 * `reserveCredits` with a meter and an amount) are therefore charged through one feature per
 * meter, `metered.<METER>`, costing exactly its `amount` parameter. These features are added to
 * the catalog the ledger store prices with, and only to it: `features`, `quote` and `generate`
 * know the configured catalog alone.
 */
export function meteredFeature(meter: Meter): string {
  return `metered.${meter}`;
}

/** GraphQL's Int: the most one request can name. */
const MAX_AMOUNT = 2_147_483_647;

export function meteredPrice(meter: Meter, amount: number): { feature: string; parameters: PricingParameters } {
  return { feature: meteredFeature(meter), parameters: { amount } };
}

/** The configured catalog with the metered features; a catalog that has one of their names already is refused. */
export function withMeteredFeatures(pricing: PricingCatalog): PricingCatalog {
  const metered = Object.fromEntries(
    METERS.map((meter) => {
      const key = meteredFeature(meter);
      if (Object.hasOwn(pricing.features, key)) throw new Error(`the pricing catalog must not define "${key}": the metering API prices raw amounts with it`);
      const feature = {
        description: `A raw amount of ${meter} consumed or reserved through the metering API.`,
        counts: { amount: { max: MAX_AMOUNT } },
        meters: { [meter]: { baseCost: 1, scaledBy: ['amount'], chargeOnProviderFailure: 'NONE' } },
      };
      return [key, feature];
    }),
  );
  return parsePricingCatalog({ features: { ...pricing.features, ...metered } });
}
