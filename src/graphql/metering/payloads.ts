import type { MeterBalance } from '../../ledger/index.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { AccountRef } from '../accounts/index.js';
import { MeterBalanceRef } from '../balances/meter-balance.js';
import { builder } from '../builder.js';
import { accountGlobalId } from './inputs.js';

/** An account as a write left it. */
export type AccountSnapshot = { readonly accountId: string; readonly balances: MeterBalance[] };

/** What every successful write answers besides its own facts. */
export type AccountPayload = AccountSnapshot & { readonly replayed: boolean };

/** The account's balances as of now, right after a write to it. */
export async function snapshotOf(store: LedgerStore, accountId: string): Promise<AccountSnapshot> {
  const [state] = await store.loadAccounts([accountId]);
  if (!state) throw new Error(`account ${accountId} vanished after a write`);
  return { accountId, balances: store.balances(state) };
}

export const AccountPayloadRef = builder.interfaceRef<AccountPayload>('AccountPayload').implement({
  description: 'What a write did to an account: which account, and its balances right after.',
  fields: (t) => ({
    account: t.field({
      type: AccountRef,
      description: 'The account written to, as it is now: its plan, a scheduled plan change, its members…',
      resolve: ({ accountId }) => accountId,
    }),
    accountId: t.id({ description: 'The global id of the account written to (`Account:<id>`).', resolve: ({ accountId }) => accountGlobalId(accountId) }),
    balances: t.field({ type: [MeterBalanceRef], description: "The account's balances right after the write, one per meter.", resolve: ({ balances }) => balances }),
    replayed: t.exposeBoolean('replayed', {
      description: 'True when this answers a retry: the idempotency key was used before for this request, which applied then; nothing was written now.',
    }),
  }),
});
