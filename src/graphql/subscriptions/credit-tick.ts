import type { CreditTick } from '../../realtime/index.js';
import { builder } from '../builder.js';
import { UserRef } from '../accounts/index.js';
import { MeterEnum } from '../catalog/meter.js';
import { EntryKindEnum } from './entry-kind.js';
import { tickCursor } from './tick-cursor.js';

/** The rule of `entryAsSeenBy`, as the schema states it. */
const OWN_ONLY = "In a pool, a plain member gets it only on ticks of its own usage (null on other members'), as `Account.usage` lists only its own entries.";

export const CreditTickRef = builder.objectRef<CreditTick>('CreditTick').implement({
  description:
    'One meter changed by one ledger entry, as a live usage card shows it: animate from `previousAvailable` to `available`. ' +
    'An entry that touched two meters gives two ticks with the same `seq` and different `cursor`s.',
  fields: (t) => ({
    cursor: t.string({
      description:
        "This tick's place in the account's history, opaque, the same whatever the `meter` filter or the caller: resubscribe " +
        'with `after` set to the last one received to get exactly the ticks after it, the rest of its entry included.',
      resolve: tickCursor,
    }),
    seq: t.exposeInt('seq', {
      description:
        "The entry's position in the account's ledger, from 1 without gaps; the ticks of one entry share it. `afterSeq` resumes after a whole entry.",
    }),
    meter: t.field({ type: MeterEnum, resolve: (tick) => tick.meter }),
    kind: t.field({ type: EntryKindEnum, resolve: (tick) => tick.kind }),
    delta: t.exposeInt('delta', { description: 'The change of `available`: negative when credits left it.' }),
    previousAvailable: t.exposeInt('previousAvailable', { description: '`available` before the entry.' }),
    available: t.exposeInt('available', { description: '`available` after the entry.' }),
    used: t.exposeInt('used', { description: 'Credits consumed this period, after the entry.' }),
    reserved: t.exposeInt('reserved', { description: 'Credits held for work under way, after the entry.' }),
    allowance: t.exposeInt('allowance', { description: "This period's allowance, after the entry." }),
    unlimited: t.exposeBoolean('unlimited', { description: 'Nothing is refused on this meter; usage is still recorded.' }),
    feature: t.string({ nullable: true, description: `The feature that was charged, e.g. \`image.generate\`. ${OWN_ONLY}`, resolve: (tick) => tick.feature }),
    sessionId: t.string({ nullable: true, description: `The generation session the entry belongs to. ${OWN_ONLY}`, resolve: (tick) => tick.sessionId }),
    member: t.field({
      type: UserRef,
      nullable: true,
      description: `The member of an organization's pool who caused the entry, as the \`User\` inputs take. ${OWN_ONLY}`,
      resolve: ({ memberId }) => (memberId === null ? null : { userId: memberId }),
    }),
    at: t.field({ type: 'DateTime', description: 'When the entry was written.', resolve: (tick) => tick.at }),
    thresholdsCrossed: t.field({
      type: ['Int'],
      description:
        "Low-balance notices, usually none: 80 when this entry took the share of the meter's credits this period that is gone " +
        '(`used` + `reserved`, out of `used` + `reserved` + `available`: allowance, rollover and top-ups together) to 80% or more; ' +
        '100 when it took `available` to 0. Reserved credits count as gone, as they cannot be spent. ' +
        'Each is announced at most once per meter per period, on the tick that crossed it (credits that come back and run out again ' +
        'are not announced again until the next period), and the same on a replay with `afterSeq`. ' +
        'Credits expiring as the period ends announce nothing; unlimited meters never announce.',
      resolve: (tick) => [...tick.thresholdsCrossed],
    }),
    dailyLimit: t.int({ nullable: true, description: "The meter's daily limit; null without one.", resolve: (tick) => tick.daily?.limit ?? null }),
    usedToday: t.int({ nullable: true, description: 'Credits consumed or reserved today, after the entry; null without a daily limit.', resolve: (tick) => tick.daily?.usedToday ?? null }),
    remainingToday: t.int({
      nullable: true,
      description: 'What the daily limit still allows today, after the entry; null without a daily limit.',
      resolve: (tick) => (tick.daily ? Math.max(0, tick.daily.limit - tick.daily.usedToday) : null),
    }),
    dayResetsAt: t.field({ type: 'DateTime', nullable: true, description: 'When the day ends; null without a daily limit.', resolve: (tick) => tick.daily?.dayResetsAt ?? null }),
    dailyLimitReached: t.boolean({
      description:
        "The daily notice: true on the tick whose entry took the day's usage to the daily limit, at most once a meter a day (credits that come back the same day and run out again are not announced again). " +
        'Always false without a daily limit.',
      resolve: (tick) => tick.daily?.limitReached ?? false,
    }),
  }),
});
