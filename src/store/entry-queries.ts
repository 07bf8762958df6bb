import type { QueryFilter } from 'mongoose';
import type { EntryKind, LedgerEntry, Meter } from '../ledger/index.js';
import type { LedgerModels, StoredEntry } from './models.js';
import { otherSideOf, seqOrder, seqWithin, type PageRequest, type Paged } from './seq-pages.js';

export type { PageRequest } from './seq-pages.js';

export type EntryFilter = {
  meter?: Meter;
  kinds?: readonly EntryKind[];
  feature?: string;
  memberId?: string;
  sessionId?: string;
  assetId?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
};

/** Newest first, whichever way it was counted. */
export type EntryPage = Paged & { entries: LedgerEntry[] };

const ENTRY_PROJECTION = { _id: 0, idempotency: 0 };

function entryQuery(accountId: string, filter: EntryFilter): QueryFilter<StoredEntry> {
  const query: QueryFilter<StoredEntry> = { accountId };
  if (filter.meter) query['changes.meter'] = filter.meter;
  if (filter.kinds) query.kind = { $in: [...filter.kinds] };
  if (filter.feature) query.feature = filter.feature;
  if (filter.memberId) query.memberId = filter.memberId;
  if (filter.sessionId) query.sessionId = filter.sessionId;
  if (filter.assetId) query.assetId = filter.assetId;
  if (filter.since || filter.until) {
    query.at = { ...(filter.since && { $gte: filter.since }), ...(filter.until && { $lt: filter.until }) };
  }
  return query;
}

/** Whether `query` matches anything on the other side of the page's cursor (one index probe). */
export async function matchesOtherSide(models: LedgerModels, query: QueryFilter<StoredEntry>, page: PageRequest): Promise<boolean> {
  const otherSide = otherSideOf(page);
  if (otherSide === null) return false;
  return (await models.Entries.exists({ ...query, ...otherSide })) !== null;
}

export async function listEntries(models: LedgerModels, accountId: string, filter: EntryFilter, page: PageRequest): Promise<EntryPage> {
  const query = entryQuery(accountId, filter);
  const [found, hasOtherSide] = await Promise.all([
    models.Entries.find({ ...query, ...seqWithin(page) }, ENTRY_PROJECTION)
      .sort(seqOrder(page))
      .limit(page.first + 1)
      .lean<LedgerEntry[]>(),
    matchesOtherSide(models, query, page),
  ]);
  const entries = found.slice(0, page.first);
  return { entries: page.fromOldest ? entries.reverse() : entries, hasMore: found.length > page.first, hasOtherSide };
}

/** Every entry of the account naming one of `holdIds`: their HOLDs and settlements, oldest first. */
export function entriesOfHolds(models: LedgerModels, accountId: string, holdIds: readonly string[]): Promise<LedgerEntry[]> {
  return models.Entries.find({ accountId, 'details.holdId': { $in: [...holdIds] } }, ENTRY_PROJECTION)
    .sort({ seq: 1 })
    .lean<LedgerEntry[]>()
    .exec();
}

/** Oldest first: what a subscriber that last saw `afterSeq` missed. */
export function entriesAfter(models: LedgerModels, accountId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
  return models.Entries.find({ accountId, seq: { $gt: afterSeq } }, ENTRY_PROJECTION)
    .sort({ seq: 1 })
    .limit(limit)
    .lean<LedgerEntry[]>()
    .exec();
}
