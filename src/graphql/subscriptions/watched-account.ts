import type { Viewer } from '../../auth/index.js';
import type { AccountState } from '../../ledger/index.js';
import { authorize, canReadAccount } from '../accounts/access.js';
import { namedOrDrawingAccountId } from '../accounts/account-argument.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';

/**
 * The caller and the account its `accountId` argument names (without one, the account the caller
 * draws from), when the caller may watch it: its own, its organization's pool, or any for a
 * service. An account that does not exist is refused with the same FORBIDDEN as someone else's,
 * so that a subscription never tells which accounts exist.
 */
export async function watcherOf(context: Context, globalId: string | null | undefined): Promise<{ viewer: Viewer; account: AccountState }> {
  const accountId = namedOrDrawingAccountId(viewerOf(context), globalId);
  const viewer = authorize(context, (caller) => canReadAccount(caller, accountId));
  const [account] = await context.services.store.loadAccounts([accountId]);
  if (!account) throw forbidden();
  return { viewer, account };
}
