import type { Viewer } from '../../auth/index.js';
import { organizationAccountId, userAccountId } from '../../store/directory.js';

/**
 * Which accounts a caller may touch. One rule for every field, mutation and subscription, so
 * that `node(id)`, connections and payloads cannot disagree about what leaks.
 *
 * - a member or admin sees its own account and its organization's pool;
 * - it spends from the account it draws from: the organization's pool when it has one;
 * - a service may act on any account.
 */
export function readableAccountIds(viewer: Viewer): readonly string[] | 'ANY' {
  if (viewer.role === 'service') return 'ANY';
  const own = userAccountId(viewer.userId);
  return viewer.organizationId === null ? [own] : [own, organizationAccountId(viewer.organizationId)];
}

export function canReadAccount(viewer: Viewer, accountId: string): boolean {
  const readable = readableAccountIds(viewer);
  return readable === 'ANY' || readable.includes(accountId);
}

/** The account the caller's usage is charged to. */
export function drawingAccountId(viewer: Viewer): string {
  return viewer.organizationId === null ? userAccountId(viewer.userId) : organizationAccountId(viewer.organizationId);
}

export function canSpendFrom(viewer: Viewer, accountId: string): boolean {
  return viewer.role === 'service' || drawingAccountId(viewer) === accountId;
}

/** Per-member usage and caps of an organization's pool: its admins and services. */
export function canManageMembers(viewer: Viewer, organizationId: string): boolean {
  return viewer.role === 'service' || (viewer.role === 'admin' && viewer.organizationId === organizationId);
}
