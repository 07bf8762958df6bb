import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { compositeGlobalId } from '../composite-ids.js';
import { InvalidInputError } from '../results/result-errors.js';

/** Global ids are short base64 strings: anything much longer is no id. */
const MAX_GLOBAL_ID_LENGTH = 1_024;

/** The global id of an account: `Account:<accountId>` (the read side's `Account.id`). */
export function accountGlobalId(accountId: string): string {
  return encodeGlobalID('Account', accountId);
}

/** The id inside a global id of `typename`, or an InvalidInputError about `field`. */
function idOfType(globalId: string, typename: string, field: string): string {
  const refused = () => new InvalidInputError({ field, problem: `must be an ID of type ${typename}` });
  if (globalId.length > MAX_GLOBAL_ID_LENGTH) throw refused();
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw refused();
  }
  if (decoded.typename !== typename) throw refused();
  return decoded.id;
}

export function accountIdOf(globalId: string, field = 'accountId'): string {
  return idOfType(globalId, 'Account', field);
}

export function webhookEndpointIdOf(globalId: string, field = 'id'): string {
  return idOfType(globalId, 'WebhookEndpoint', field);
}

/** A member is named by its user's global id (`User.id`); the ledger knows it by the user id. */
export function memberIdOf(globalId: string, field = 'memberId'): string {
  return idOfType(globalId, 'User', field);
}

/**
 * A reservation is a hold of one account: its id carries both, so that committing or releasing it
 * needs nothing else (and the account is checked against the caller like any other).
 */
export function reservationGlobalId(accountId: string, holdId: string): string {
  return compositeGlobalId('Reservation', accountId, holdId);
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
    throw new InvalidInputError({ field: 'reservationId', problem: 'must be an ID of type Reservation' });
  }
  const [accountId, holdId] = parsed as [string, string];
  return { accountId, holdId };
}
