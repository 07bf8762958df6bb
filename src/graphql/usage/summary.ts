import { resolveArrayConnection } from '@pothos/plugin-relay';
import type { Meter, UsageGrouping, UsageRow } from '../../ledger/index.js';
import { AccountRef, itemizedMemberFor, UserRef } from '../accounts/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { authorize, canSeeUsageOf } from '../accounts/access.js';
import { timeRange } from './time-range.js';

type UsageRange = { readonly meter: Meter; readonly since: Date; readonly until: Date };
type SummaryRow = UsageRow & { readonly groupBy: UsageGrouping };
type UsageSummary = { readonly groupBy: UsageGrouping; readonly ranges: readonly UsageRange[]; readonly rows: readonly SummaryRow[] };

const UsageGroupingEnum = builder.enumType('UsageGrouping', {
  values: {
    DAY: { description: "Calendar days in the account's time zone." },
    FEATURE: { description: 'The feature that used the credits.' },
    MEMBER: { description: 'The member of an organization pool: for its admins and services.' },
    SESSION: { description: 'The generation session (`sessionId`); a plain member of a pool sums its own sessions only.' },
  } satisfies Record<UsageGrouping, { description: string }>,
});

const UsageRangeRef = builder.objectRef<UsageRange>('UsageRange').implement({
  description: 'The instants summarized for one meter: [since, until).',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (range) => range.meter }),
    since: t.field({ type: 'DateTime', resolve: (range) => range.since }),
    until: t.field({ type: 'DateTime', resolve: (range) => range.until }),
  }),
});

const UsageSummaryRowRef = builder.objectRef<SummaryRow>('UsageSummaryRow').implement({
  description: 'Credits used on one meter by one group.',
  fields: (t) => ({
    key: t.string({
      nullable: true,
      description: "The group: a local date (YYYY-MM-DD), a feature key, a member's external id or a session id; null for usage that had none.",
      resolve: (row) => row.key,
    }),
    member: t.field({
      type: UserRef,
      nullable: true,
      description: 'The member, when grouped by MEMBER.',
      resolve: (row) => (row.groupBy === 'MEMBER' && row.key !== null ? { userId: row.key } : null),
    }),
    meter: t.field({ type: MeterEnum, resolve: (row) => row.meter }),
    used: t.expose('used', {
      type: 'SafeInt',
      description: 'Credits used, summed over the range: a whole number that may exceed Int over a long range (balances never do).',
    }),
  }),
});

const UsageSummaryRef = builder.objectRef<UsageSummary>('UsageSummary').implement({
  description: 'Usage (what debits and commits consumed) added up per group and meter.',
  fields: (t) => ({
    groupBy: t.field({ type: UsageGroupingEnum, resolve: (summary) => summary.groupBy }),
    ranges: t.field({ type: [UsageRangeRef], description: 'What was summarized, per meter.', resolve: (summary) => summary.ranges }),
    rows: t.connection(
      {
        type: UsageSummaryRowRef,
        description: 'Sorted by group, then meter.',
        resolve: (summary, args) => resolveArrayConnection({ args }, summary.rows),
      },
      { name: 'UsageSummaryRowConnection' },
      { name: 'UsageSummaryRowEdge' },
    ),
  }),
});

builder.objectField(AccountRef, 'usageSummary', (t) =>
  t.field({
    type: UsageSummaryRef,
    description:
      "Usage added up by day, feature, member or session. Without `since` and `until`, each meter's current period; a bound given applies to every meter.",
    args: {
      groupBy: t.arg({ type: UsageGroupingEnum, required: true }),
      since: t.arg({ type: 'DateTime', description: 'Inclusive.' }),
      until: t.arg({ type: 'DateTime', description: 'Exclusive.' }),
    },
    resolve: async (account, args, context) => {
      // A plain member of a pool sums its own usage only, as its history lists only its own entries.
      const viewer = authorize(context, (caller) => args.groupBy !== 'MEMBER' || canSeeUsageOf(caller, account));
      const itemized = itemizedMemberFor(viewer, account);
      const bounds = timeRange(args.since, args.until);
      const { store } = context.services;
      const ranges = store.balances(account).map(({ meter, periodStart, resetsAt }) => ({
        meter,
        since: bounds.since ?? periodStart,
        until: bounds.until ?? resetsAt,
      }));
      // Meters whose periods coincide (or explicit bounds) share one aggregation: at most one per meter.
      const byWindow = new Map<string, UsageRange[]>();
      for (const range of ranges) {
        const window = `${range.since.toISOString()}/${range.until.toISOString()}`;
        byWindow.set(window, [...(byWindow.get(window) ?? []), range]);
      }
      const summaries = await Promise.all(
        [...byWindow.values()].map(async (sameWindow) => {
          const { since, until } = sameWindow[0]!;
          const query = { groupBy: args.groupBy, from: since, to: until, timeZone: account.timeZone, ...(itemized !== null && { memberId: itemized }) };
          const rows = await store.summarizeUsage(account.accountId, query);
          return rows.filter((row) => sameWindow.some((range) => range.meter === row.meter));
        }),
      );
      const rows = summaries
        .flat()
        .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.meter.localeCompare(b.meter))
        .map((row) => ({ ...row, groupBy: args.groupBy }));
      return { groupBy: args.groupBy, ranges, rows };
    },
  }),
);
