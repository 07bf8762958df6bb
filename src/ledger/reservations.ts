import type { EntryKind, EntryMetadata, LedgerEntry } from './entries.js';
import type { Hold } from './holds.js';
import type { MeterAmounts } from './meters.js';

/**
 * What became of a hold, as a billing page shows it. ACTIVE: still held. COMMITTED: the caller
 * charged all or part of it (the rest went back). RELEASED: given back unused, by its caller or
 * because the step it was for had been charged already. EXPIRED: released by its time-to-live.
 * FAILED: the generation it was for failed, charged per the feature's failure policy.
 */
export const RESERVATION_STATUSES = ['ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED', 'FAILED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];
export type SettledStatus = Exclude<ReservationStatus, 'ACTIVE'>;

/** The entries that end a hold, all written at once with its `holdId` and `settlement` in their details. */
export const SETTLEMENT_KINDS = ['COMMIT', 'EXPIRY', 'RELEASE'] as const satisfies readonly EntryKind[];

export type Reservation = {
  holdId: string;
  status: ReservationStatus;
  feature: string | null;
  memberId: string | null;
  sessionId: string | null;
  assetId: string | null;
  createdAt: Date;
  /** When it is (or was) released by itself; null for a settled hold recorded before its entry kept it. */
  expiresAt: Date | null;
  /** Null while active. */
  settledAt: Date | null;
  held: MeterAmounts;
  committed: MeterAmounts;
  released: MeterAmounts;
  /** Given back to grants that had expired meanwhile: gone. */
  expired: MeterAmounts;
};

/**
 * The settlement entries of one status are told apart by their own details: a test the store
 * runs as a query. A settlement's entries all carry the same `settlement` and `reason`.
 */
export function settledStatusOf(details: EntryMetadata): SettledStatus {
  if (details.reason === 'HOLD_EXPIRED') return 'EXPIRED';
  if (details.settlement === 'COMMITTED') return 'COMMITTED';
  if (details.settlement === 'FAILED_BEFORE_WORK' || details.settlement === 'FAILED_AFTER_WORK') return 'FAILED';
  return 'RELEASED';
}

export function activeReservation(hold: Hold): Reservation {
  const held: MeterAmounts = {};
  for (const line of hold.lines) held[line.meter] = line.amount;
  return {
    holdId: hold.id,
    status: 'ACTIVE',
    feature: hold.feature,
    memberId: hold.memberId,
    sessionId: hold.sessionId,
    assetId: hold.assetId,
    createdAt: hold.createdAt,
    expiresAt: hold.expiresAt,
    settledAt: null,
    held,
    committed: {},
    released: {},
    expired: {},
  };
}

/**
 * A settled hold from its entries: its HOLD and the one to three entries that settled it. What
 * each settlement entry took out of `reserved` is what it committed, released or forfeited.
 */
export function settledReservation(held: LedgerEntry, settlement: readonly LedgerEntry[]): Reservation {
  const first = settlement[0];
  if (first === undefined) throw new Error(`settledReservation: hold ${String(held.details.holdId)} has no settlement`);
  const outOfReserve = (kind: EntryKind): MeterAmounts => {
    const amounts: MeterAmounts = {};
    for (const entry of settlement.filter((candidate) => candidate.kind === kind)) {
      for (const change of entry.changes) amounts[change.meter] = (amounts[change.meter] ?? 0) - change.reservedDelta;
    }
    return amounts;
  };
  const status = settledStatusOf(first.details);
  const recordedExpiry = typeof held.details.expiresAt === 'string' ? new Date(held.details.expiresAt) : null;
  return {
    holdId: String(held.details.holdId),
    status,
    feature: held.feature,
    memberId: held.memberId,
    sessionId: held.sessionId,
    assetId: held.assetId,
    createdAt: held.at,
    // A hold released by its time-to-live was released the instant it expired.
    expiresAt: recordedExpiry ?? (status === 'EXPIRED' ? first.at : null),
    settledAt: first.at,
    held: Object.fromEntries(held.changes.map((change) => [change.meter, change.reservedDelta])),
    committed: outOfReserve('COMMIT'),
    released: outOfReserve('RELEASE'),
    expired: outOfReserve('EXPIRY'),
  };
}
