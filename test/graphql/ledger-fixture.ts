import { randomUUID } from 'node:crypto';
import type { RunningApp } from '../../src/app.js';
import type { LedgerOperation, Outcome } from '../../src/ledger/index.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A ledger operation without its idempotency key: each call below is a new operation. */
export type NewOperation = DistributiveOmit<LedgerOperation, 'idempotencyKey'>;

/** The global ID the API gives the account with this store id. */
export const accountGlobalId = (accountId: string) => Buffer.from(`Account:${accountId}`).toString('base64');
export const userGlobalId = (userId: string) => Buffer.from(`User:${userId}`).toString('base64');

/**
 * Writes through the test server's own ledger store, on its clock, so that the read side's tests
 * set up balances and history (debits by members, plan changes, caps) without depending on the
 * mutations.
 */
export function ledgerOf(server: { readonly app: RunningApp }) {
  return {
    get store() {
      return server.app.store;
    },
    /** Applies the operation or throws with the ledger's refusal. */
    async apply(accountId: string, operation: NewOperation): Promise<Extract<Outcome, { ok: true }>> {
      const outcome = await server.app.store.execute(accountId, { ...operation, idempotencyKey: randomUUID() } as LedgerOperation);
      if (!outcome.ok) throw new Error(`${operation.type} on ${accountId} was refused: ${JSON.stringify(outcome.error)}`);
      return outcome;
    },
  };
}
