import {
  INPUT_LIMITS,
  checkCredits,
  checkMetadata,
  checkParameters,
  checkText,
  type EntryMetadata,
  type InputError,
  type Meter,
  type MeterAmounts,
  type PricingCatalog,
  type PricingParameters,
} from '../../ledger/index.js';
import { InvalidInputError, InvalidParameterError, UnknownFeatureError } from '../results/result-errors.js';

/**
 * Turns the arguments of fields into what the services take, refusing malformed ones with a typed
 * InvalidInputError (naming the field) before anything is read or written.
 */

/** Refuses a validation error of the ledger's limits as the typed error naming its field. */
function orThrow(error: InputError | null): void {
  if (error) throw new InvalidInputError({ field: error.field, problem: error.message });
}

/** A string argument of at most `max` characters (see `INPUT_LIMITS`), or undefined when absent. */
export function boundedText(field: string, value: string, max: number): string;
export function boundedText(field: string, value: string | null | undefined, max: number): string | undefined;
export function boundedText(field: string, value: string | null | undefined, max: number): string | undefined {
  orThrow(checkText(field, value, max));
  return value ?? undefined;
}

/** A catalog feature's key, bounded before it is looked up (and echoed in an UnknownFeatureError). */
export function featureOf(value: string, field = 'feature'): string {
  return boundedText(field, value, INPUT_LIMITS.feature);
}

/** A feature of the pricing catalog, or an UnknownFeatureError. */
export function catalogFeatureOf(pricing: PricingCatalog, value: string): string {
  const feature = featureOf(value);
  if (!Object.hasOwn(pricing.features, feature)) throw new UnknownFeatureError({ feature });
  return feature;
}

/** The catalog feature a raw amount was used for, recorded as the entries' feature; null when none is named. */
export function recordedFeatureOf(pricing: PricingCatalog, feature: string | null | undefined): string | null {
  return feature === null || feature === undefined ? null : catalogFeatureOf(pricing, feature);
}

/** The asset (a video, an image, a project) credits were spent on, as the product names it. */
export function assetIdOf(value: string | null | undefined): string | undefined {
  return boundedText('assetId', value, INPUT_LIMITS.assetId);
}

/** A generation session's id. */
export function sessionIdOf(value: string | null | undefined): string | undefined {
  return boundedText('sessionId', value, INPUT_LIMITS.sessionId);
}

/** Why an administrator changed an account's credits, for its history: trimmed, 1 to `INPUT_LIMITS.reason` characters. */
export function reasonOf(value: string): string {
  const reason = value.trim();
  if (reason.length === 0 || reason.length > INPUT_LIMITS.reason) throw new InvalidInputError({ field: 'reason', problem: `must be 1 to ${INPUT_LIMITS.reason} characters` });
  return reason;
}

/** A whole number of credits, 1 to `MAX_BALANCE`, by the ledger's own rule (`checkCredits`). */
export function positiveCredits(field: string, amount: number): number {
  orThrow(checkCredits(field, amount));
  return amount;
}

/** Zero to `MAX_BALANCE` (a cap, a sequence number), when given. */
export function nonNegativeOf(field: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  orThrow(checkCredits(field, value, { allowZero: true }));
  return value;
}

/** Per-meter amounts given as a list: each meter at most once, each amount zero or more. */
export function meterAmountsOf(field: string, list: readonly { meter: Meter; amount: number }[]): MeterAmounts {
  const amounts: MeterAmounts = {};
  for (const [index, { meter, amount }] of list.entries()) {
    if (amounts[meter] !== undefined) throw new InvalidInputError({ field: `${field}.${index}.meter`, problem: `names ${meter} a second time` });
    orThrow(checkCredits(`${field}.${index}.amount`, amount, { allowZero: true }));
    amounts[meter] = amount;
  }
  return amounts;
}

/**
 * What a caller attaches to the entries: a flat JSON object of strings, numbers, booleans and
 * nulls (so that it indexes and displays easily), within `INPUT_LIMITS` (at most 32 keys of 64
 * letters, digits, `_` or `-`, strings of 500 characters, 2 KiB in all).
 */
export function entryMetadataOf(value: unknown, field = 'metadata'): EntryMetadata {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError({ field, problem: 'must be a JSON object' });
  orThrow(checkMetadata(field, value as Record<string, unknown>));
  return value as EntryMetadata;
}

/**
 * A feature's pricing parameters, e.g. `{ "resolution": "HD", "count": 2 }`: a JSON object of
 * strings and numbers. Their names and values are checked against the catalog by the ledger.
 */
export function pricingParametersOf(feature: string, value: unknown): PricingParameters | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError({ field: 'parameters', problem: 'must be a JSON object, e.g. { "resolution": "HD" }' });
  orThrow(checkParameters('parameters', value as Record<string, unknown>));
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      const got = Array.isArray(item) ? 'a list' : item === null ? 'null' : `a ${typeof item}`;
      throw new InvalidParameterError({ feature, parameter: name, problem: `must be a string or a number, got ${got}` });
    }
  }
  return value as PricingParameters;
}
