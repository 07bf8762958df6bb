import type { MeterBalance } from '../../ledger/index.js';
import { builder } from '../builder.js';
import { MeterEnum } from '../catalog/meter.js';
import { compositeGlobalId } from '../composite-ids.js';

/** A balance with the account it is of, which its id names. */
export type AccountMeterBalance = MeterBalance & { readonly accountId: string };

/** The balances of the account `accountId` (the ledger's id), as `MeterBalance` answers them. */
export function balancesOfAccount(accountId: string, balances: readonly MeterBalance[]): AccountMeterBalance[] {
  return balances.map((balance) => ({ ...balance, accountId }));
}

export const MeterBalanceRef = builder.objectRef<AccountMeterBalance>('MeterBalance').implement({
  description: 'One meter of an account as of now: what is left, what was used this period, and when it resets.',
  fields: (t) => ({
    id: t.id({
      description: 'The account and the meter, as one global id: the same in every answer that carries this balance, so a client cache updates it in place.',
      resolve: ({ accountId, meter }) => compositeGlobalId('MeterBalance', accountId, meter),
    }),
    meter: t.field({ type: MeterEnum, resolve: (balance) => balance.meter }),
    unlimited: t.exposeBoolean('unlimited', { description: 'Nothing is refused on this meter; usage is still recorded.' }),
    allowance: t.exposeInt('allowance', { description: "This period's allowance from the plan (raised at once by an upgrade)." }),
    available: t.exposeInt('available', {
      description: 'Credits that can be spent now: allowance left, rollover, adjustments and top-ups, less what is reserved.',
    }),
    used: t.exposeInt('used', { description: 'Credits consumed this period.' }),
    reserved: t.exposeInt('reserved', { description: 'Credits held for generations under way.' }),
    topUp: t.exposeInt('topUp', { description: 'Credits left from purchased top-ups, included in `available`.' }),
    periodStart: t.field({ type: 'DateTime', description: 'When the current period began.', resolve: (balance) => balance.periodStart }),
    resetsAt: t.field({ type: 'DateTime', description: 'When the allowance resets.', resolve: (balance) => balance.resetsAt }),
    dailyLimit: t.int({
      nullable: true,
      description: "At most this many credits consumed or reserved per day (midnight to midnight in the account's time zone), inside the period's credits; null without a daily limit.",
      resolve: (balance) => balance.daily?.limit ?? null,
    }),
    usedToday: t.int({
      nullable: true,
      description: 'Credits consumed or reserved today that count toward `dailyLimit` (a reservation released the same day gives its credits back); null without a daily limit.',
      resolve: (balance) => balance.daily?.usedToday ?? null,
    }),
    remainingToday: t.int({
      nullable: true,
      description: 'What the daily limit still allows today (`available` may allow less); null without a daily limit.',
      resolve: (balance) => balance.daily?.remainingToday ?? null,
    }),
    dayResetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the day ends and `usedToday` starts again from 0; null without a daily limit.',
      resolve: (balance) => balance.daily?.dayResetsAt ?? null,
    }),
  }),
});
