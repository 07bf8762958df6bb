import { z } from 'zod';
import { AccountRef, entryAsSeenBy, globalIdOf, itemizedMemberFor } from '../accounts/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/index.js';
import { viewerOf } from '../context.js';
import { forbidden } from '../errors.js';
import { LedgerEntryRef } from './ledger-entry.js';
import { timeRange } from './time-range.js';

const UsageFilterInput = builder.inputType('UsageFilter', {
  description: 'Entries matching every field given.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, description: 'Entries that changed this meter.' }),
    feature: t.string({ description: 'A feature key, e.g. `image.generate`.' }),
    member: t.id({ description: "A User's ID: entries attributed to that member of an organization pool." }).validate(globalIdOf('User')),
    sessionId: t.string({ description: 'Entries of this generation session.' }),
    assetId: t.string({ description: 'Entries of credits spent on this asset.' }),
    since: t.field({ type: 'DateTime', description: 'Entries at or after this instant.' }),
    until: t.field({ type: 'DateTime', description: 'Entries before this instant.' }),
  }),
});

const LedgerEntryConnectionRef = builder.connectionObject({ type: LedgerEntryRef, name: 'LedgerEntryConnection' }, { name: 'LedgerEntryEdge' });

builder.objectField(AccountRef, 'usage', (t) =>
  t.field({
    type: LedgerEntryConnectionRef,
    description:
      "The account's ledger, newest first. In an organization pool a plain member sees the entries attributed to it only (asking for another member's is FORBIDDEN); its admins and services see all.",
    args: {
      first: t.arg.int({ required: true, defaultValue: 20, validate: z.int().min(1).max(100), description: 'At most 100.' }),
      // Entries are paged by seq: the cursor of an edge is its entry's seq, and `after` continues below it.
      after: t.arg.string().validate(
        z
          .string()
          .regex(/^[1-9]\d{0,15}$/, 'must be a cursor from this connection')
          .transform(Number),
      ),
      filter: t.arg({ type: UsageFilterInput }),
    },
    resolve: async (account, { first, after, filter }, context) => {
      const viewer = viewerOf(context);
      const itemized = itemizedMemberFor(viewer, account);
      const member = filter?.member ?? undefined;
      if (itemized !== null && member !== undefined && member !== itemized) throw forbidden();
      const { since, until } = timeRange(filter?.since, filter?.until, ['filter']);
      const page = await context.services.store.listEntries(
        account.accountId,
        {
          meter: filter?.meter ?? undefined,
          feature: filter?.feature ?? undefined,
          memberId: itemized ?? member,
          sessionId: filter?.sessionId ?? undefined,
          assetId: filter?.assetId ?? undefined,
          since,
          until,
        },
        { first, beforeSeq: after ?? undefined },
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
