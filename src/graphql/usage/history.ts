import { authorize, canSeeUsageOf, entryAsSeenBy, itemizedMemberFor } from '../accounts/access.js';
import { AccountRef } from '../accounts/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { boundedText, featureOf, memberIdOf } from '../inputs/index.js';
import { INPUT_LIMITS } from '../../ledger/index.js';
import { InvalidInputError } from '../results/index.js';
import { LedgerEntryRef } from './ledger-entry.js';
import { timeRange } from './time-range.js';

const UsageFilterInput = builder.inputType('UsageFilter', {
  description: 'Entries matching every field given.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, description: 'Entries that changed this meter.' }),
    feature: t.string({ description: 'A feature key, e.g. `image.generate`.' }),
    member: t.id({ description: "A User's ID: entries attributed to that member of an organization pool." }),
    sessionId: t.string({ description: 'Entries of this generation session.' }),
    assetId: t.string({ description: 'Entries of credits spent on this asset.' }),
    since: t.field({ type: 'DateTime', description: 'Entries at or after this instant.' }),
    until: t.field({ type: 'DateTime', description: 'Entries before this instant.' }),
  }),
});

const MAX_PAGE_SIZE = 100;

function pageSizeOf(first: number): number {
  if (first < 1 || first > MAX_PAGE_SIZE) throw new InvalidInputError({ field: 'first', problem: `must be 1 to ${MAX_PAGE_SIZE}, got ${first}` });
  return first;
}

/** Entries are paged by seq: the cursor of an edge is its entry's seq, and `after` continues below it. */
function cursorOf(after: string | null | undefined): number | undefined {
  if (after === null || after === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(after)) throw new InvalidInputError({ field: 'after', problem: 'must be a cursor from this connection' });
  return Number(after);
}

const LedgerEntryConnectionRef = builder.connectionObject({ type: LedgerEntryRef, name: 'LedgerEntryConnection' }, { name: 'LedgerEntryEdge' });

builder.objectField(AccountRef, 'usage', (t) =>
  t.field({
    type: LedgerEntryConnectionRef,
    description:
      "The account's ledger, newest first. In an organization pool a plain member sees the entries attributed to it only (asking for another member's is FORBIDDEN); its admins and services see all.",
    args: {
      first: t.arg.int({ required: true, defaultValue: 20, description: `At most ${MAX_PAGE_SIZE}.` }),
      after: t.arg.string(),
      filter: t.arg({ type: UsageFilterInput }),
    },
    resolve: async (account, { first, after, filter }, context) => {
      const member = filter?.member === null || filter?.member === undefined ? undefined : memberIdOf(filter.member, 'filter.member');
      // A plain member of a pool may ask for its own entries only (and gets only those anyway).
      const viewer = authorize(context, (caller) => member === undefined || canSeeUsageOf(caller, account, member));
      const itemized = itemizedMemberFor(viewer, account);

      const { since, until } = timeRange(filter?.since, filter?.until, 'filter.');
      const page = await context.services.store.listEntries(
        account.accountId,
        {
          meter: filter?.meter ?? undefined,
          feature: filter?.feature === null || filter?.feature === undefined ? undefined : featureOf(filter.feature, 'filter.feature'),
          memberId: itemized ?? member,
          sessionId: boundedText('filter.sessionId', filter?.sessionId, INPUT_LIMITS.sessionId),
          assetId: boundedText('filter.assetId', filter?.assetId, INPUT_LIMITS.assetId),
          since,
          until,
        },
        { first: pageSizeOf(first), beforeSeq: cursorOf(after) },
      );
      // The query asks a plain member's own entries only; the view holds the page to the live ticks' rule regardless.
      const seen = entryAsSeenBy(viewer, account);
      const edges = page.entries.map((entry) => ({ cursor: String(entry.seq), node: seen(entry) }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          // Forward only; the Relay spec lets a forward page answer false rather than look back.
          hasPreviousPage: false,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);
