import { RESERVATION_STATUSES, activeReservation, settledReservation, type AccountState, type Reservation, type ReservationStatus } from '../../ledger/index.js';
import type { ReservationEntries } from '../../store/reservation-queries.js';
import { AccountRef, UserRef, itemizedMemberFor } from '../accounts/index.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { viewerOf } from '../context.js';
import { MeterAmountRef, meterAmountList } from '../results/index.js';
import { pageRequestOf, seqConnection, seqPageArgs } from '../usage/seq-paging.js';
import { accountKey, loadByAccount } from './account-keys.js';
import { GenerationSessionRef } from './sessions.js';

type ReservationNode = Reservation & { readonly accountId: string };

const ReservationStatusEnum = builder.enumType('ReservationStatus', {
  values: {
    ACTIVE: { description: 'Held: not available, not yet used. Commit or release it before `expiresAt`.' },
    COMMITTED: { description: 'Charged, all or in part (`committed`); the rest went back (`released`).' },
    RELEASED: { description: 'Given back unused: released by its caller, or the step it was for had been charged already.' },
    EXPIRED: { description: 'Released by itself at `expiresAt`, neither committed nor released before.' },
    FAILED: { description: 'The generation it held for failed: charged per the feature’s failure policy (`committed`, often nothing).' },
  } satisfies Record<ReservationStatus, { description: string }>,
});

/**
 * The reservation of each of `holdIds`: from the account's state while active, from its entries
 * once settled; one another caller may not see (a plain member of a pool sees its own) is none.
 */
async function reservationsOf(context: Context, account: AccountState, holdIds: readonly string[], found: ReadonlyMap<string, ReservationEntries>) {
  const itemized = itemizedMemberFor(viewerOf(context), account);
  const reservations = new Map<string, ReservationNode>();
  for (const holdId of holdIds) {
    const active = account.holds.find((hold) => hold.id === holdId);
    const entries = found.get(holdId);
    const reservation = active ? activeReservation(active) : entries?.hold && entries.settlement.length > 0 ? settledReservation(entries.hold, entries.settlement) : null;
    if (reservation && (itemized === null || reservation.memberId === itemized)) reservations.set(holdId, { ...reservation, accountId: account.accountId });
  }
  return reservations;
}

/**
 * Settles in the ledger what the clock has released (holds past their time-to-live) before the
 * history is read: the account's state already counts them released, so they would be neither
 * active nor settled in between.
 */
async function settledByTheClock(context: Context, accountId: string): Promise<void> {
  await context.services.store.advance(accountId);
}

export const ReservationRef = builder.loadableNodeRef<ReservationNode | null, string, string, string, ReservationNode>('Reservation', {
  id: { resolve: ({ accountId, holdId }) => accountKey(accountId, holdId) },
  load: (keys: readonly string[], context: Context) =>
    loadByAccount(keys, context, async (accountId, holdIds) => {
      await settledByTheClock(context, accountId);
      const [account] = await context.services.store.loadAccounts([accountId]);
      if (!account) return new Map();
      const activeIds = account.holds.map((hold) => hold.id);
      return reservationsOf(context, account, holdIds, await context.services.store.reservationsByHoldId(accountId, holdIds, activeIds));
    }),
});

ReservationRef.implement({
  description:
    'Credits held before slow work (`reserveCredits`, or a generation), and what became of them. The same as `reservationId` in the metering API; read by whoever may read its account (a plain member of a pool, its own only).',
  fields: (t) => ({
    status: t.field({ type: ReservationStatusEnum, resolve: (reservation) => reservation.status }),
    held: t.field({ type: [MeterAmountRef], description: 'What was held, per meter.', resolve: ({ held }) => meterAmountList(held) }),
    committed: t.field({ type: [MeterAmountRef], description: 'What was charged of it, per meter; empty until settled.', resolve: ({ committed }) => meterAmountList(committed) }),
    released: t.field({ type: [MeterAmountRef], description: 'What went back to the balance, per meter.', resolve: ({ released }) => meterAmountList(released) }),
    expired: t.field({
      type: [MeterAmountRef],
      description: 'What went back to grants that had expired while it was held: gone.',
      resolve: ({ expired }) => meterAmountList(expired),
    }),
    feature: t.exposeString('feature', { nullable: true, description: 'What the credits were held for, e.g. `video.render`.' }),
    member: t.field({
      type: UserRef,
      nullable: true,
      description: 'The member of an organization pool it is held for.',
      resolve: ({ memberId }) => (memberId === null ? null : { userId: memberId }),
    }),
    session: t.field({
      type: GenerationSessionRef,
      nullable: true,
      description: 'The generation session it belongs to.',
      resolve: ({ accountId, sessionId }) => (sessionId === null ? null : accountKey(accountId, sessionId)),
    }),
    assetId: t.exposeString('assetId', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: ({ createdAt }) => createdAt }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it is (or was) released by itself; null for one settled before reservations recorded it.',
      resolve: ({ expiresAt }) => expiresAt,
    }),
    settledAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was committed, released or expired; null while active.', resolve: ({ settledAt }) => settledAt }),
  }),
});

const ReservationConnectionRef = builder.connectionObject({ type: ReservationRef, name: 'ReservationConnection' }, { name: 'ReservationEdge' });

builder.objectField(AccountRef, 'reservations', (t) =>
  t.field({
    type: ReservationConnectionRef,
    description:
      "The account's reservations, newest first by their latest change: an active one where it was made, a settled one where it settled. In an organization pool a plain member sees its own only; its admins and services see all.",
    args: {
      status: t.arg({ type: ReservationStatusEnum, description: `Only reservations in this status (${RESERVATION_STATUSES.join(', ')}).` }),
      ...seqPageArgs(t.arg),
    },
    resolve: async (account, { status, ...paging }, context) => {
      const itemized = itemizedMemberFor(viewerOf(context), account);
      const request = pageRequestOf(paging);
      await settledByTheClock(context, account.accountId);
      const activeHoldIds = account.holds.filter((hold) => itemized === null || hold.memberId === itemized).map((hold) => hold.id);
      const filter = { status: status ?? undefined, activeHoldIds, ...(itemized !== null && { memberId: itemized }) };
      const page = await context.services.store.listReservations(account.accountId, filter, request);
      const holdIds = page.reservations.map(({ holdId }) => holdId);
      const reservations = await reservationsOf(context, account, holdIds, new Map(page.reservations.map((entries) => [entries.holdId, entries])));
      const listed = page.reservations.filter(({ holdId }) => reservations.has(holdId));
      return seqConnection(listed, (entries) => entries, ({ holdId }) => reservations.get(holdId)!, request, page);
    },
  }),
);
