import type { Viewer } from '../../auth/index.js';
import { forbidden } from '../errors.js';
import { memberIdOf } from '../inputs/global-ids.js';
import { InvalidInputError } from '../results/result-errors.js';
import { canSpendFrom, organizationOf } from './access.js';

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
    throw new InvalidInputError({ field: 'memberId', problem: "applies to an organization's pool only" });
  }
  return named;
}
