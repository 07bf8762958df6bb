import { calculateObjectSize } from 'bson';
import { describe, expect, it } from 'vitest';
import type { IdempotencyRecord } from '../ledger/index.js';
import { keyRecordOf, storedKeyRecord } from './key-records.js';

const balance = (meter: 'AI_CREDITS' | 'VIDEO_GENERATIONS', available: number) => ({
  meter,
  unlimited: false,
  allowance: 1_000,
  available,
  used: 1_000 - available,
  reserved: 3,
  topUp: 7,
  periodStart: new Date('2026-03-10T00:00:00Z'),
  resetsAt: new Date('2026-04-10T00:00:00Z'),
});

const debit: IdempotencyRecord = {
  key: 'k-1',
  fingerprint: '38e1842f9d5d57c67ac917a43f78afb8ab4885d066d50fa676f14b493e0007b8',
  outcome: { type: 'DEBITED', charged: { AI_CREDITS: 5 }, quoteId: null },
  balances: [balance('AI_CREDITS', 980), balance('VIDEO_GENERATIONS', 10)],
};

describe('key records as stored', () => {
  it('come back as the record the ledger remembered, with or without balances', () => {
    expect(keyRecordOf(storedKeyRecord(debit))).toEqual(debit);
    const { balances: _, ...stepKey } = debit;
    expect(keyRecordOf(storedKeyRecord(stepKey))).toEqual(stepKey);
  });

  it('written in the ledger\'s own shape, before this format, still read as the record they are', () => {
    expect(keyRecordOf(debit)).toEqual(debit);
  });

  it('weigh at least a quarter less than the record with its field names (it is written twice per keyed write)', () => {
    expect(calculateObjectSize(storedKeyRecord(debit))).toBeLessThan(calculateObjectSize(debit) * 0.75);
  });

  it('refuse a fingerprint that is not a SHA-256 in hex rather than store something else', () => {
    expect(() => storedKeyRecord({ ...debit, fingerprint: 'not-hex' })).toThrow('not a SHA-256 in hex');
  });
});
