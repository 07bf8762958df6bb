import { Binary } from 'mongodb';
import type { IdempotencyRecord, Meter, MeterBalance } from '../ledger/index.js';

/**
 * A meter's balance as a key record keeps it: the fields of `MeterBalance` in this order. A record
 * is written twice per keyed write (pending in the account, then in `idempotency_keys`), so field
 * names repeated for every meter would be most of what a debit sends to the database.
 */
type StoredBalance = [Meter, boolean, number, number, number, number, number, Date, Date, StoredDaily?];
/** `MeterBalance.daily` (limit, used today, when the day resets), left out without a daily limit. */
type StoredDaily = [number, number, Date];

/** A key record as stored: the fingerprint (a SHA-256 in hex) as its 32 bytes, the balances as tuples. */
export type StoredKeyRecord = Omit<IdempotencyRecord, 'fingerprint' | 'balances'> & { fingerprint: Binary; balances?: StoredBalance[] };

export function storedKeyRecord({ key, fingerprint, outcome, balances }: IdempotencyRecord): StoredKeyRecord {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error(`a key record's fingerprint is not a SHA-256 in hex: ${fingerprint}`);
  return {
    key,
    fingerprint: new Binary(Buffer.from(fingerprint, 'hex')),
    outcome,
    ...(balances && {
      balances: balances.map((balance): StoredBalance => {
        const { meter, unlimited, allowance, available, used, reserved, topUp, periodStart, resetsAt, daily } = balance;
        const stored: StoredBalance = [meter, unlimited, allowance, available, used, reserved, topUp, periodStart, resetsAt];
        if (daily) stored.push([daily.limit, daily.usedToday, daily.dayResetsAt]);
        return stored;
      }),
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
        ([meter, unlimited, allowance, available, used, reserved, topUp, periodStart, resetsAt, daily]): MeterBalance => ({
          meter,
          unlimited,
          allowance,
          available,
          used,
          reserved,
          topUp,
          periodStart,
          resetsAt,
          ...(daily && { daily: { limit: daily[0], usedToday: daily[1], remainingToday: Math.max(0, daily[0] - daily[1]), dayResetsAt: daily[2] } }),
        }),
      ),
    }),
  };
}
