import type { PipelineStage } from 'mongoose';
import { MAX_HOLD_TTL_MS, type Meter, type UsageGrouping, type UsageRow } from '../ledger/index.js';
import type { LedgerModels } from './models.js';

/** `memberId`: only that member's usage. */
export type StoredUsageQuery = { groupBy: UsageGrouping; from: Date; to: Date; timeZone: string; memberId?: string };

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
  }[query.groupBy];
  const latestCommit = new Date(query.to.getTime() + MAX_HOLD_TTL_MS);
  const pipeline: PipelineStage[] = [
    { $match: { accountId, kind: { $in: ['DEBIT', 'COMMIT'] }, at: { $gte: query.from, $lt: latestCommit }, ...(query.memberId !== undefined && { memberId: query.memberId }) } },
    { $unwind: '$changes' },
    {
      $project: {
        feature: 1,
        memberId: 1,
        meter: '$changes.meter',
        usage: [
          { at: '$at', used: '$changes.usedDelta' },
          { at: '$changes.earlierPeriod.heldAt', used: { $ifNull: ['$changes.earlierPeriod.used', 0] } },
        ],
      },
    },
    { $unwind: '$usage' },
    { $match: { 'usage.used': { $ne: 0 }, 'usage.at': { $gte: query.from, $lt: query.to } } },
    { $group: { _id: { key, meter: '$meter' }, used: { $sum: '$usage.used' } } },
  ];
  const groups = await models.Entries.aggregate<{ _id: { key: string | null; meter: Meter }; used: number }>(pipeline);
  return groups
    .map(({ _id, used }) => ({ key: _id.key ?? null, meter: _id.meter, used }))
    .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.meter.localeCompare(b.meter));
}
