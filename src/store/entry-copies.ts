import type { AccountState, LedgerEntry } from '../ledger/index.js';
import type { LedgerModels, StoredEntry } from './models.js';

/**
 * Attaches to the last entry of each operation the key's record (fingerprint and outcome), which
 * the account document only keeps for its idempotency window.
 */
export function withDurableKeys(entries: readonly LedgerEntry[], state: AccountState): StoredEntry[] {
  const lastSeqOfKey = new Map<string, number>();
  for (const entry of entries) if (entry.idempotencyKey !== null) lastSeqOfKey.set(entry.idempotencyKey, entry.seq);
  return entries.map((entry) => {
    const record =
      entry.idempotencyKey !== null && lastSeqOfKey.get(entry.idempotencyKey) === entry.seq
        ? state.idempotency.find((candidate) => candidate.key === entry.idempotencyKey)
        : undefined;
    return { ...entry, idempotency: record ? { key: record.key, fingerprint: record.fingerprint, outcome: record.outcome } : null };
  });
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
