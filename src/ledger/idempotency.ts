import type { AccountState } from './account-state.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
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
  recordedAt: Date;
};

/** A fingerprint of everything the request asks for, so a key reused for something else is caught. */
export function requestFingerprint(request: object): string {
  return sha256Hex(canonicalJson({ ...request, idempotencyKey: undefined }));
}

export function findRecord(state: AccountState, key: string): IdempotencyRecord | undefined {
  return state.idempotency.find((record) => record.key === key);
}

export function remember(state: AccountState, record: IdempotencyRecord, settings: LedgerSettings): void {
  state.idempotency.push(record);
  const excess = state.idempotency.length - settings.idempotencyMaxKeys;
  if (excess > 0) state.idempotency.splice(0, excess);
}

/** Drops keys older than the retention window (records are kept in the order they were made). */
export function forgetExpiredKeys(state: AccountState, now: Date, settings: LedgerSettings): void {
  const oldestKept = now.getTime() - settings.idempotencyRetentionMs;
  const firstKept = state.idempotency.findIndex((record) => record.recordedAt.getTime() > oldestKept);
  state.idempotency.splice(0, firstKept === -1 ? state.idempotency.length : firstKept);
}
