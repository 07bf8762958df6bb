import { authorize, canSeeUsageOf, entryAsSeenBy, itemizedMemberFor } from '../accounts/access.js';
import { AccountRef } from '../accounts/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { boundedText, featureOf, memberIdOf } from '../inputs/index.js';
import { ENTRY_KINDS, INPUT_LIMITS, type EntryKind } from '../../ledger/index.js';
import { InvalidInputError } from '../results/index.js';
import { EntryKindEnum } from '../subscriptions/entry-kind.js';
import { LedgerEntryRef } from './ledger-entry.js';
import { pageRequestOf, seqConnection, seqPageArgs } from './seq-paging.js';
import { timeRange } from './time-range.js';

const UsageFilterInput = builder.inputType('UsageFilter', {
  description: 'Entries matching every field given.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, description: 'Entries that changed this meter.' }),
    feature: t.string({ description: 'A feature key, e.g. `image.generate`.' }),
    member: t.id({ description: "A User's ID: entries attributed to that member of an organization pool." }),
    kinds: t.field({ type: [EntryKindEnum], description: `Entries of any of these kinds (1 to ${ENTRY_KINDS.length} of them).` }),
    sessionId: t.string({ description: 'Entries of this generation session.' }),
    assetId: t.string({ description: 'Entries of credits spent on this asset.' }),
    since: t.field({ type: 'DateTime', description: 'Entries at or after this instant.' }),
    until: t.field({ type: 'DateTime', description: 'Entries before this instant.' }),
  }),
});

/** A kind filter names each kind at most once; more than there are is no filter. */
function kindsOf(kinds: readonly EntryKind[] | null | undefined): EntryKind[] | undefined {
  if (kinds === null || kinds === undefined) return undefined;
  if (kinds.length === 0 || kinds.length > ENTRY_KINDS.length) {
    throw new InvalidInputError({ field: 'filter.kinds', problem: `must name 1 to ${ENTRY_KINDS.length} kinds` });
  }
  return [...new Set(kinds)];
}

const LedgerEntryConnectionRef = builder.connectionObject({ type: LedgerEntryRef, name: 'LedgerEntryConnection' }, { name: 'LedgerEntryEdge' });

builder.objectField(AccountRef, 'usage', (t) =>
  t.field({
    type: LedgerEntryConnectionRef,
    description:
      "The account's ledger, newest first: `first` after `after` pages to older entries, `last` before `before` to newer ones. In an organization pool a plain member sees the entries attributed to it only (asking for another member's is FORBIDDEN); its admins and services see all.",
    args: {
      ...seqPageArgs(t.arg),
      filter: t.arg({ type: UsageFilterInput }),
    },
    resolve: async (account, { filter, ...paging }, context) => {
      const member = filter?.member === null || filter?.member === undefined ? undefined : memberIdOf(filter.member, 'filter.member');
      // A plain member of a pool may ask for its own entries only (and gets only those anyway).
      const viewer = authorize(context, (caller) => member === undefined || canSeeUsageOf(caller, account, member));
      const itemized = itemizedMemberFor(viewer, account);

      const { since, until } = timeRange(filter?.since, filter?.until, 'filter.');
      const request = pageRequestOf(paging);
      const page = await context.services.store.listEntries(
        account.accountId,
        {
          meter: filter?.meter ?? undefined,
          kinds: kindsOf(filter?.kinds),
          feature: filter?.feature === null || filter?.feature === undefined ? undefined : featureOf(filter.feature, 'filter.feature'),
          memberId: itemized ?? member,
          sessionId: boundedText('filter.sessionId', filter?.sessionId, INPUT_LIMITS.sessionId),
          assetId: boundedText('filter.assetId', filter?.assetId, INPUT_LIMITS.assetId),
          since,
          until,
        },
        request,
      );
      // The query asks a plain member's own entries only; the view holds the page to the live ticks' rule regardless.
      const seen = entryAsSeenBy(viewer, account);
      return seqConnection(page.entries, ({ seq }) => ({ firstSeq: seq, lastSeq: seq }), seen, request, page);
    },
  }),
);
