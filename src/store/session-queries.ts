import type { PipelineStage } from 'mongoose';
import type { MeterAmounts } from '../ledger/index.js';
import type { LedgerModels } from './models.js';
import { summarizeStoredUsage } from './usage-summaries.js';

/** Where a session stands in a list of the latest: its latest entry. */
export type SessionPlace = { sessionId: string; lastAt: Date };

/**
 * A generation session of an account as its entries tell it: what it was charged per meter (what
 * its debits and commits consumed, exactly as usage summaries count), how many generations held
 * (or reused a step) in it, and when its first and latest entries were written.
 */
export type SessionTotals = SessionPlace & { firstAt: Date; charged: MeterAmounts; generations: number };

/** `memberId`: only that member's entries. */
export type SessionQuery = { since: Date; until: Date; memberId?: string; first: number; after?: SessionPlace };

/** The sessions with entries in [since, until), latest first (ties by session id, descending). */
export async function sessionsActiveIn(models: LedgerModels, accountId: string, query: SessionQuery): Promise<{ sessions: SessionPlace[]; hasMore: boolean }> {
  const { after } = query;
  const pipeline: PipelineStage[] = [
    {
      $match: {
        accountId,
        at: { $gte: query.since, $lt: query.until },
        sessionId: { $type: 'string' },
        ...(query.memberId !== undefined && { memberId: query.memberId }),
      },
    },
    { $group: { _id: '$sessionId', lastAt: { $max: '$at' } } },
    ...(after ? [{ $match: { $or: [{ lastAt: { $lt: after.lastAt } }, { lastAt: after.lastAt, _id: { $lt: after.sessionId } }] } }] : []),
    { $sort: { lastAt: -1, _id: -1 } },
    { $limit: query.first + 1 },
  ];
  const found = await models.Entries.aggregate<{ _id: string; lastAt: Date }>(pipeline);
  return { sessions: found.slice(0, query.first).map(({ _id, lastAt }) => ({ sessionId: _id, lastAt })), hasMore: found.length > query.first };
}

/** The sessions of `sessionIds` that have entries (of `memberId`, if given), whole: not cut by any range. */
export async function sessionTotals(models: LedgerModels, accountId: string, sessionIds: readonly string[], memberId?: string): Promise<SessionTotals[]> {
  if (sessionIds.length === 0) return [];
  const match = { accountId, sessionId: { $in: [...sessionIds] }, ...(memberId !== undefined && { memberId }) };
  const generationHold = { $and: [{ $eq: ['$kind', 'HOLD'] }, { $ne: [{ $ifNull: ['$metadata.generationId', null] }, null] }] };
  const [activity, usage] = await Promise.all([
    models.Entries.aggregate<{ _id: string; firstAt: Date; lastAt: Date; generations: number }>([
      { $match: match },
      { $group: { _id: '$sessionId', firstAt: { $min: '$at' }, lastAt: { $max: '$at' }, generations: { $sum: { $cond: [generationHold, 1, 0] } } } },
    ]),
    summarizeStoredUsage(models, accountId, { groupBy: 'SESSION', timeZone: 'UTC', sessionIds, ...(memberId !== undefined && { memberId }) }),
  ]);
  return activity.map(({ _id, firstAt, lastAt, generations }) => {
    const charged: MeterAmounts = {};
    for (const row of usage) if (row.key === _id) charged[row.meter] = row.used;
    return { sessionId: _id, firstAt, lastAt, charged, generations };
  });
}
