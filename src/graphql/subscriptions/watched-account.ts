import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { canReadAccount } from '../accounts/access.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';
import type { Viewer } from '../../auth/index.js';

/** The global ID of an Account (`Account:<account id>`), as the store's account id. */
export const AccountGlobalId = z.string().transform((globalId, ctx) => {
  let typename: string | null = null;
  let id = '';
  try {
    ({ typename, id } = decodeGlobalID(globalId));
  } catch {
    // Not a global ID at all: reported below like the ID of another type.
  }
  if (typename !== 'Account') {
    ctx.addIssue({ code: 'custom', message: 'must be the ID of an Account' });
    return z.NEVER;
  }
  return id;
});

/**
 * The caller, when it may watch the account: its own, its organization's pool, or any for a
 * service. An account that does not exist is refused with the same FORBIDDEN as someone else's,
 * so that a subscription never tells which accounts exist.
 */
export async function watcherOf(context: Context, accountId: string): Promise<Viewer> {
  const viewer = viewerOf(context);
  if (!canReadAccount(viewer, accountId)) throw forbidden();
  const [account] = await context.services.store.loadAccounts([accountId]);
  if (!account) throw forbidden();
  return viewer;
}
