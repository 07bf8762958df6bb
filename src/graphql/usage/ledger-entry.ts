import type { LedgerEntry, MeterChange } from '../../ledger/index.js';
import { UserRef } from '../accounts/index.js';
import { builder } from '../builder.js';
import { compositeGlobalId } from '../composite-ids.js';
import { MeterEnum } from '../catalog/index.js';
import { EntryKindEnum } from '../subscriptions/entry-kind.js';

const EarlierPeriodUsageRef = builder.objectRef<NonNullable<MeterChange['earlierPeriod']>>('EarlierPeriodUsage').implement({
  description:
    'Credits a commit consumed for an earlier period of the meter: its hold was taken before a reset and settled after it. That period used them, not the current one.',
  fields: (t) => ({
    periodStart: t.field({ type: 'DateTime', description: 'The start of the period that used them.', resolve: (usage) => usage.periodStart }),
    heldAt: t.field({ type: 'DateTime', description: 'When the hold was taken: the instant usage summaries count them at.', resolve: (usage) => usage.heldAt }),
    used: t.exposeInt('used'),
  }),
});

const MeterChangeRef = builder.objectRef<MeterChange>('MeterChange').implement({
  description: 'What one entry did to one meter, and the balances right after it: what a usage card animates from and to.',
  fields: (t) => ({
    meter: t.field({ type: MeterEnum, resolve: (change) => change.meter }),
    unlimited: t.exposeBoolean('unlimited'),
    delta: t.exposeInt('delta', { description: 'The change of `available`: negative when credits left it.' }),
    previousAvailable: t.exposeInt('previousAvailable'),
    available: t.int({ resolve: (change) => change.availableAfter }),
    usedDelta: t.exposeInt('usedDelta', { description: "The change of the current period's `used`." }),
    earlierPeriod: t.field({
      type: EarlierPeriodUsageRef,
      nullable: true,
      description: 'On a commit of a hold taken before a reset: what it consumed for that earlier period (not in `usedDelta`).',
      resolve: (change) => change.earlierPeriod ?? null,
    }),
    used: t.int({ resolve: (change) => change.usedAfter }),
    reservedDelta: t.exposeInt('reservedDelta'),
    reserved: t.int({ resolve: (change) => change.reservedAfter }),
    allowance: t.int({ resolve: (change) => change.allowanceAfter }),
  }),
});

export const LedgerEntryRef = builder.objectRef<LedgerEntry>('LedgerEntry').implement({
  description: "One immutable change of an account's balances.",
  fields: (t) => ({
    id: t.id({ description: 'The account and the `seq`, as one global id.', resolve: ({ accountId, seq }) => compositeGlobalId('LedgerEntry', accountId, String(seq)) }),
    kind: t.field({ type: EntryKindEnum, resolve: (entry) => entry.kind }),
    seq: t.exposeInt('seq', { description: "The entry's place in its account's history, counting from 1 without gaps." }),
    at: t.field({ type: 'DateTime', resolve: (entry) => entry.at }),
    feature: t.exposeString('feature', { nullable: true, description: 'The feature that used the credits, e.g. `image.generate`.' }),
    member: t.field({
      type: UserRef,
      nullable: true,
      description: "The member of an organization pool it is attributed to.",
      resolve: ({ memberId }) => (memberId === null ? null : { userId: memberId }),
    }),
    sessionId: t.exposeString('sessionId', { nullable: true, description: 'The generation session it belongs to.' }),
    assetId: t.exposeString('assetId', { nullable: true, description: 'The asset it was spent on.' }),
    metadata: t.field({ type: 'JSON', description: 'What the caller attached to the operation.', resolve: (entry) => entry.metadata }),
    details: t.field({ type: 'JSON', description: 'What the ledger records about itself: grant and hold ids, reasons, plan ids.', resolve: (entry) => entry.details }),
    changes: t.field({ type: [MeterChangeRef], description: 'One per meter the entry touched.', resolve: (entry) => entry.changes }),
  }),
});
