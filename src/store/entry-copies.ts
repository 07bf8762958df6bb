import type { IdempotencyRecord, LedgerEntry } from '../ledger/index.js';
import type { WebhookEvent } from '../webhooks/ledger-events.js';
import { eventDocuments } from './webhook-models.js';
import type { Model } from 'mongoose';
import { storedKeyRecord } from './key-records.js';
import { keyDocumentId, type LedgerModels, type StoredEntry } from './models.js';

/**
 * Attaches the keys an operation remembered to the last entry it wrote, the one place they are
 * kept (the account keeps none). Entries of the clock's advance carry no key; every keyed write
 * writes an entry of its own.
 */
export function withDurableKeys(entries: readonly LedgerEntry[], remembered: readonly IdempotencyRecord[]): StoredEntry[] {
  const last = entries.findLastIndex((entry) => entry.idempotencyKey !== null);
  const durable = remembered.map(storedKeyRecord);
  return entries.map((entry, index) => ({ ...entry, idempotency: index === last ? durable : [] }));
}

/** One write's entries, and the webhook events they give (`webhookEventsOf`). */
export type EntryCopy = { readonly entries: readonly StoredEntry[]; readonly events: readonly WebhookEvent[] };

/**
 * Copies entries into `ledger_entries`, the keys they carry into `idempotency_keys` and their
 * events into the webhook outbox, side by side: an event is recorded exactly when its entry is
 * copied, before anyone is told of the write. Safe to repeat: the unique (accountId, seq) index
 * and the keys' and events' `_id`s turn a second copy into duplicate-key errors, which are ignored.
 */
export async function copyEntries(models: LedgerModels, copies: readonly EntryCopy[]): Promise<void> {
  const entries = copies.flatMap((copy) => copy.entries);
  if (entries.length === 0) return;
  const keys = entries.flatMap(({ accountId, idempotency }) => idempotency.map((record) => ({ _id: keyDocumentId(accountId, record.key), accountId, ...record })));
  const history = entries.map(({ idempotency: _keys, ...entry }) => entry);
  const events = eventDocuments(copies.flatMap((copy) => copy.events), new Date());
  await Promise.all([
    insertOnce(models.Entries, history),
    keys.length === 0 ? undefined : insertOnce(models.Keys, keys),
    events.length === 0 ? undefined : insertOnce(models.WebhookEvents, events),
  ]);
}

async function insertOnce<T>(model: Model<T>, documents: readonly object[]): Promise<void> {
  try {
    await model.insertMany(documents, { ordered: false, lean: true });
  } catch (error) {
    if (!onlyDuplicates(error)) throw error;
  }
}

function onlyDuplicates(error: unknown): boolean {
  const { code, writeErrors } = error as { code?: number; writeErrors?: { code?: number; err?: { code?: number } }[] };
  if (writeErrors && writeErrors.length > 0) return writeErrors.every((failure) => (failure.code ?? failure.err?.code) === 11000);
  return code === 11000;
}
