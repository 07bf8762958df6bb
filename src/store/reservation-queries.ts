import type { QueryFilter } from 'mongoose';
import { SETTLEMENT_KINDS, type LedgerEntry, type ReservationStatus, type SettledStatus } from '../ledger/index.js';
import { entriesOfHolds, matchesOtherSide } from './entry-queries.js';
import type { LedgerModels, StoredEntry } from './models.js';
import { seqOrder, seqWithin, type PageRequest, type Paged } from './seq-pages.js';

/** `activeHoldIds`: the holds the account keeps now; `memberId`: only that member's. */
export type ReservationFilter = { status?: ReservationStatus; activeHoldIds: readonly string[]; memberId?: string };

/**
 * One reservation as its entries tell it, at its place in the history: its HOLD while it is
 * active, its settlement's entries (`firstSeq` to `lastSeq`) once settled.
 */
export type ReservationEntries = { holdId: string; firstSeq: number; lastSeq: number; hold: LedgerEntry | null; settlement: LedgerEntry[] };

export type ReservationPage = Paged & { reservations: ReservationEntries[] };

const SETTLING = { kind: { $in: [...SETTLEMENT_KINDS] }, 'details.holdId': { $exists: true } };

/** The entries of each status, by their details alone, as `settledStatusOf` tells them apart. */
const SETTLED: Record<SettledStatus, QueryFilter<StoredEntry>> = {
  COMMITTED: { ...SETTLING, 'details.settlement': 'COMMITTED' },
  RELEASED: { ...SETTLING, 'details.settlement': 'RELEASED', 'details.reason': { $ne: 'HOLD_EXPIRED' } },
  EXPIRED: { ...SETTLING, 'details.reason': 'HOLD_EXPIRED' },
  FAILED: { ...SETTLING, 'details.settlement': { $in: ['FAILED_BEFORE_WORK', 'FAILED_AFTER_WORK'] } },
};

/** The entries that place reservations in the history: the HOLD of each active one, the settlement of each settled one. */
function placingEntries(accountId: string, filter: ReservationFilter): QueryFilter<StoredEntry> {
  const active = { kind: 'HOLD' as const, 'details.holdId': { $in: [...filter.activeHoldIds] } };
  const byStatus = filter.status === undefined ? { $or: [active, SETTLING] } : filter.status === 'ACTIVE' ? active : SETTLED[filter.status];
  return { accountId, ...(filter.memberId !== undefined && { memberId: filter.memberId }), ...byStatus };
}

/** A settlement writes at most this many entries (a commit, a forfeit and a release), one after another. */
const MAX_SETTLEMENT_ENTRIES = SETTLEMENT_KINDS.length;

/**
 * Reservations newest first by their latest change (made, while active; settled, once settled).
 * A reservation's placing entries are adjacent in seq, so a page of reservations is found among
 * a bounded number of entries, then each is read whole by its hold id.
 */
export async function listReservations(models: LedgerModels, accountId: string, filter: ReservationFilter, page: PageRequest): Promise<ReservationPage> {
  const query = placingEntries(accountId, filter);
  const [placing, hasOtherSide] = await Promise.all([
    models.Entries.find({ ...query, ...seqWithin(page) }, { _id: 0, seq: 1, 'details.holdId': 1 })
      .sort(seqOrder(page))
      .limit((page.first + 1) * MAX_SETTLEMENT_ENTRIES)
      .lean<Pick<LedgerEntry, 'seq' | 'details'>[]>(),
    matchesOtherSide(models, query, page),
  ]);
  // A reservation's entries are adjacent; one settled since the account was read may also appear by its HOLD.
  const holdIds = [...new Set(placing.map(({ details }) => String(details.holdId)))];
  const onPage = holdIds.slice(0, page.first);
  const reservations = await reservationsByHoldId(models, accountId, onPage, filter.activeHoldIds);
  const ordered = onPage.flatMap((holdId) => reservations.get(holdId) ?? []);
  return { reservations: page.fromOldest ? ordered.reverse() : ordered, hasMore: holdIds.length > page.first, hasOtherSide };
}

/**
 * The reservations of `holdIds` found in the history: an active one (in `activeHoldIds`) placed
 * by its HOLD, a settled one by its settlement.
 */
export async function reservationsByHoldId(
  models: LedgerModels,
  accountId: string,
  holdIds: readonly string[],
  activeHoldIds: readonly string[],
): Promise<Map<string, ReservationEntries>> {
  const entriesByHold = new Map<string, LedgerEntry[]>();
  if (holdIds.length > 0) {
    for (const entry of await entriesOfHolds(models, accountId, holdIds)) {
      const holdId = String(entry.details.holdId);
      entriesByHold.set(holdId, [...(entriesByHold.get(holdId) ?? []), entry]);
    }
  }
  const active = new Set(activeHoldIds);
  const found = new Map<string, ReservationEntries>();
  for (const [holdId, entries] of entriesByHold) {
    const hold = entries.find((entry) => entry.kind === 'HOLD') ?? null;
    const settlement = active.has(holdId) ? [] : entries.filter((entry) => entry.kind !== 'HOLD');
    const placing = settlement.length > 0 ? settlement : hold === null ? [] : [hold];
    if (placing.length === 0) continue;
    found.set(holdId, { holdId, firstSeq: placing[0]!.seq, lastSeq: placing.at(-1)!.seq, hold, settlement });
  }
  return found;
}
