import { builder } from '../builder.js';
import { AccountRef } from '../accounts/index.js';
import { MeterEnum } from '../catalog/index.js';
import { MeterBalanceRef, balancesOfAccount } from './meter-balance.js';

builder.objectFields(AccountRef, (t) => ({
  balances: t.field({
    type: [MeterBalanceRef],
    description: 'Every meter as of now, in a fixed meter order: resets and expiries that fell due are applied.',
    resolve: (account, _args, context) => balancesOfAccount(account.accountId, context.services.store.balances(account)),
  }),
  balance: t.field({
    type: MeterBalanceRef,
    description: 'One meter as of now.',
    args: { meter: t.arg({ type: MeterEnum, required: true }) },
    resolve: (account, { meter }, context) => {
      const balance = balancesOfAccount(account.accountId, context.services.store.balances(account)).find((candidate) => candidate.meter === meter);
      // `balances` answers every meter of the ledger, and the enum is checked against them.
      if (!balance) throw new Error(`the ledger gave no balance for ${meter}`);
      return balance;
    },
  }),
}));
