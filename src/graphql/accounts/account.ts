import type { AccountState, AccountType } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { PlanRef, requirePlanNode } from '../catalog/index.js';
import { viewerOf, type Context } from '../context.js';
import { forbidden } from '../errors.js';
import { canReadAccount, drawingAccountId } from './access.js';
import { accountIdOf } from '../inputs/index.js';
import { ViewerRef } from './viewer.js';

/**
 * The one way accounts are loaded, batched per request. The access rule is applied here, to the
 * ids, before the store is asked: an account the caller may not read is FORBIDDEN whether it
 * exists or not, so `account(id)`, `node(id)` and every field that returns an Account answer a
 * foreign account and a made-up one alike, and nothing unreadable is ever read.
 */
async function loadReadableAccounts(ids: readonly string[], context: Context): Promise<(AccountState | Error | null)[]> {
  const viewer = viewerOf(context);
  const readable = ids.filter((id) => canReadAccount(viewer, id));
  const states = readable.length === 0 ? [] : await context.services.store.loadAccounts(readable);
  const found = new Map(readable.map((id, index) => [id, states[index] ?? null]));
  return ids.map((id) => (found.has(id) ? found.get(id)! : forbidden()));
}

const AccountKindEnum = builder.enumType('AccountKind', {
  values: {
    USER: { description: 'A person on its own.' },
    ORGANIZATION: { description: "A team's shared pool, which its members draw from." },
  } satisfies Record<AccountType, { description: string }>,
});

const PendingPlanChangeRef = builder.objectRef<NonNullable<AccountState['pendingPlan']>>('PendingPlanChange').implement({
  description: 'A downgrade waiting for the next billing reset.',
  fields: (t) => ({
    plan: t.field({ type: PlanRef, resolve: ({ planId }, _args, context) => requirePlanNode(context, planId) }),
    effectiveAt: t.field({ type: 'DateTime', resolve: ({ effectiveAt }) => effectiveAt }),
  }),
});


// Loads answer null for an account that does not exist (what only a service can learn), so every
// field that returns an Account is nullable while the type's own shape is never null.
export const AccountRef = builder.loadableNodeRef<AccountState | null, string, string, string, AccountState>('Account', {
  id: { resolve: (account) => account.accountId },
  load: loadReadableAccounts,
});

AccountRef.implement({
  description: 'Credits a user or an organization draws from: its plan, balances, usage history and members.',
  fields: (t) => ({
    kind: t.field({ type: AccountKindEnum, resolve: (account) => account.accountType }),
    plan: t.field({ type: PlanRef, resolve: (account, _args, context) => requirePlanNode(context, account.planId) }),
    pendingPlan: t.field({
      type: PendingPlanChangeRef,
      nullable: true,
      description: 'A scheduled downgrade and when it applies; null when none is waiting.',
      resolve: (account) => account.pendingPlan,
    }),
    timeZone: t.string({
      description: "The IANA time zone the account's days are counted in: daily resets and usage summaries by day.",
      resolve: (account) => account.timeZone,
    }),
  }),
});

builder.queryField('account', (t) =>
  t.field({
    type: AccountRef,
    nullable: true,
    description: 'An account by its global ID: FORBIDDEN unless the caller may read it, whether or not it exists.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => {
      viewerOf(context);
      return accountIdOf(id, 'id');
    },
  }),
);

builder.objectField(ViewerRef, 'account', (t) =>
  t.field({
    type: AccountRef,
    nullable: true,
    description: "The account the caller's usage is charged to: its organization's pool when the token names one, else its own; null for a service.",
    resolve: (viewer) => (viewer.role === 'service' ? null : drawingAccountId(viewer)),
  }),
);
