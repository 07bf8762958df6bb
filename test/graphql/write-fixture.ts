import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { AccountState, MeterBalance } from '../../src/ledger/index.js';
import { execute } from './client.js';

/** Looks behind the API of the test server, through its own ledger store and clock: balances without writing, entries. */
export function probeOf(server: { readonly app: RunningApp }) {
  const store = () => server.app.store;
  async function state(accountId: string): Promise<AccountState> {
    const [found] = await store().loadAccounts([accountId]);
    if (!found) throw new Error(`no account ${accountId}`);
    return found;
  }
  return {
    get store() {
      return store();
    },
    state,
    /** The balances as the API shows them, per meter. */
    async balances(accountId: string): Promise<Record<string, MeterBalance>> {
      return Object.fromEntries(store().balances(await state(accountId)).map((balance) => [balance.meter, balance]));
    },
    entryCount(accountId: string): Promise<number> {
      return store().models.Entries.countDocuments({ accountId });
    },
  };
}

/** Asserts the `__typename` of a result union and narrows it. */
export function as<T extends { __typename?: string }, N extends NonNullable<T['__typename']>>(value: T | null | undefined, typename: N): Extract<T, { __typename?: N }> {
  expect(value?.__typename, JSON.stringify(value)).toBe(typename);
  return value as Extract<T, { __typename?: N }>;
}

/** The balances of a payload, by meter. */
export function byMeter<B extends { meter: string }>(balances: readonly B[]): Record<string, B> {
  return Object.fromEntries(balances.map((balance) => [balance.meter, balance]));
}

/** Executes an operation of one root field, expects no GraphQL error, and answers that field's result. */
export async function resultOf<Data extends Record<string, unknown>, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  token: string | undefined,
  variables: Variables,
): Promise<Data[keyof Data]> {
  const response = await execute(url, document, { token, variables });
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0] as Data[keyof Data];
}
