import { Binary } from 'mongodb';
import type { IdempotencyRecord, Meter, MeterBalance } from '../ledger/index.js';

/**
 * A meter's balance as a key record keeps it: the fields of `MeterBalance` in this order. A record
 * is written twice per keyed write (pending in the account, then in `idempotency_keys`), so field
 * names repeated for every meter would be most of what a debit sends to the database.
 */
type StoredBalance = [Meter, boolean, number, number, number, number, number, Date, Date];

/** A key record as stored: the fingerprint (a SHA-256 in hex) as its 32 bytes, the balances as tuples. */
export type StoredKeyRecord = Omit<IdempotencyRecord, 'fingerprint' | 'balances'> & { fingerprint: Binary; balances?: StoredBalance[] };

export function storedKeyRecord({ key, fingerprint, outcome, balances }: IdempotencyRecord): StoredKeyRecord {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error(`a key record's fingerprint is not a SHA-256 in hex: ${fingerprint}`);
  return {
    key,
    fingerprint: new Binary(Buffer.from(fingerprint, 'hex')),
    outcome,
    ...(balances && {
      balances: balances.map((balance): StoredBalance => [
        balance.meter,
        balance.unlimited,
        balance.allowance,
        balance.available,
        balance.used,
        balance.reserved,
        balance.topUp,
        balance.periodStart,
        balance.resetsAt,
      ]),
    }),
  };
}

/**
 * The record a stored one keeps. A record written before this format (the fingerprint in hex,
 * balances as objects: the ledger's own shape) is read as it is, so that its retries still replay.
 */
export function keyRecordOf(stored: StoredKeyRecord | IdempotencyRecord): IdempotencyRecord {
  if (typeof stored.fingerprint === 'string') return stored as IdempotencyRecord;
  const { key, fingerprint, outcome, balances } = stored as StoredKeyRecord;
  return {
    key,
    fingerprint: Buffer.from(fingerprint.buffer).toString('hex'),
    outcome,
    ...(balances && {
      balances: balances.map(
        ([meter, unlimited, allowance, available, used, reserved, topUp, periodStart, resetsAt]): MeterBalance => ({
          meter,
          unlimited,
          allowance,
          available,
          used,
          reserved,
          topUp,
          periodStart,
          resetsAt,
        }),
      ),
    }),
  };
}
