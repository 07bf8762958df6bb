import type { IdempotencyRecord, LedgerEntry } from '../ledger/index.js';
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

/**
 * Copies entries into `ledger_entries` and the keys they carry into `idempotency_keys`, side by
 * side. Safe to repeat: the unique (accountId, seq) index and the keys' `_id` turn a second copy
 * into duplicate-key errors, which are ignored.
 */
export async function copyEntries(models: LedgerModels, entries: readonly StoredEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const keys = entries.flatMap(({ accountId, idempotency }) => idempotency.map((record) => ({ _id: keyDocumentId(accountId, record.key), accountId, ...record })));
  const history = entries.map(({ idempotency: _keys, ...entry }) => entry);
  await Promise.all([insertOnce(models.Entries, history), keys.length === 0 ? undefined : insertOnce(models.Keys, keys)]);
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
