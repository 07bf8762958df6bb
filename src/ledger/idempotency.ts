import type { AccountState } from './account-state.js';
import type { MeterBalance } from './balances.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Draft } from './draft.js';
import type { OperationSuccess } from './outcomes.js';
import type { LedgerSettings } from './settings.js';

/**
 * A remembered key: the request it was first used with (as a fingerprint) and what happened.
 * Only operations that applied are remembered, so an attempt that was refused (e.g. for lack of
 * credits) can be retried with the same key later.
 */
export type IdempotencyRecord = {
  key: string;
  fingerprint: string;
  outcome: OperationSuccess;
  /** The balances the first request answered (absent on a step's own key, which answers no one). */
  balances?: MeterBalance[];
  recordedAt: Date;
};

/**
 * What the store keeps of a key beyond the account's window, on the last entry of the operation
 * that remembered it, and hands back for keys the account has forgotten.
 */
export type DurableKeyRecord = Omit<IdempotencyRecord, 'recordedAt'>;

/** What is known about a key: the account's memory first, then what the store found. */
export type Recall = (key: string) => DurableKeyRecord | undefined;

/**
 * A fingerprint of everything the request asks for, so a key reused for something else is caught.
 * Who may settle is not part of it: the same caller retrying with another role asks the same.
 */
export function requestFingerprint(request: object): string {
  return sha256Hex(canonicalJson({ ...request, idempotencyKey: undefined, settler: undefined }));
}

export function findRecord(state: AccountState, key: string): IdempotencyRecord | undefined {
  return state.idempotency.find((record) => record.key === key);
}

/** Remembers a key in the draft's account and lists it among what the operation remembered. */
export function remember(draft: Draft, record: IdempotencyRecord, settings: LedgerSettings): void {
  const { state } = draft;
  state.idempotency.push(record);
  const excess = state.idempotency.length - settings.idempotencyMaxKeys;
  if (excess > 0) state.idempotency.splice(0, excess);
  draft.remembered.push(record);
}

/** Drops keys older than the retention window (records are kept in the order they were made). */
export function forgetExpiredKeys(state: AccountState, now: Date, settings: LedgerSettings): void {
  const oldestKept = now.getTime() - settings.idempotencyRetentionMs;
  const firstKept = state.idempotency.findIndex((record) => record.recordedAt.getTime() > oldestKept);
  state.idempotency.splice(0, firstKept === -1 ? state.idempotency.length : firstKept);
}
