import type { Viewer } from '../../auth/index.js';
import type { Context } from '../context.js';
import { memberIdOf } from '../inputs/global-ids.js';
import { InvalidInputError } from '../results/result-errors.js';
import { authorize, canSpendAs, canSpendFrom, organizationOf } from './access.js';

/**
 * Authorizes spending from `accountId` (FORBIDDEN unless `canSpendFrom`) and answers the member
 * the usage is attributed to and held to the cap of, in an organization pool. A member or admin
 * spends as itself (naming another member is FORBIDDEN); a service names the member, if any.
 */
export function spenderOn(context: Context, accountId: string, memberGlobalId: string | null | undefined): { viewer: Viewer; memberId: string | undefined } {
  const named = memberGlobalId === null || memberGlobalId === undefined ? undefined : memberIdOf(memberGlobalId);
  const viewer = authorize(context, (caller) => canSpendFrom(caller, accountId) && (named === undefined || canSpendAs(caller, named)));
  if (viewer.role !== 'service') return { viewer, memberId: organizationOf(accountId) === null ? undefined : viewer.userId };
  if (named !== undefined && organizationOf(accountId) === null) {
    throw new InvalidInputError({ field: 'memberId', problem: "applies to an organization's pool only" });
  }
  return { viewer, memberId: named };
}
