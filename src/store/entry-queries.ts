import type { QueryFilter } from 'mongoose';
import type { LedgerEntry, Meter } from '../ledger/index.js';
import type { LedgerModels, StoredEntry } from './models.js';

export type EntryFilter = {
  meter?: Meter;
  feature?: string;
  memberId?: string;
  sessionId?: string;
  assetId?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
};

/** Newest first; `beforeSeq` is the cursor: the seq of the last entry of the previous page. */
export type PageRequest = { first: number; beforeSeq?: number };
export type EntryPage = { entries: LedgerEntry[]; hasNextPage: boolean };

export async function listEntries(models: LedgerModels, accountId: string, filter: EntryFilter, page: PageRequest): Promise<EntryPage> {
  const query: QueryFilter<StoredEntry> = { accountId };
  if (page.beforeSeq !== undefined) query.seq = { $lt: page.beforeSeq };
  if (filter.meter) query['changes.meter'] = filter.meter;
  if (filter.feature) query.feature = filter.feature;
  if (filter.memberId) query.memberId = filter.memberId;
  if (filter.sessionId) query.sessionId = filter.sessionId;
  if (filter.assetId) query.assetId = filter.assetId;
  if (filter.since || filter.until) {
    query.at = { ...(filter.since && { $gte: filter.since }), ...(filter.until && { $lt: filter.until }) };
  }
  const found = await models.Entries.find(query, { _id: 0, idempotency: 0 })
    .sort({ seq: -1 })
    .limit(page.first + 1)
    .lean<LedgerEntry[]>();
  return { entries: found.slice(0, page.first), hasNextPage: found.length > page.first };
}

/** Oldest first: what a subscriber that last saw `afterSeq` missed. */
export function entriesAfter(models: LedgerModels, accountId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
  return models.Entries.find({ accountId, seq: { $gt: afterSeq } }, { _id: 0, idempotency: 0 })
    .sort({ seq: 1 })
    .limit(limit)
    .lean<LedgerEntry[]>()
    .exec();
}
