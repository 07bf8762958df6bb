import { keyDocumentId, type LedgerModels } from './models.js';

/**
 * Whether a write with `key` applied on the account: its key is remembered, in `idempotency_keys`
 * or, until copied there, on the account's pending entries. Those are looked at first: entries
 * are copied before they leave the account, so a key that applied is in one of the two whatever
 * a writer does between the two reads.
 */
export async function remembersKey(models: LedgerModels, accountId: string, key: string): Promise<boolean> {
  if (await models.Accounts.exists({ _id: accountId, 'pendingEntries.idempotency.key': key })) return true;
  return (await models.Keys.exists({ _id: keyDocumentId(accountId, key) })) !== null;
}
