import type { IdempotencyRecord, LedgerEntry } from '../ledger/index.js';
import type { LedgerModels, StoredEntry } from './models.js';

/**
 * Attaches the keys an operation remembered to the last entry it wrote, the one place they are
 * kept (the account keeps none). Entries of the clock's advance carry no key; every keyed write
 * writes an entry of its own.
 */
export function withDurableKeys(entries: readonly LedgerEntry[], remembered: readonly IdempotencyRecord[]): StoredEntry[] {
  const last = entries.findLastIndex((entry) => entry.idempotencyKey !== null);
  const durable = remembered.map(({ key, fingerprint, outcome, balances }) => ({ key, fingerprint, outcome, ...(balances && { balances }) }));
  return entries.map((entry, index) => ({ ...entry, idempotency: index === last ? durable : [] }));
}

/**
 * Copies entries into `ledger_entries`. Safe to repeat: the unique (accountId, seq) index turns a
 * second copy of an entry into a duplicate-key error, which is ignored.
 */
export async function copyEntries(models: LedgerModels, entries: readonly StoredEntry[]): Promise<void> {
  if (entries.length === 0) return;
  try {
    await models.Entries.insertMany(entries, { ordered: false, lean: true });
  } catch (error) {
    if (!onlyDuplicates(error)) throw error;
  }
}

function onlyDuplicates(error: unknown): boolean {
  const { code, writeErrors } = error as { code?: number; writeErrors?: { code?: number; err?: { code?: number } }[] };
  if (writeErrors && writeErrors.length > 0) return writeErrors.every((failure) => (failure.code ?? failure.err?.code) === 11000);
  return code === 11000;
}
