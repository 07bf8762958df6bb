import type { Viewer } from '../../auth/index.js';
import { organizationAccountId } from '../../store/directory.js';
import { canSpendFrom } from '../accounts/access.js';
import { forbidden } from '../errors.js';
import { memberIdOf } from './inputs.js';
import { InvalidInputError } from './results.js';

/** The organization whose pool `accountId` is; null for a user's own account. */
export function organizationOf(accountId: string): string | null {
  const prefix = organizationAccountId('');
  return accountId.startsWith(prefix) ? accountId.slice(prefix.length) : null;
}

/**
 * Authorizes spending from `accountId` (FORBIDDEN unless `canSpendFrom`) and answers the member
 * the usage is attributed to and held to the cap of, in an organization pool. A member or admin
 * spends as itself (naming another member is FORBIDDEN); a service names the member, if any.
 */
export function spenderOn(viewer: Viewer, accountId: string, memberGlobalId: string | null | undefined): string | undefined {
  if (!canSpendFrom(viewer, accountId)) throw forbidden();
  const named = memberGlobalId === null || memberGlobalId === undefined ? undefined : memberIdOf(memberGlobalId);
  if (viewer.role !== 'service') {
    if (named !== undefined && named !== viewer.userId) throw forbidden();
    return organizationOf(accountId) === null ? undefined : viewer.userId;
  }
  if (named !== undefined && organizationOf(accountId) === null) {
    throw new InvalidInputError('memberId', "applies to an organization's pool only");
  }
  return named;
}
