import { randomUUID } from 'node:crypto';
import { tickCursor } from '../../src/graphql/subscriptions/tick-cursor.js';
import { ticksOf } from '../../src/realtime/index.js';
import type { LedgerEntry } from '../../src/ledger/index.js';
import { userAccountId } from '../../src/store/directory.js';
import { execute } from '../graphql/client.js';
import { ConsumeCreditsDocument, ViewerDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/subscription-client.js';

/** A user of its own whose first request opened its account: its id and account (store id and global ID). */
export async function openUser(graphqlUrl: string, token: (sub: string) => Promise<string>) {
  const userId = `u-${randomUUID()}`;
  const { errors } = await execute(graphqlUrl, ViewerDocument, { token: await token(userId) });
  if (errors) throw new Error(`the first request of ${userId} failed: ${JSON.stringify(errors)}`);
  const accountId = userAccountId(userId);
  return { userId, accountId, globalId: accountGlobalId(accountId) };
}

/** `count` one-credit debits of the caller's account through the API, one after the other. */
export async function spend(graphqlUrl: string, token: string, globalId: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const input = { accountId: globalId, meter: 'AI_CREDITS' as const, amount: 1, idempotencyKey: randomUUID() };
    const { data, errors } = await execute(graphqlUrl, ConsumeCreditsDocument, { token, variables: { input } });
    if (errors || data?.consumeCredits?.__typename !== 'ConsumeCreditsSuccess') throw new Error(`a debit failed: ${JSON.stringify({ data, errors })}`);
  }
}

/** The cursors of the ticks of `entries`, in order: what a client that missed none received. */
export const cursorsOf = (entries: readonly LedgerEntry[]) => entries.flatMap((entry) => ticksOf(entry).map(tickCursor));

/** Resolves once `check` holds, polling; fails after `timeoutMs` saying what it waited for. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
