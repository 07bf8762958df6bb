import type { MeterBalance } from './balances.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Draft } from './draft.js';
import type { OperationSuccess } from './outcomes.js';

/**
 * A remembered key: the request it was first used with (as a fingerprint) and what happened.
 * Only operations that applied are remembered, so an attempt that was refused (e.g. for lack of
 * credits) can be retried with the same key later. The account does not keep them: their number
 * grows with history, and the account holds only what the rules need now. The store keeps each on
 * the last entry its operation wrote, for good, and hands back those an operation names (`keysOf`).
 */
export type IdempotencyRecord = {
  key: string;
  fingerprint: string;
  outcome: OperationSuccess;
  /** The balances the first request answered (absent on a step's own key, which answers no one). */
  balances?: MeterBalance[];
};

/** What is known about a key: what the operation remembered itself, then what the store found. */
export type Recall = (key: string) => IdempotencyRecord | undefined;

/**
 * A fingerprint of everything the request asks for, so a key reused for something else is caught.
 * Who may settle is not part of it: the same caller retrying with another role asks the same.
 */
export function requestFingerprint(request: object): string {
  return sha256Hex(canonicalJson({ ...request, idempotencyKey: undefined, settler: undefined }));
}

/** Lists a key among what the operation remembered, for the store to keep with its entries. */
export function remember(draft: Draft, record: IdempotencyRecord): void {
  draft.remembered.push(record);
}
