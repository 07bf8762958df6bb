import { builder } from '../builder.js';
import { MeterBalanceRef } from '../balances/meter-balance.js';
import { MeterEnum } from '../catalog/meter.js';
import { CreditTickRef } from './credit-tick.js';
import { untilExpiry } from './token-expiry.js';
import { entryAsSeenBy, itemizedMemberFor } from '../accounts/index.js';
import { shareEvents } from './shared-execution.js';
import { accountIdOf, nonNegativeOf } from '../inputs/index.js';
import { watcherOf } from './watched-account.js';

/** How every subscription ends when the caller's token expires (see `../websocket.ts`). */
const EXPIRY = 'When the access token expires it ends: a WebSocket closes with 4401, server-sent events end with UNAUTHENTICATED.';
const ACCOUNT_ID_DESCRIPTION = "The account's global ID: the caller's own account or its organization's pool (a service: any account).";

builder.subscriptionField('creditUsage', (t) =>
  t.field({
    type: CreditTickRef,
    description:
      "Live usage of an account: a tick for each change of a meter's balance (charges, holds, grants, resets), within " +
      'milliseconds of the write and in `seq` order. With `afterSeq`, the ticks after it are sent first (what the client ' +
      `missed while disconnected), then the live ones, none twice. ${EXPIRY}`,
    args: {
      accountId: t.arg.id({ required: true, description: ACCOUNT_ID_DESCRIPTION }),
      meter: t.arg({ type: MeterEnum, required: false, description: "Only this meter's ticks." }),
      afterSeq: t.arg.int({ required: false, description: 'The `seq` of the last tick the client has: replay everything after it first.' }),
    },
    subscribe: async (_root, args, context) => {
      const accountId = accountIdOf(args.accountId);
      const afterSeq = nonNegativeOf('afterSeq', args.afterSeq);
      const { viewer, account } = await watcherOf(context, accountId);
      // A plain member of a pool sees the pool move, but who, what and in which session only when
      // it was its own. Subscribers who see the same share the ticks, and so their execution.
      const itemized = itemizedMemberFor(viewer, account);
      const ticks = await context.services.realtime.creditTicks(accountId, {
        meter: args.meter ?? undefined,
        afterSeq: afterSeq ?? undefined,
        view: entryAsSeenBy(viewer, account),
        viewKey: itemized === null ? 'everyone' : `member:${itemized}`,
      });
      return shareEvents(untilExpiry(ticks, viewer.expiresAt));
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
    args: { accountId: t.arg.id({ required: true, description: ACCOUNT_ID_DESCRIPTION }) },
    subscribe: async (_root, args, context) => {
      const accountId = accountIdOf(args.accountId);
      const { viewer } = await watcherOf(context, accountId);
      // Every reader of the account sees the same balances.
      return shareEvents(untilExpiry(await context.services.realtime.balanceChanges(accountId), viewer.expiresAt));
    },
    resolve: (balances) => [...balances],
  }),
);
