import type { Viewer } from '../../auth/index.js';
import { INPUT_LIMITS } from '../../ledger/index.js';
import { InvalidInputError } from '../results/result-errors.js';

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
    throw new InvalidInputError({ field: 'idempotencyKey', problem: `must be 1 to ${INPUT_LIMITS.idempotencyKey} characters, e.g. a UUID` });
  }
  const scoped = JSON.stringify([callerIdOf(viewer), idempotencyKey]);
  if (scoped.length > MAX_SCOPED_KEY_LENGTH) {
    throw new InvalidInputError({ field: 'idempotencyKey', problem: 'is too long with its escaped characters: use plain letters, digits and dashes, e.g. a UUID' });
  }
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

/** The client's own key in a key made by `ledgerKeyOf` or `scopedKeyOf`. */
export function clientKeyOf(key: string): string {
  const scoped = key.startsWith(CLIENT_KEY_PREFIX) ? key.slice(CLIENT_KEY_PREFIX.length) : key;
  try {
    const parsed: unknown = JSON.parse(scoped);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') return parsed[1];
  } catch {
    // Not a scoped key: the ledger's own.
  }
  return key;
}
