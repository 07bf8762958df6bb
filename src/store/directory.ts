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

const provisionMarker = (request: ProvisionRequest) => JSON.stringify([request.userId, request.organizationId, request.role]);

/** Provisions this process remembers at most: the least recently provisioned go first (and are provisioned again, idempotently, if seen again). */
const MAX_REMEMBERED_PROVISIONS = 100_000;

/** The accounts a provision opens: the user's, and the organization's pool. */
const accountsOf = (request: ProvisionRequest) => [userAccountId(request.userId), ...(request.organizationId === null ? [] : [organizationAccountId(request.organizationId)])];

/**
 * The provisions done, by marker, at most `capacity` (the least recent going first), and which
 * markers opened each account, so that an account found missing is looked up at once.
 */
class RememberedProvisions {
  readonly #requests = new Map<string, ProvisionRequest>();
  readonly #markersOf = new Map<string, Set<string>>();
  constructor(private readonly capacity: number) {}
  has(marker: string): boolean {
    return this.#requests.has(marker);
  }
  add(marker: string, request: ProvisionRequest): void {
    this.#requests.set(marker, request);
    for (const accountId of accountsOf(request)) this.#markersOf.set(accountId, (this.#markersOf.get(accountId) ?? new Set()).add(marker));
    if (this.#requests.size > this.capacity) this.#forget(this.#requests.keys().next().value!);
  }
  /** Forgets every provision that opened `accountId`, and answers them, to be provisioned again. */
  forgetAccount(accountId: string): ProvisionRequest[] {
    const markers = [...(this.#markersOf.get(accountId) ?? [])];
    const requests = markers.map((marker) => this.#requests.get(marker)!);
    for (const marker of markers) this.#forget(marker);
    return requests;
  }
  #forget(marker: string): void {
    for (const accountId of accountsOf(this.#requests.get(marker)!)) {
      const markers = this.#markersOf.get(accountId)!;
      markers.delete(marker);
      if (markers.size === 0) this.#markersOf.delete(accountId);
    }
    this.#requests.delete(marker);
  }
}

export type Directory = Awaited<ReturnType<typeof createDirectory>>;

export async function createDirectory(options: { connection: Connection; store: LedgerStore; defaultPlanId: string; now?: () => Date }) {
  const Memberships: Model<MembershipDocument> = options.connection.model<MembershipDocument>('Membership', membershipSchema);
  await Memberships.init();
  const now = options.now ?? (() => new Date());
  // Provisioning is idempotent; remembering what this process already did keeps it off the hot path.
  // What it remembers holds only while the database keeps it: one that comes back empty
  // (restarted, a backup restored) has lost the accounts, so a write that finds one of them
  // missing provisions it again, and is tried once more.
  const provisioned = new RememberedProvisions(MAX_REMEMBERED_PROVISIONS);
  // Every write of a batch that met the missing account asks at once: they share one reopening,
  // rather than the first forgetting what the others would need to know the account was provisioned.
  const reopening = new Map<string, Promise<boolean>>();
  options.store.reopenMissingAccounts((accountId) => {
    const running = reopening.get(accountId);
    if (running) return running;
    const reopened = (async () => {
      const requests = provisioned.forgetAccount(accountId);
      for (const request of requests) await provision(request);
      return requests.length > 0;
    })().finally(() => reopening.delete(accountId));
    reopening.set(accountId, reopened);
    return reopened;
  });

  async function openOrThrow(accountId: string, accountType: 'USER' | 'ORGANIZATION') {
    const opened = await options.store.openAccount({ accountId, accountType, planId: options.defaultPlanId });
    if (!opened.ok) throw new Error(`cannot provision ${accountId}: ${JSON.stringify(opened.error)}`);
  }

  /** Opens the user's account, and the organization's pool with the user as a member, once. */
  async function provision(request: ProvisionRequest): Promise<void> {
    const marker = provisionMarker(request);
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
    provisioned.add(marker, request);
  }

  return {
    provision,

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
