import type { Viewer } from '../../auth/index.js';
import type { AccountState } from '../../ledger/index.js';
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

const ORGANIZATION_ACCOUNT_PREFIX = organizationAccountId('');

/** The organization whose pool the account is, or null for a user's own account. */
export function organizationIdOf(account: Pick<AccountState, 'accountId' | 'accountType'>): string | null {
  return account.accountType === 'ORGANIZATION' && account.accountId.startsWith(ORGANIZATION_ACCOUNT_PREFIX)
    ? account.accountId.slice(ORGANIZATION_ACCOUNT_PREFIX.length)
    : null;
}

/**
 * Whose usage the caller may see itemized on an account it reads: the usage of each member of a
 * pool is for the organization's admins and services (`canManageMembers`), so a plain member of
 * the pool sees its own only. Null means everyone's (a user's own account has no one else).
 * History, summaries and live ticks all follow this one rule.
 */
export function itemizedMemberFor(viewer: Viewer, account: Pick<AccountState, 'accountId' | 'accountType'>): string | null {
  const organizationId = organizationIdOf(account);
  return organizationId === null || canManageMembers(viewer, organizationId) ? null : viewer.userId;
}
