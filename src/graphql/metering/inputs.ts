import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Viewer } from '../../auth/index.js';
import { MAX_BALANCE, type EntryMetadata, type Meter, type MeterAmounts, type PricingParameters } from '../../ledger/index.js';
import { InvalidInputError, InvalidParameterError } from './results.js';

/**
 * Turns the arguments of writes into what the ledger takes, refusing malformed ones with a typed
 * InvalidInputError before anything is read or written.
 */

/** The global id of an account: `Account:<accountId>` (the read side's `Account.id`). */
export function accountGlobalId(accountId: string): string {
  return encodeGlobalID('Account', accountId);
}

/** The id inside a global id of `typename`, or an InvalidInputError about `field`. */
function idOfType(globalId: string, typename: string, field: string): string {
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

const MAX_KEY_LENGTH = 200;
const CLIENT_KEY_PREFIX = 'api:';

/** A client's idempotency key, refused unless it has 1 to 200 characters. */
export function idempotencyKeyOf(idempotencyKey: string): string {
  if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_KEY_LENGTH) {
    throw new InvalidInputError('idempotencyKey', `must be 1 to ${MAX_KEY_LENGTH} characters, e.g. a UUID`);
  }
  return idempotencyKey;
}

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
  return JSON.stringify([callerIdOf(viewer), idempotencyKeyOf(idempotencyKey)]);
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

const MAX_METADATA_KEYS = 32;
const MAX_METADATA_TEXT = 500;

/**
 * What a caller attaches to the entries: a flat JSON object of strings, numbers, booleans and
 * nulls (so that it indexes and displays easily), at most 32 keys and 500 characters a string.
 */
export function entryMetadataOf(value: unknown, field = 'metadata'): EntryMetadata {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError(field, 'must be a JSON object');
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) throw new InvalidInputError(field, `must have at most ${MAX_METADATA_KEYS} keys`);
  for (const [key, item] of entries) {
    const scalar = item === null || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)) || typeof item === 'string';
    if (!scalar) throw new InvalidInputError(`${field}.${key}`, 'must be a string, a number, a boolean or null');
    if (typeof item === 'string' && item.length > MAX_METADATA_TEXT) {
      throw new InvalidInputError(`${field}.${key}`, `must be at most ${MAX_METADATA_TEXT} characters`);
    }
  }
  return value as EntryMetadata;
}

/**
 * A feature's pricing parameters, e.g. `{ "resolution": "HD", "count": 2 }`: a JSON object of
 * strings and numbers. Their names and values are checked against the catalog by the ledger.
 */
export function pricingParametersOf(feature: string, value: unknown): PricingParameters | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('parameters', 'must be a JSON object, e.g. { "resolution": "HD" }');
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new InvalidParameterError(feature, name, `must be a string or a number, got ${JSON.stringify(item)}`);
    }
  }
  return value as PricingParameters;
}
