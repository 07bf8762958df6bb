import { Schema, type Connection, type Model } from 'mongoose';
import type { AccountState, LedgerEntry, Quote } from '../ledger/index.js';
import type { StoredKeyRecord } from './key-records.js';
import { webhookModels, type WebhookEventDocument } from './webhook-models.js';

/**
 * An entry as a write leaves it pending in its account: with the keys its operation remembered
 * when it is the operation's last entry (its own key, and the step's when it charged a step;
 * empty otherwise), so that a crash between the account write and the copy loses no key. Copying
 * it moves those to `idempotency_keys`.
 */
export type StoredEntry = LedgerEntry & { idempotency: StoredKeyRecord[] };

/**
 * A remembered key, for good, one document each: the account document keeps none, so its size
 * does not grow with history, and a look-up is by `_id`, the cheapest there is.
 */
export type IdempotencyKeyDocument = StoredKeyRecord & { _id: string; accountId: string };

/** The `_id` of a key's document: the account and the key, which cannot collide as JSON. */
export function keyDocumentId(accountId: string, key: string): string {
  return JSON.stringify([accountId, key]);
}

/**
 * One document per account: the whole ledger state (all meters, so a multi-meter charge is one
 * atomic write), a version for compare-and-set, and the entries written by the last write that
 * may not have been copied to `ledger_entries` yet.
 */
/**
 * The most an account document can weigh, whatever callers send: every string it keeps is
 * bounded (`INPUT_LIMITS`), and so is every collection in it (the ledger settings' open holds,
 * holders, grants and members; it keeps no idempotency keys), and a write adds at most one batch of entries
 * (the store's batch size) plus what the clock releases. Half of MongoDB's 16 MiB, so a write
 * never fails for size; test/store/account-size.test.ts fills an account as a hostile caller would.
 */
export const MAX_ACCOUNT_DOCUMENT_BYTES = 8 * 1024 * 1024;

export type AccountDocument = {
  _id: string;
  version: number;
  state: AccountState;
  pendingEntries: StoredEntry[];
  createdAt: Date;
  updatedAt: Date;
  /**
   * When something next falls due on the account without a write (`nextDueAt` of its state), so
   * that the due sweep finds it; absent on accounts stored before it existed.
   */
  dueAt?: Date | null;
};

export type QuoteDocument = Omit<Quote, 'id'> & { _id: string };

export type LedgerModels = {
  Accounts: Model<AccountDocument>;
  Entries: Model<StoredEntry>;
  Keys: Model<IdempotencyKeyDocument>;
  Quotes: Model<QuoteDocument>;
  /** The webhook outbox, filled by the same copy as `Entries`. */
  WebhookEvents: Model<WebhookEventDocument>;
};

// The ledger owns the shape of its state and entries; mongoose stores them as given (Mixed) and
// must neither drop empty objects (`minimize`) nor add fields of its own (`versionKey`).
const options = { minimize: false, versionKey: false, strict: false } as const;

const accountSchema = new Schema<AccountDocument>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    pendingEntries: { type: Schema.Types.Mixed, default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    dueAt: { type: Date, default: null },
  },
  { ...options, collection: 'accounts' },
);
// The due sweep: accounts whose next reset or expiry has come, and those whose entries wait for their copy.
accountSchema.index({ dueAt: 1 });
accountSchema.index({ updatedAt: 1 }, { partialFilterExpression: { 'pendingEntries.0': { $exists: true } } });

const entrySchema = new Schema<StoredEntry>(
  {
    accountId: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, required: true },
    at: { type: Date, required: true },
    changes: { type: Schema.Types.Mixed, required: true },
    memberId: { type: String, default: null },
    feature: { type: String, default: null },
    sessionId: { type: String, default: null },
    assetId: { type: String, default: null },
    idempotencyKey: { type: String, default: null },
    metadata: { type: Schema.Types.Mixed, default: {} },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { ...options, collection: 'ledger_entries' },
);
// Copying an entry twice (a retry after a crash) hits this index instead of duplicating history.
entrySchema.index({ accountId: 1, seq: 1 }, { unique: true });
entrySchema.index({ accountId: 1, at: 1 });
// The history filtered by kind, newest first (`usage(filter: { kinds })`, the reservations of each status).
entrySchema.index({ accountId: 1, kind: 1, seq: -1 });
// A hold's entries (the reservation it is), and a session's (its total, the history filtered by session).
entrySchema.index({ accountId: 1, 'details.holdId': 1 });
entrySchema.index({ accountId: 1, sessionId: 1, seq: -1 });

const keySchema = new Schema<IdempotencyKeyDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    key: { type: String, required: true },
    fingerprint: { type: Buffer, required: true },
    outcome: { type: Schema.Types.Mixed, required: true },
    balances: { type: Schema.Types.Mixed },
  },
  { ...options, collection: 'idempotency_keys' },
);

const quoteSchema = new Schema<QuoteDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    feature: { type: String, required: true },
    parameters: { type: Schema.Types.Mixed, default: {} },
    price: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { ...options, collection: 'quotes' },
);
// An expired quote is refused by the ledger; MongoDB may delete it a day later.
quoteSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 86_400 });

/**
 * A receiver registered by a service. `_id` is random (`randomBytes`), so that an id seen once
 * tells nothing of the others; `secret` is kept to sign deliveries and shown only at creation and
 * rotation (the API never reads it back). After a rotation the replaced secret is kept as
 * `previousSecret` and still signs deliveries until `previousSecretExpiresAt`, so that receivers
 * can deploy the new one without rejecting anything meanwhile; it is never shown.
 */
export type WebhookEndpointDocument = {
  _id: string;
  url: string;
  eventTypes: string[];
  description: string;
  disabled: boolean;
  secret: string;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date;
  /** Absent or null: no previous secret in force (never rotated, or rotated with no grace). */
  previousSecret?: string | null;
  previousSecretExpiresAt?: Date | null;
  /** Since when its deliveries give up (the last retry failed), until one succeeds; absent or null: healthy. */
  failingSince?: Date | null;
};

const webhookEndpointSchema = new Schema<WebhookEndpointDocument>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    eventTypes: { type: [String], required: true },
    description: { type: String, default: '' },
    disabled: { type: Boolean, default: false },
    secret: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    secretRotatedAt: { type: Date, required: true },
    previousSecret: { type: String, default: null },
    previousSecretExpiresAt: { type: Date, default: null },
    failingSince: { type: Date, default: null },
  },
  { ...options, collection: 'webhook_endpoints' },
);

export async function webhookEndpointModel(connection: Connection): Promise<Model<WebhookEndpointDocument>> {
  const model = connection.model<WebhookEndpointDocument>('WebhookEndpoint', webhookEndpointSchema);
  await model.init();
  return model;
}

export async function ledgerModels(connection: Connection): Promise<LedgerModels> {
  const models = {
    Accounts: connection.model<AccountDocument>('Account', accountSchema),
    Entries: connection.model<StoredEntry>('LedgerEntry', entrySchema),
    Keys: connection.model<IdempotencyKeyDocument>('IdempotencyKey', keySchema),
    Quotes: connection.model<QuoteDocument>('Quote', quoteSchema),
  };
  await Promise.all(Object.values(models).map((model) => model.init()));
  return { ...models, WebhookEvents: (await webhookModels(connection)).Events };
}
