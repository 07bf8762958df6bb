import { describe, expect, it } from 'vitest';
import { accountGlobalId } from '../../src/graphql/inputs/global-ids.js';
import { execute } from '../graphql/client.js';
import { ConsumeCreditsDocument, GenerateDocument } from '../graphql/generated/graphql.js';
import { openSocket } from '../graphql/subscription-client.js';
import { useServersOnDatabaseProcess } from './servers-on-database-process.js';

/**
 * The server process (src/main.ts, as `npm start` runs it) told to stop with SIGTERM while it
 * answers: its database is a process of its own, so what the server left there can be read after it exited.
 */
const BURST = 20;
const { startServer, tokenFor, stored: storedHistory } = useServersOnDatabaseProcess('graceful-shutdown');

const debit = (graphqlUrl: string, token: string, accountId: string, key: string) =>
  execute(graphqlUrl, ConsumeCreditsDocument, { token, variables: { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key } } });

/** The account as the server left it in the database, and the seqs of its entries in the history. */
async function stored(accountId: string) {
  const { account, entries } = await storedHistory(accountId);
  return { account, seqs: [...new Set(entries.map((entry) => entry.seq))] };
}

describe('SIGTERM', () => {
  it('stops accepting, answers the mutations in flight, closes WebSockets with 1001 Going Away, leaves every ledger entry copied, and exits 0', async () => {
    const { server, url, graphqlUrl } = await startServer({ SIMULATED_PROVIDER_LATENCY_MS: '1000' });
    const token = await tokenFor('u1');
    const socket = openSocket(graphqlUrl, { authorization: `Bearer ${token}` });
    await socket.acknowledged;

    // In flight when the signal comes: a generation (a second of provider work) and a burst of debits.
    const generation = execute(graphqlUrl, GenerateDocument, { token, variables: { input: { feature: 'brand.analyze', idempotencyKey: 'g1', input: { url: 'x.example' } } } });
    const debits = Array.from({ length: BURST }, (_, index) => debit(graphqlUrl, token, 'user:u1', `d${index}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');

    expect(await socket.closed).toMatchObject({ code: 1001 });
    // Still answering the generation, but accepting nothing new.
    expect(server.child.exitCode).toBeNull();
    await expect(fetch(`${url}/health`)).rejects.toThrow();

    expect((await generation).data?.generate?.__typename).toBe('GenerationSuccess');
    expect((await Promise.all(debits)).map((debit) => debit.data?.consumeCredits?.__typename)).toEqual(Array(BURST).fill('ConsumeCreditsSuccess'));
    expect(await server.exited).toMatchObject({ exitCode: 0, signal: null });

    // Every entry of the account is in the history, once, with nothing left waiting in the account.
    const { account, seqs } = await stored('user:u1');
    expect(seqs.length).toBe(account.state.lastSeq);
    expect(account.pendingEntries).toEqual([]);
  });
});

describe('SIGKILL mid-burst (what a graceful stop avoids)', () => {
  it('leaves nothing half-applied: a new server on the same database charges every retried key once, and its history is complete', async () => {
    const first = await startServer();
    const token = await tokenFor('u2');
    const keys = Array.from({ length: BURST }, (_, index) => `k${index}`);
    // Killed once some debits are answered and others are on their way.
    const burst = keys.map((key) => debit(first.graphqlUrl, token, 'user:u2', key).catch(() => undefined));
    await burst[0];
    first.server.child.kill('SIGKILL');
    await Promise.all(burst);

    const second = await startServer();
    const retried = await Promise.all(keys.map((key) => debit(second.graphqlUrl, token, 'user:u2', key)));
    expect(retried.map((answer) => answer.data?.consumeCredits?.__typename)).toEqual(Array(BURST).fill('ConsumeCreditsSuccess'));
    const again = await debit(second.graphqlUrl, token, 'user:u2', 'k0');
    expect(again.data?.consumeCredits).toMatchObject({ replayed: true });
    // rheos.free: 50 AI credits; each key charged once, whichever server applied it (a replay answers its first balances, a new key the current ones).
    const next = await debit(second.graphqlUrl, token, 'user:u2', 'after');
    const balances = next.data?.consumeCredits?.__typename === 'ConsumeCreditsSuccess' ? next.data.consumeCredits.balances : [];
    expect(balances.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: 50 - BURST - 1, used: BURST + 1 });
    const { account, seqs } = await stored('user:u2');
    expect(seqs.length).toBe(account.state.lastSeq);
  });
});
