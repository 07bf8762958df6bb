import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Viewer } from '../../auth/index.js';
import {
  INPUT_LIMITS,
  MAX_BALANCE,
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
import { InvalidInputError, InvalidParameterError, UnknownFeatureError } from './results.js';

/**
 * Turns the arguments of writes into what the ledger takes, refusing malformed ones with a typed
 * InvalidInputError before anything is read or written.
 */

/** The global id of an account: `Account:<accountId>` (the read side's `Account.id`). */
export function accountGlobalId(accountId: string): string {
  return encodeGlobalID('Account', accountId);
}

/** Refuses a validation error of the ledger's limits as the typed error naming its field. */
function orThrow(error: InputError | null): void {
  if (error) throw new InvalidInputError(error.field, error.message);
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
  if (!Object.hasOwn(pricing.features, feature)) throw new UnknownFeatureError(feature);
  return feature;
}

/** The asset (a video, an image, a project) credits were spent on, as the product names it. */
export function assetIdOf(value: string | null | undefined): string | undefined {
  return boundedText('assetId', value, INPUT_LIMITS.assetId);
}

/** A generation session's id. */
export function sessionIdOf(value: string | null | undefined): string | undefined {
  return boundedText('sessionId', value, INPUT_LIMITS.sessionId);
}

/** Global ids are short base64 strings: anything much longer is no id. */
const MAX_GLOBAL_ID_LENGTH = 1_024;

/** The id inside a global id of `typename`, or an InvalidInputError about `field`. */
function idOfType(globalId: string, typename: string, field: string): string {
  if (globalId.length > MAX_GLOBAL_ID_LENGTH) throw new InvalidInputError(field, `must be the global id of a ${typename}`);
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw new InvalidInputError(field, `must be the global id of a ${typename}`);
  }
  if (decoded.typename !== typename) throw new InvalidInputError(field, `must be the global id of a ${typename}`);
  return decoded.id;
}

export function accountIdOf(globalId: string): string {
  return idOfType(globalId, 'Account', 'accountId');
}

/** A member is named by its user's global id (`User.id`); the ledger knows it by the user id. */
export function memberIdOf(globalId: string): string {
  return idOfType(globalId, 'User', 'memberId');
}

/**
 * A reservation is a hold of one account: its id carries both, so that committing or releasing it
 * needs nothing else (and the account is checked against the caller like any other).
 */
export function reservationGlobalId(accountId: string, holdId: string): string {
  return encodeGlobalID('Reservation', JSON.stringify([accountId, holdId]));
}

export function reservationOf(globalId: string): { accountId: string; holdId: string } {
  const raw = idOfType(globalId, 'Reservation', 'reservationId');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) {
    throw new InvalidInputError('reservationId', 'must be the global id of a Reservation');
  }
  const [accountId, holdId] = parsed as [string, string];
  return { accountId, holdId };
}

const CLIENT_KEY_PREFIX = 'api:';

/**
 * The longest scoped key: what a plain 200-character key of a plain 200-character subject gives,
 * so that `api:` or `gen:…:release` around it stays within the ledger's key limit (escaping in
 * the JSON can otherwise lengthen it).
 */
const MAX_SCOPED_KEY_LENGTH = 440;

/**
 * Who sent a request, as the ledger knows it: the owner of the holds it makes and the scope of
 * its idempotency keys. A user is the same caller whatever its role; a service is never a user.
 */
export function callerIdOf(viewer: Viewer): string {
  return `${viewer.role === 'service' ? 'service' : 'user'}:${viewer.userId}`;
}

/**
 * The caller's own name for a key: idempotency keys are scoped per caller within an account, as
 * payment APIs scope them per API key, so two members of a pool never share one by accident.
 */
export function scopedKeyOf(viewer: Viewer, idempotencyKey: string): string {
  if (idempotencyKey.length === 0 || idempotencyKey.length > INPUT_LIMITS.idempotencyKey) {
    throw new InvalidInputError('idempotencyKey', `must be 1 to ${INPUT_LIMITS.idempotencyKey} characters, e.g. a UUID`);
  }
  const scoped = JSON.stringify([callerIdOf(viewer), idempotencyKey]);
  if (scoped.length > MAX_SCOPED_KEY_LENGTH) throw new InvalidInputError('idempotencyKey', 'is too long with its escaped characters: use plain letters, digits and dashes, e.g. a UUID');
  return scoped;
}

/**
 * The ledger key of a client's idempotency key. The ledger also keys its own operations in the
 * account's key space (generation steps, `generate`'s holds and commits), so the keys clients
 * give the metering and admin mutations get a prefix of their own and can never collide with those.
 */
export function ledgerKeyOf(viewer: Viewer, idempotencyKey: string): string {
  return `${CLIENT_KEY_PREFIX}${scopedKeyOf(viewer, idempotencyKey)}`;
}

/** The client's key in a ledger key made by `ledgerKeyOf`. */
export function clientKeyOf(ledgerKey: string): string {
  if (!ledgerKey.startsWith(CLIENT_KEY_PREFIX)) return ledgerKey;
  const [, key] = JSON.parse(ledgerKey.slice(CLIENT_KEY_PREFIX.length)) as [string, string];
  return key;
}

/** A whole number of credits, 1 to `MAX_BALANCE` (GraphQL's Int already refused fractions). */
export function positiveCredits(field: string, amount: number): number {
  if (amount < 1 || amount > MAX_BALANCE) throw new InvalidInputError(field, `must be a whole number of credits from 1 to ${MAX_BALANCE}, got ${amount}`);
  return amount;
}

/** Per-meter amounts given as a list: each meter at most once, each amount zero or more. */
export function meterAmountsOf(field: string, list: readonly { meter: Meter; amount: number }[]): MeterAmounts {
  const amounts: MeterAmounts = {};
  for (const [index, { meter, amount }] of list.entries()) {
    if (amounts[meter] !== undefined) throw new InvalidInputError(`${field}.${index}.meter`, `names ${meter} a second time`);
    if (amount < 0 || amount > MAX_BALANCE) throw new InvalidInputError(`${field}.${index}.amount`, `must be 0 to ${MAX_BALANCE}, got ${amount}`);
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
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError(field, 'must be a JSON object');
  orThrow(checkMetadata(field, value as Record<string, unknown>));
  return value as EntryMetadata;
}

/**
 * A feature's pricing parameters, e.g. `{ "resolution": "HD", "count": 2 }`: a JSON object of
 * strings and numbers. Their names and values are checked against the catalog by the ledger.
 */
export function pricingParametersOf(feature: string, value: unknown): PricingParameters | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('parameters', 'must be a JSON object, e.g. { "resolution": "HD" }');
  orThrow(checkParameters('parameters', value as Record<string, unknown>));
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new InvalidParameterError(feature, name, `must be a string or a number, got ${Array.isArray(item) ? 'a list' : item === null ? 'null' : `a ${typeof item}`}`);
    }
  }
  return value as PricingParameters;
}
