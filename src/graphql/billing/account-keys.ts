import type { Viewer } from '../../auth/index.js';
import type { AccountState } from '../../ledger/index.js';
import { canReadAccount, organizationOf } from '../accounts/access.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';

/**
 * Things of one account (a reservation, a session) are keyed by both, `JSON [accountId, id]`:
 * the id inside their global ids, so that one names its account and is checked against the
 * caller like the account itself.
 */
export function accountKey(accountId: string, id: string): string {
  return JSON.stringify([accountId, id]);
}

function parseAccountKey(key: string): { accountId: string; id: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) return null;
  const [accountId, id] = parsed as [string, string];
  return { accountId, id };
}

/** What the access rules need of an account known only by its id. */
export function accountOfId(accountId: string): Pick<AccountState, 'accountId' | 'accountType'> {
  return { accountId, accountType: organizationOf(accountId) === null ? 'USER' : 'ORGANIZATION' };
}

/**
 * A DataLoader's batch of account keys: one call of `loadOf` per account the caller may read,
 * with the ids asked of it; an account it may not read is FORBIDDEN whether it exists or not
 * (as `account(id)` answers), a key that is no key, or an id not found, null.
 */
export async function loadByAccount<T>(
  keys: readonly string[],
  context: Context,
  loadOf: (accountId: string, ids: readonly string[], viewer: Viewer) => Promise<ReadonlyMap<string, T>>,
): Promise<(T | Error | null)[]> {
  const viewer = viewerOf(context);
  const parsed = keys.map(parseAccountKey);
  const idsByAccount = new Map<string, string[]>();
  for (const key of parsed) {
    if (key !== null && canReadAccount(viewer, key.accountId)) idsByAccount.set(key.accountId, [...(idsByAccount.get(key.accountId) ?? []), key.id]);
  }
  const found = new Map(await Promise.all([...idsByAccount].map(async ([accountId, ids]) => [accountId, await loadOf(accountId, ids, viewer)] as const)));
  return parsed.map((key) => {
    if (key === null) return null;
    const loaded = found.get(key.accountId);
    return loaded === undefined ? forbidden() : (loaded.get(key.id) ?? null);
  });
}
