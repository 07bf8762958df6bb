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
// A membership is the pair (organizationId, userId), unique below; reads go by the pair. `_id` is
// derived from it in a form no two pairs share: the `${org}/${user}` that older records carry made
// organization `x` with user `y/z` and organization `x/y` with user `z` one record.
membershipSchema.index({ organizationId: 1, userId: 1 }, { unique: true });
membershipSchema.index({ userId: 1 });

/** The `_id` of a new membership: both parts, each quoted, so no two pairs give the same id. */
const membershipId = (organizationId: string, userId: string) => JSON.stringify([organizationId, userId]);

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

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
        const { organizationId, userId, role } = request;
        try {
          await Memberships.updateOne(
            { _id: membershipId(organizationId, userId), organizationId, userId },
            { $set: { role }, $setOnInsert: { joinedAt: now() } },
            { upsert: true },
          );
        } catch (error) {
          // The pair is recorded already: under an older id, or by a first request that won a race.
          if (!isDuplicateKey(error)) throw error;
          await Memberships.updateOne({ organizationId, userId }, { $set: { role } });
        }
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
      return Memberships.findOne({ organizationId, userId }, { _id: 0 }).lean<Membership>();
    },
  };
}
