import type { LedgerEntry } from './entries.js';
import type { Meter } from './meters.js';
import { DEFAULT_TIME_ZONE, wallClockAt } from './time-zone.js';

export type UsageGrouping = 'DAY' | 'FEATURE' | 'MEMBER' | 'SESSION';

export type UsageRow = {
  /** The local date (YYYY-MM-DD), the feature, the member or the session; `null` when the entries had none. */
  key: string | null;
  meter: Meter;
  used: number;
};

export type UsageQuery = {
  groupBy: UsageGrouping;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  /** For DAY: whose calendar days; the account's time zone. */
  timeZone?: string;
};

/**
 * Usage is what DEBIT and COMMIT entries consumed (on unlimited meters too), dated when it
 * belongs: what they added to `used`, at the entry's time, and what a COMMIT consumed for an
 * earlier period (`MeterChange.earlierPeriod`: a hold taken before a reset and settled after it),
 * at the time the hold was taken, within that period. So a period's summary is what that period
 * used, its late commits included, and never another period's. This is the reference meaning of
 * usage reports; the store may compute the same with aggregation pipelines. Rows are sorted by
 * key, then meter.
 */
export function summarizeUsage(entries: readonly LedgerEntry[], query: UsageQuery): UsageRow[] {
  const timeZone = query.timeZone ?? DEFAULT_TIME_ZONE;
  const rows = new Map<string, UsageRow>();
  for (const entry of entries) {
    if (entry.kind !== 'DEBIT' && entry.kind !== 'COMMIT') continue;
    for (const change of entry.changes) {
      const usages = [{ at: entry.at, used: change.usedDelta }];
      if (change.earlierPeriod) usages.push({ at: change.earlierPeriod.heldAt, used: change.earlierPeriod.used });
      for (const { at, used } of usages) {
        if (used === 0 || at < query.from || at >= query.to) continue;
        const key = groupKey(entry, at, query.groupBy, timeZone);
        const id = JSON.stringify([key, change.meter]);
        const row = rows.get(id) ?? { key, meter: change.meter, used: 0 };
        row.used += used;
        rows.set(id, row);
      }
    }
  }
  return [...rows.values()].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.meter.localeCompare(b.meter));
}

/** `at`: when the usage is dated. */
function groupKey(entry: LedgerEntry, at: Date, groupBy: UsageGrouping, timeZone: string): string | null {
  switch (groupBy) {
    case 'FEATURE':
      return entry.feature;
    case 'MEMBER':
      return entry.memberId;
    case 'SESSION':
      return entry.sessionId;
    case 'DAY': {
      const { year, month, day } = wallClockAt(at, timeZone);
      return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    }
  }
}
