import type { PipelineStage } from 'mongoose';
import type { Meter, UsageGrouping, UsageRow } from '../ledger/index.js';
import type { LedgerModels } from './models.js';

export type StoredUsageQuery = { groupBy: UsageGrouping; from: Date; to: Date; timeZone: string };

/**
 * The ledger's `summarizeUsage`, computed by the database: usage is what DEBIT and COMMIT entries
 * added to `used`. Rows are sorted by key, then meter, like the reference.
 */
export async function summarizeStoredUsage(models: LedgerModels, accountId: string, query: StoredUsageQuery): Promise<UsageRow[]> {
  const key = {
    DAY: { $dateToString: { format: '%Y-%m-%d', date: '$at', timezone: query.timeZone } },
    FEATURE: '$feature',
    MEMBER: '$memberId',
  }[query.groupBy];
  const pipeline: PipelineStage[] = [
    { $match: { accountId, kind: { $in: ['DEBIT', 'COMMIT'] }, at: { $gte: query.from, $lt: query.to } } },
    { $unwind: '$changes' },
    { $match: { 'changes.usedDelta': { $ne: 0 } } },
    { $group: { _id: { key, meter: '$changes.meter' }, used: { $sum: '$changes.usedDelta' } } },
  ];
  const groups = await models.Entries.aggregate<{ _id: { key: string | null; meter: Meter }; used: number }>(pipeline);
  return groups
    .map(({ _id, used }) => ({ key: _id.key ?? null, meter: _id.meter, used }))
    .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.meter.localeCompare(b.meter));
}
