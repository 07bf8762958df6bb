import { createContextCache } from '@pothos/core';
import { resolveArrayConnection } from '@pothos/plugin-relay';
import DataLoader from 'dataloader';
import { METERS, type AccountState, type MemberUsage } from '../../ledger/index.js';
import type { Membership } from '../../store/directory.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { compositeGlobalId } from '../composite-ids.js';
import type { Context } from '../context.js';
import { authorize, canManageMembers, organizationIdOf } from './access.js';
import { AccountRef } from './account.js';
import { RoleEnum, UserRef } from './viewer.js';

/** Memberships per organization, batched per request: a service reading several pools asks the directory once. */
const membershipLoader = createContextCache(
  (context: Context) => new DataLoader((organizationIds: readonly string[]) => context.services.directory.membersOf(organizationIds)),
);

/** A member's usage of a pool's meter, with the pool it is of, which its id names. */
type PoolMemberUsage = MemberUsage & { readonly accountId: string };
type MemberNode = { readonly accountId: string; readonly membership: Membership; readonly usage: readonly PoolMemberUsage[] };

const MemberMeterUsageRef = builder.objectRef<PoolMemberUsage>('MemberMeterUsage').implement({
  description: "One member's use of one meter of the pool this period.",
  fields: (t) => ({
    id: t.id({
      description: 'The pool, the member and the meter, as one global id.',
      resolve: ({ accountId, memberId, meter }) => compositeGlobalId('MemberMeterUsage', accountId, memberId, meter),
    }),
    meter: t.field({ type: MeterEnum, resolve: (usage) => usage.meter }),
    used: t.exposeInt('used', { description: 'Credits the member consumed this period.' }),
    reserved: t.exposeInt('reserved', { description: "Credits held for the member's generations under way." }),
    cap: t.int({
      nullable: true,
      description: 'The most the member may use this period (what it holds counts too); null when uncapped.',
      resolve: (usage) => usage.cap,
    }),
  }),
});

const OrganizationMemberRef = builder.objectRef<MemberNode>('OrganizationMember').implement({
  description: 'A user drawing from an organization pool, with what it used of the pool this period.',
  fields: (t) => ({
    id: t.id({
      description: 'The pool and the member, as one global id.',
      resolve: ({ accountId, membership }) => compositeGlobalId('OrganizationMember', accountId, membership.userId),
    }),
    user: t.field({ type: UserRef, resolve: ({ membership }) => ({ userId: membership.userId }) }),
    role: t.field({ type: RoleEnum, description: 'MEMBER or ADMIN.', resolve: ({ membership }) => membership.role }),
    joinedAt: t.field({ type: 'DateTime', description: 'When the member first used the API.', resolve: ({ membership }) => membership.joinedAt }),
    usage: t.field({ type: [MemberMeterUsageRef], description: 'One entry per meter, in a fixed meter order.', resolve: ({ usage }) => usage }),
  }),
});

/** Every meter of every member: the ledger only records members that used or were capped on the pool. */
function usageByMember(account: AccountState, context: Context): (userId: string) => PoolMemberUsage[] {
  const recorded = new Map<string, MemberUsage>();
  for (const usage of context.services.store.memberUsage(account)) recorded.set(`${usage.memberId}\n${usage.meter}`, usage);
  const { accountId } = account;
  return (userId) =>
    METERS.map((meter) => ({ ...(recorded.get(`${userId}\n${meter}`) ?? { memberId: userId, meter, used: 0, reserved: 0, cap: null }), accountId }));
}

builder.objectField(AccountRef, 'members', (t) =>
  t.connection(
    {
      type: OrganizationMemberRef,
      nullable: true,
      description:
        "An organization's members in user id order, each with its usage and caps this period: for the organization's admins and services (FORBIDDEN to a plain member); null for a user's account.",
      resolve: async (account, args, context) => {
        const organizationId = organizationIdOf(account);
        if (organizationId === null) return null;
        authorize(context, (viewer) => canManageMembers(viewer, organizationId));
        const memberships = await membershipLoader(context).load(organizationId);
        const usageOf = usageByMember(account, context);
        return resolveArrayConnection(
          { args },
          memberships.map((membership) => ({ accountId: account.accountId, membership, usage: usageOf(membership.userId) })),
        );
      },
    },
    { name: 'OrganizationMemberConnection' },
    { name: 'OrganizationMemberEdge' },
  ),
);
