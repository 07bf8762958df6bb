/**
 * The soak's verdict on the data, read straight from the database once the traffic has stopped:
 * - every account's balances equal a replay of its ledger entries (`replayEntries`, which also
 *   refuses a seq that does not follow the one before and a balance that goes negative), and no
 *   stored balance is negative;
 * - each account's entries are seqs 1..lastSeq without a gap (entries still pending in the account
 *   document count: they are as durable as the copied ones);
 * - no idempotency key is charged twice (at most one entry of a kind under one key), and each
 *   write a client was told applied has exactly one entry, each refused one none;
 * - every watcher received its account's AI_CREDITS ticks from its first to its last without a
 *   gap, in order, none twice.
 */
import { MongoClient } from 'mongodb';
import { clientKeyOf } from '../../src/graphql/inputs/idempotency-keys.js';
import { METERS, meterFigures, replayEntries, type AccountState, type LedgerEntry } from '../../src/ledger/index.js';
import { errorMessage } from '../bench/measure.js';
import type { Expectations } from './expectations.js';
import type { WatcherRecord } from './watchers.js';

type AccountDocument = { _id: string; state: AccountState; pendingEntries: LedgerEntry[] };

export type DataCounts = { accounts: number; entries: number; pendingEntries: number; keyedEntries: number; watchedTicks: number };

export type Audit = { readonly counts: DataCounts; readonly violations: readonly string[] };

/** The client's key under a ledger key: `api:["caller","key"]`, or a generation's `gen:["caller","key"]:commit`. */
function clientKeyOfLedgerKey(key: string): string {
  const generation = /^gen:(.*):[a-z]+$/.exec(key);
  return clientKeyOf(generation ? generation[1]! : key);
}

function entriesByAccount(accounts: readonly AccountDocument[], copied: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const bySeq = new Map<string, Map<number, LedgerEntry>>();
  const add = (entry: LedgerEntry) => {
    const seqs = bySeq.get(entry.accountId) ?? new Map<number, LedgerEntry>();
    bySeq.set(entry.accountId, seqs);
    seqs.set(entry.seq, entry);
  };
  for (const entry of copied) add(entry);
  for (const account of accounts) for (const entry of account.pendingEntries) add(entry);
  return new Map([...bySeq].map(([accountId, seqs]) => [accountId, [...seqs.values()].sort((a, b) => a.seq - b.seq)]));
}

function checkBalances(account: AccountDocument, entries: readonly LedgerEntry[], violations: string[]): void {
  try {
    const replay = replayEntries(entries);
    if (replay.lastSeq !== account.state.lastSeq) violations.push(`${account._id}: the entries end at seq ${replay.lastSeq}, the account at ${account.state.lastSeq}`);
    for (const meter of METERS) {
      const stored = meterFigures(account.state, meter);
      const replayed = replay.meters[meter];
      for (const figure of ['available', 'used', 'reserved'] as const) {
        if (stored[figure] < 0) violations.push(`${account._id} ${meter}: ${figure} is negative (${stored[figure]})`);
        if (stored[figure] !== replayed[figure]) violations.push(`${account._id} ${meter}: ${figure} is ${stored[figure]}, its entries replay to ${replayed[figure]}`);
      }
    }
  } catch (error) {
    violations.push(`${account._id}: ${errorMessage(error)}`);
  }
}

function checkKeys(entries: ReadonlyMap<string, LedgerEntry[]>, expectations: Expectations, violations: string[]): number {
  const counted = new Map<string, number>();
  const charged = new Map<string, number>();
  let keyed = 0;
  for (const [accountId, list] of entries) {
    for (const entry of list) {
      if (entry.idempotencyKey === null) continue;
      keyed += 1;
      const raw = JSON.stringify([accountId, entry.kind, entry.idempotencyKey]);
      counted.set(raw, (counted.get(raw) ?? 0) + 1);
      const client = JSON.stringify([accountId, entry.kind, clientKeyOfLedgerKey(entry.idempotencyKey)]);
      charged.set(client, (charged.get(client) ?? 0) + 1);
    }
  }
  for (const [raw, count] of counted) if (count > 1) violations.push(`${count} entries of one kind under one key: ${raw}`);
  for (const expectation of expectations.all()) {
    const count = charged.get(JSON.stringify([expectation.accountId, expectation.kind, expectation.clientKey])) ?? 0;
    const wanted = { applied: [1, 1], refused: [0, 0], unknown: [0, 1] }[expectation.outcome];
    if (count < wanted[0]! || count > wanted[1]!) {
      violations.push(`key ${expectation.clientKey} (${expectation.outcome}) has ${count} ${expectation.kind} entries on ${expectation.accountId}`);
    }
  }
  return keyed;
}

/** Each watcher's seqs against the account's ticking entries between its first and last seq. */
function checkWatchers(entries: ReadonlyMap<string, LedgerEntry[]>, watchers: readonly WatcherRecord[], violations: string[]): number {
  let ticks = 0;
  for (const watcher of watchers) {
    ticks += watcher.seqs.length;
    if (watcher.seqs.length === 0) continue;
    const first = watcher.seqs[0]!;
    const last = watcher.seqs.at(-1)!;
    const expected = (entries.get(watcher.accountId) ?? [])
      .filter((entry) => entry.seq >= first && entry.seq <= last && entry.changes.some((change) => change.meter === 'AI_CREDITS'))
      .map((entry) => entry.seq);
    const mismatch = expected.findIndex((seq, index) => watcher.seqs[index] !== seq);
    if (mismatch >= 0 || expected.length !== watcher.seqs.length) {
      const at = mismatch >= 0 ? mismatch : Math.min(expected.length, watcher.seqs.length);
      const connection = watcher.connections.findLast((candidate) => candidate.from <= at);
      const fresh = connection?.from === at ? ', its first tick' : '';
      violations.push(
        `a watcher of ${watcher.accountId} received ${watcher.seqs.length} ticks, the ledger has ${expected.length} from seq ${first} to ${last}; ` +
          `they part at position ${at}: received ${watcher.seqs.slice(Math.max(0, at - 2), at + 3).join(',')}, ledger ${expected.slice(Math.max(0, at - 2), at + 3).join(',')} ` +
          `(on the connection to ${connection?.url} with afterSeq ${connection?.afterSeq}${fresh})`,
      );
    }
  }
  return ticks;
}

export async function audit(uri: string, databaseName: string, expectations: Expectations, watchers: readonly WatcherRecord[]): Promise<Audit> {
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db(databaseName);
    const accounts = await db.collection<AccountDocument>('accounts').find({}).toArray();
    const copied = await db.collection<LedgerEntry>('ledger_entries').find({}).toArray();
    const entries = entriesByAccount(accounts, copied);
    const violations: string[] = [];
    for (const account of accounts) checkBalances(account, entries.get(account._id) ?? [], violations);
    const known = new Set(accounts.map((account) => account._id));
    for (const accountId of entries.keys()) if (!known.has(accountId)) violations.push(`entries of ${accountId}, which has no account`);
    const keyedEntries = checkKeys(entries, expectations, violations);
    const watchedTicks = checkWatchers(entries, watchers, violations);
    const pendingEntries = accounts.reduce((sum, account) => sum + account.pendingEntries.length, 0);
    return { counts: { accounts: accounts.length, entries: copied.length, pendingEntries, keyedEntries, watchedTicks }, violations };
  } finally {
    await client.close();
  }
}
