import type { MeterBalance } from '../../ledger/index.js';
import { AccountRef } from '../accounts/index.js';
import { MeterBalanceRef, balancesOfAccount } from '../balances/meter-balance.js';
import { builder } from '../builder.js';
import { accountGlobalId } from '../inputs/global-ids.js';

/** An account as a write left it. */
export type AccountSnapshot = { readonly accountId: string; readonly balances: MeterBalance[] };

/** What every successful write answers besides its own facts. */
export type AccountPayload = AccountSnapshot & { readonly replayed: boolean };

/**
 * What a write answers of its account: the balances right after the write itself (not after
 * others coalesced with it), or for a replay those the first request answered.
 */
export function payloadOf(accountId: string, outcome: { readonly replayed: boolean; readonly balances: MeterBalance[] }): AccountPayload {
  return { accountId, balances: outcome.balances, replayed: outcome.replayed };
}

export const AccountPayloadRef = builder.interfaceRef<AccountPayload>('AccountPayload').implement({
  description: 'What a write did to an account: which account, and its balances right after.',
  fields: (t) => ({
    account: t.field({
      type: AccountRef,
      // Nullable: an error reading it (a field the caller may not read) must not hide that the write applied.
      nullable: true,
      description: 'The account written to, as it is now: its plan, a scheduled plan change, its members… Null if it cannot be read; the write applied all the same.',
      resolve: ({ accountId }) => accountId,
    }),
    accountId: t.id({ description: 'The global id of the account written to (`Account:<id>`).', resolve: ({ accountId }) => accountGlobalId(accountId) }),
    balances: t.field({ type: [MeterBalanceRef], description: "The account's balances right after the write, one per meter.", resolve: ({ accountId, balances }) => balancesOfAccount(accountId, balances) }),
    replayed: t.exposeBoolean('replayed', {
      description: 'True when this answers a retry: the idempotency key was used before for this request, which applied then; nothing was written now.',
    }),
  }),
});
