import type { PipelineStage } from 'mongoose';
import { MAX_HOLD_TTL_MS, type Meter, type UsageGrouping, type UsageRow } from '../ledger/index.js';
import type { LedgerModels } from './models.js';

/**
 * `memberId`: only that member's usage; `sessionIds`: only these sessions'. Without a range, all
 * the usage there is (bounded by the sessions named).
 */
export type StoredUsageQuery = {
  groupBy: UsageGrouping;
  /** Inclusive and exclusive; both or neither. */
  from?: Date;
  to?: Date;
  timeZone: string;
  memberId?: string;
  sessionIds?: readonly string[];
};

/**
 * The ledger's `summarizeUsage`, computed by the database: usage is what DEBIT and COMMIT entries
 * added to `used`, dated at the entry, and what a COMMIT consumed for an earlier period
 * (`earlierPeriod`), dated when its hold was taken. Such a COMMIT comes at most a hold's longest
 * life after that, so the entries looked at are those of the range stretched by that much (the
 * `(accountId, at)` index still bounds the scan). Rows are sorted by key, then meter, like the
 * reference.
 */
export async function summarizeStoredUsage(models: LedgerModels, accountId: string, query: StoredUsageQuery): Promise<UsageRow[]> {
  const key = {
    DAY: { $dateToString: { format: '%Y-%m-%d', date: '$usage.at', timezone: query.timeZone } },
    FEATURE: '$feature',
    MEMBER: '$memberId',
    SESSION: '$sessionId',
  }[query.groupBy];
  const range = query.from && query.to ? { from: query.from, to: query.to } : undefined;
  const pipeline: PipelineStage[] = [
    {
      $match: {
        accountId,
        kind: { $in: ['DEBIT', 'COMMIT'] },
        ...(range && { at: { $gte: range.from, $lt: new Date(range.to.getTime() + MAX_HOLD_TTL_MS) } }),
        ...(query.memberId !== undefined && { memberId: query.memberId }),
        ...(query.sessionIds !== undefined && { sessionId: { $in: [...query.sessionIds] } }),
      },
    },
    { $unwind: '$changes' },
    {
      $project: {
        feature: 1,
        memberId: 1,
        sessionId: 1,
        meter: '$changes.meter',
        usage: [
          { at: '$at', used: '$changes.usedDelta' },
          { at: '$changes.earlierPeriod.heldAt', used: { $ifNull: ['$changes.earlierPeriod.used', 0] } },
        ],
      },
    },
    { $unwind: '$usage' },
    { $match: { 'usage.used': { $ne: 0 }, ...(range && { 'usage.at': { $gte: range.from, $lt: range.to } }) } },
    { $group: { _id: { key, meter: '$meter' }, used: { $sum: '$usage.used' } } },
  ];
  const groups = await models.Entries.aggregate<{ _id: { key: string | null; meter: Meter }; used: number }>(pipeline);
  return groups
    .map(({ _id, used }) => ({ key: _id.key ?? null, meter: _id.meter, used }))
    .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.meter.localeCompare(b.meter));
}
