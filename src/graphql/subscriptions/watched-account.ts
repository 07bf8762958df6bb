import type { Viewer } from '../../auth/index.js';
import type { AccountState } from '../../ledger/index.js';
import { authorize, canReadAccount } from '../accounts/access.js';
import type { Context } from '../context.js';
import { forbidden } from '../errors.js';

/**
 * The caller and the account, when the caller may watch it: its own, its organization's pool, or
 * any for a service. An account that does not exist is refused with the same FORBIDDEN as someone
 * else's, so that a subscription never tells which accounts exist.
 */
export async function watcherOf(context: Context, accountId: string): Promise<{ viewer: Viewer; account: AccountState }> {
  const viewer = authorize(context, (caller) => canReadAccount(caller, accountId));
  const [account] = await context.services.store.loadAccounts([accountId]);
  if (!account) throw forbidden();
  return { viewer, account };
}
