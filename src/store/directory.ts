import { Schema, type Connection, type Model } from 'mongoose';
import type { LedgerStore } from './ledger-store.js';

/**
 * Who belongs to which organization. The token is the authority on membership and role; this
 * directory remembers it so an organization can list its members and so the first request of a
 * new user or organization provisions their accounts.
 */
export type MembershipRole = 'member' | 'admin';
export type Membership = { organizationId: string; userId: string; role: MembershipRole; joinedAt: Date };

type MembershipDocument = Membership & { _id: string };

const membershipSchema = new Schema<MembershipDocument>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    userId: { type: String, required: true },
    role: { type: String, enum: ['member', 'admin'], required: true },
    joinedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'memberships' },
);
membershipSchema.index({ organizationId: 1, userId: 1 }, { unique: true });
membershipSchema.index({ userId: 1 });

export const userAccountId = (userId: string) => `user:${userId}`;
export const organizationAccountId = (organizationId: string) => `org:${organizationId}`;

export type ProvisionRequest = { userId: string; organizationId: string | null; role: MembershipRole };

export type Directory = Awaited<ReturnType<typeof createDirectory>>;

export async function createDirectory(options: { connection: Connection; store: LedgerStore; defaultPlanId: string; now?: () => Date }) {
  const Memberships: Model<MembershipDocument> = options.connection.model<MembershipDocument>('Membership', membershipSchema);
  await Memberships.init();
  const now = options.now ?? (() => new Date());
  // Provisioning is idempotent; remembering what this process already did keeps it off the hot path.
  const provisioned = new Set<string>();

  async function openOrThrow(accountId: string, accountType: 'USER' | 'ORGANIZATION') {
    const opened = await options.store.openAccount({ accountId, accountType, planId: options.defaultPlanId });
    if (!opened.ok) throw new Error(`cannot provision ${accountId}: ${JSON.stringify(opened.error)}`);
  }

  return {
    /** Opens the user's account, and the organization's pool with the user as a member, once. */
    async provision(request: ProvisionRequest): Promise<void> {
      const marker = JSON.stringify([request.userId, request.organizationId, request.role]);
      if (provisioned.has(marker)) return;
      await openOrThrow(userAccountId(request.userId), 'USER');
      if (request.organizationId !== null) {
        await openOrThrow(organizationAccountId(request.organizationId), 'ORGANIZATION');
        await Memberships.updateOne(
          { _id: `${request.organizationId}/${request.userId}` },
          {
            $set: { role: request.role },
            $setOnInsert: { organizationId: request.organizationId, userId: request.userId, joinedAt: now() },
          },
          { upsert: true },
        );
      }
      provisioned.add(marker);
    },

    /** Members of each organization, in user id order (batched for DataLoader). */
    async membersOf(organizationIds: readonly string[]): Promise<Membership[][]> {
      const found = await Memberships.find({ organizationId: { $in: [...organizationIds] } }, { _id: 0 })
        .sort({ organizationId: 1, userId: 1 })
        .lean<Membership[]>();
      return organizationIds.map((id) => found.filter((membership) => membership.organizationId === id));
    },

    async membership(organizationId: string, userId: string): Promise<Membership | null> {
      return Memberships.findById(`${organizationId}/${userId}`, { _id: 0 }).lean<Membership>();
    },
  };
}
