import { builder } from '../builder.js';
import { MeterBalanceRef } from '../balances/meter-balance.js';
import { MeterEnum } from '../catalog/meter.js';
import { CreditTickRef } from './credit-tick.js';
import { untilExpiry } from './token-expiry.js';
import { entryAsSeenBy, itemizedMemberFor } from '../accounts/index.js';
import { shareEvents } from './shared-execution.js';
import { nonNegativeOf } from '../inputs/index.js';
import { InvalidInputError } from '../results/result-errors.js';
import { tickPositionOf } from './tick-cursor.js';
import { watcherOf } from './watched-account.js';
import { accountBalances } from './account-balances.js';

/** How every subscription ends when the caller's token expires (see `../websocket.ts`). */
const EXPIRY =
  'When the access token expires (5 seconds after its `exp`, as over HTTP) it ends: a WebSocket closes with 4401, server-sent events end with UNAUTHENTICATED.';
const ACCOUNT_ID_DESCRIPTION =
  "The account's global ID: the caller's own account or its organization's pool (a service: any account). " +
  'Without it, the account the caller draws from: its organization\'s pool when its token names one, else its own (a service must give one).';

builder.subscriptionField('creditUsage', (t) =>
  t.field({
    type: CreditTickRef,
    description:
      "Live usage of an account: a tick for each change of a meter's balance (charges, holds, grants, resets), within " +
      'milliseconds of the write and in order. With `after` (the `cursor` of the last tick received) or `afterSeq`, the ticks ' +
      `after it are sent first (what the client missed while disconnected), then the live ones, none twice. ${EXPIRY}`,
    args: {
      accountId: t.arg.id({ required: false, description: ACCOUNT_ID_DESCRIPTION }),
      meter: t.arg({ type: MeterEnum, required: false, description: "Only this meter's ticks." }),
      after: t.arg.string({
        required: false,
        description: 'The `cursor` of the last tick the client has: replay exactly the ticks after it first, the rest of its entry included.',
      }),
      afterSeq: t.arg.int({
        required: false,
        description: 'The `seq` of the last whole entry the client has: replay the entries after it first. Not with `after`.',
      }),
    },
    subscribe: async (_root, args, context) => {
      if (args.after !== null && args.after !== undefined && args.afterSeq !== null && args.afterSeq !== undefined) {
        throw new InvalidInputError({ field: 'after', problem: 'cannot be given with afterSeq: resume after a tick or after an entry' });
      }
      const afterTick = args.after === null || args.after === undefined ? undefined : tickPositionOf(args.after);
      const afterSeq = nonNegativeOf('afterSeq', args.afterSeq);
      const { viewer, account } = await watcherOf(context, args.accountId);
      // A plain member of a pool sees the pool move, but who, what and in which session only when
      // it was its own. Subscribers who see the same share the ticks, and so their execution.
      const itemized = itemizedMemberFor(viewer, account);
      const ticks = await context.services.realtime.creditTicks(account.accountId, {
        meter: args.meter ?? undefined,
        afterSeq: afterSeq ?? undefined,
        afterTick,
        view: entryAsSeenBy(viewer, account),
        viewKey: itemized === null ? 'everyone' : `member:${itemized}`,
      });
      return shareEvents(untilExpiry(ticks, viewer));
    },
    resolve: (tick) => tick,
  }),
);

builder.subscriptionField('balanceChanged', (t) =>
  t.field({
    type: [MeterBalanceRef],
    description:
      "The balances of an account's meters: now, then after each change. A slow client skips intermediate values but always " +
      `gets the latest. ${EXPIRY}`,
    args: { accountId: t.arg.id({ required: false, description: ACCOUNT_ID_DESCRIPTION }) },
    subscribe: async (_root, args, context) => {
      const { viewer, account } = await watcherOf(context, args.accountId);
      // Every reader of the account sees the same balances.
      const balances = await context.services.realtime.balanceChanges(account.accountId);
      return shareEvents(untilExpiry(accountBalances(balances, account.accountId), viewer));
    },
    resolve: (balances) => balances,
  }),
);
