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

export function keyRecordOf({ key, fingerprint, outcome, balances }: StoredKeyRecord): IdempotencyRecord {
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
