import type { Viewer } from '../../auth/index.js';
import type { AccountState, LedgerEntry } from '../../ledger/index.js';
import { organizationAccountId, userAccountId } from '../../store/directory.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';

/**
 * Who may do what: the one home of the API's authorization rules, applied by resolvers (through
 * `authorize`, or where the account is known: loaders, feeds) for every field, mutation and
 * subscription, so that `node(id)`, connections and payloads cannot disagree about what leaks.
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

/** Whom the caller may attribute spending to: a service any member, anyone else only itself. */
export function canSpendAs(viewer: Viewer, memberId: string): boolean {
  return viewer.role === 'service' || viewer.userId === memberId;
}

/** Per-member usage and caps of an organization's pool: its admins and services. */
export function canManageMembers(viewer: Viewer, organizationId: string): boolean {
  return viewer.role === 'service' || (viewer.role === 'admin' && viewer.organizationId === organizationId);
}

/**
 * Whether the caller may settle any caller's reservations on `accountId` (it may always settle its
 * own): a service anywhere, an admin on its organization's pool, as for members' usage and caps.
 */
export function canSettleAnyReservation(viewer: Viewer, accountId: string): boolean {
  if (viewer.role === 'service') return true;
  return viewer.organizationId !== null && accountId === organizationAccountId(viewer.organizationId) && canManageMembers(viewer, viewer.organizationId);
}

const ORGANIZATION_ACCOUNT_PREFIX = organizationAccountId('');

/** The organization whose pool `accountId` is; null for a user's own account. */
export function organizationOf(accountId: string): string | null {
  return accountId.startsWith(ORGANIZATION_ACCOUNT_PREFIX) ? accountId.slice(ORGANIZATION_ACCOUNT_PREFIX.length) : null;
}

/** The organization whose pool the account is, or null for a user's own account. */
export function organizationIdOf(account: Pick<AccountState, 'accountId' | 'accountType'>): string | null {
  return account.accountType === 'ORGANIZATION' ? organizationOf(account.accountId) : null;
}

/** Grants, removals and plan changes: the product's backend only, which bills for them. */
export function canAdministerCredits(viewer: Viewer): boolean {
  return viewer.role === 'service';
}

/** Webhook endpoints: the product's backend only, whose events they carry. */
export function canManageWebhooks(viewer: Viewer): boolean {
  return viewer.role === 'service';
}

/**
 * A member's cap on `accountId`: the pool's admins and services. On an account that is no pool,
 * a service may be told so; anyone else learns nothing about it.
 */
export function canSetMemberCap(viewer: Viewer, accountId: string): boolean {
  const organizationId = organizationOf(accountId);
  return organizationId === null ? canAdministerCredits(viewer) : canManageMembers(viewer, organizationId);
}

/** `generate` charges the caller's drawing account: a service has none (it meters through reservations). */
export function canGenerate(viewer: Viewer): boolean {
  return viewer.role !== 'service';
}

/**
 * The one way a resolver authorizes: the caller (UNAUTHENTICATED without one) if `allowed` says it
 * may, FORBIDDEN otherwise. Every rule it is given is one of this file's.
 */
export function authorize(context: Context, allowed: (viewer: Viewer) => boolean): Viewer {
  const viewer = viewerOf(context);
  if (!allowed(viewer)) throw forbidden();
  return viewer;
}

/**
 * Whose usage the caller may see itemized on an account it reads: the usage of each member of a
 * pool is for the organization's admins and services (`canManageMembers`), so a plain member of
 * the pool sees its own only. Null means everyone's (a user's own account has no one else).
 * History, summaries and live ticks all follow this one rule; `entryAsSeenBy` applies it to entries.
 */
export function itemizedMemberFor(viewer: Viewer, account: Pick<AccountState, 'accountId' | 'accountType'>): string | null {
  const organizationId = organizationIdOf(account);
  return organizationId === null || canManageMembers(viewer, organizationId) ? null : viewer.userId;
}

/** Whether the caller may see the usage of `memberId` itemized on the account (of every member, without one). */
export function canSeeUsageOf(viewer: Viewer, account: Pick<AccountState, 'accountId' | 'accountType'>, memberId?: string): boolean {
  const itemized = itemizedMemberFor(viewer, account);
  return itemized === null || (memberId !== undefined && itemized === memberId);
}

/**
 * An entry of an account the caller reads, as the caller may see it: in full when it is the
 * caller's to see (`itemizedMemberFor`), otherwise only what it did to the balances, which every
 * reader of the account sees move anyway. The usage history and the live ticks both pass every
 * entry through this, so that what one hides the other cannot show.
 */
export function entryAsSeenBy(viewer: Viewer, account: Pick<AccountState, 'accountId' | 'accountType'>): (entry: LedgerEntry) => LedgerEntry {
  const itemized = itemizedMemberFor(viewer, account);
  return itemized === null ? (entry) => entry : (entry) => (entry.memberId === itemized ? entry : balancesOnly(entry));
}

/**
 * An entry without anything of the request that made it: who, the feature, the session, the
 * asset, the idempotency key, the caller's notes and the ledger's own details (hold and grant ids,
 * reasons). Built field by field: a field added to entries fails the typecheck here until it is
 * placed on one side or the other.
 */
function balancesOnly({ accountId, seq, kind, at, changes }: LedgerEntry): LedgerEntry {
  return { accountId, seq, kind, at, changes, memberId: null, feature: null, sessionId: null, assetId: null, idempotencyKey: null, metadata: {}, details: {} };
}
