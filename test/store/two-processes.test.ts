import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replayEntries } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/database.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { openTestDatabase } from '../support/test-database.js';
import type { WorkerConfig, WorkerLine } from './spend-worker.js';
import { openStore, TestClock } from './store-fixture.js';

/**
 * Idempotency keys across real server processes: two OS processes (`spend-worker.ts`, each with
 * its own connection and store) spend the same keys on one account at once, and one of them is
 * killed with SIGKILL part-way, leaving whatever it had in flight half done. Every key must still
 * be charged exactly once, as the database's own entries and balances show.
 */
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// tsx as a loader of this very process, not its cli: the cli runs the script in a child of its
// own, which a SIGKILL of the cli would leave running (an orphan still writing to the database).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const NOW = '2026-03-10T12:00:00Z';
const KEYS = 150;
const COST = 3; // voiceover.generate, in AI credits
const START = 1_000; // the 'thousand' plan's monthly AI credits
const CONCURRENCY = 10;
const SPEND = { feature: 'voiceover.generate', memberId: 'm1' } as const;

type Worker = {
  child: ChildProcessWithoutNullStreams;
  lines: WorkerLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Once it is connected and waiting for `go` (rejected should it exit first). */
  ready: Promise<void>;
  /** Once it has exited and the last of its stdout has been read. */
  finished: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

let database: Database;
let store: LedgerStore;
const clock = new TestClock(new Date(NOW));
const started: Worker[] = [];

beforeAll(async () => {
  database = await openTestDatabase('two-processes');
  store = await openStore(database.connection, clock);
});
afterEach(async () => {
  for (const worker of started.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }
});
afterAll(async () => {
  await database?.close();
});

type Crash = {
  /**
   * Sent SIGKILL by this test a random few milliseconds after reading its n-th answer (it is paced
   * by this test's reading, so it is part-way for certain).
   */
  killAtLine?: number;
  /** SIGKILLs itself at its first account write after n answers, the moment it has applied. */
  dieAtWriteAfter?: number;
};

/** Starts a worker spending `keys` in that order, once `startTogether` says go. */
function startWorker(accountId: string, keys: string[], crash: Crash = {}): Worker {
  const paced = crash.killAtLine !== undefined;
  const killDelay = Math.random() * 10;
  const config: WorkerConfig = {
    uri: database.uri,
    dbName: database.connection.name,
    accountId,
    keys,
    concurrency: CONCURRENCY,
    now: NOW,
    ...SPEND,
    paced,
    dieAtWriteAfter: crash.dieAtWriteAfter,
  };
  const child = spawn(process.execPath, ['--import', tsxLoader, 'test/store/spend-worker.ts', JSON.stringify(config)], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // An acknowledgement written as it is killed has nowhere to go: that is expected.
  child.stdin.on('error', () => {});
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: WorkerLine[] = [];
  // Listened for before anything can happen, so these settle whenever the worker ends.
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const finished = Promise.all([exited, once(child.stdout, 'close')]).then(([exit]) => exit);
  let isReady!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    isReady = resolve;
    void exited.then((exit) => reject(new Error(`worker exited before it was ready: ${JSON.stringify(exit)}\n${stderr}`)));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = parseLine(line);
    if ('ready' in parsed) return isReady();
    lines.push(parsed);
    if (!paced || !('key' in parsed)) return;
    // Not told to go on, its other lanes finish the debits they have in flight and stop: the kill,
    // some milliseconds later, lands anywhere in those (before, at or after their write) or after.
    if (lines.length === crash.killAtLine) setTimeout(() => child.kill('SIGKILL'), killDelay);
    else if (lines.length < crash.killAtLine!) child.stdin.write(`${parsed.key}\n`);
  });
  const worker = { child, lines, stderr: () => `${paced ? `killed ${killDelay.toFixed(1)} ms after line ${crash.killAtLine}\n` : ''}${stderr}`, exited, ready, finished };
  started.push(worker);
  return worker;
}

/** A line of a worker's stdout; anything but its JSON is a problem that `expectAllAnsweredOk` shows. */
function parseLine(line: string): WorkerLine | { ready: true } {
  try {
    return JSON.parse(line) as WorkerLine | { ready: true };
  } catch {
    return { key: '(not an answer)', thrown: line };
  }
}

/** Lets the workers start spending at once, all of them connected: a race, not a relay of start-ups. */
async function startTogether(...workers: Worker[]) {
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.child.stdin.write('go\n');
  return workers;
}

async function newAccount() {
  const accountId = `acct-${randomUUID()}`;
  const opened = await store.openAccount({ accountId, accountType: 'ORGANIZATION', planId: 'thousand', billingAnchor: new Date('2026-01-31T00:00:00Z') });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  return accountId;
}

const keysOf = (prefix: string) => Array.from({ length: KEYS }, (_, index) => `${prefix}-${index}`);
/** 1, 0, 3, 2, …: a different order that still meets the forward one on every key at about the same moment. */
const pairsSwapped = (keys: string[]) => keys.map((_, index) => keys[index % 2 === 0 ? Math.min(index + 1, keys.length - 1) : index - 1]!);

/** The answers that charged (ok and not replayed), per key. */
function firstAnswers(lines: readonly WorkerLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) if ('ok' in line && line.ok && !line.replayed) counts.set(line.key, (counts.get(line.key) ?? 0) + 1);
  return counts;
}

/** What the database holds for the account: each key charged once, gapless seqs, and the balance those charges leave. */
async function expectEachKeyChargedOnce(accountId: string, keys: readonly string[]) {
  await store.settled();
  const debits = await store.models.Entries.find({ accountId, kind: 'DEBIT' }, { idempotencyKey: 1 }).lean();
  const perKey = new Map<string, number>();
  for (const debit of debits) perKey.set(debit.idempotencyKey!, (perKey.get(debit.idempotencyKey!) ?? 0) + 1);
  expect([...perKey.entries()].filter(([, count]) => count !== 1)).toEqual([]);
  expect([...perKey.keys()].sort()).toEqual([...keys].sort());
  expect(await store.models.Keys.countDocuments({ accountId })).toBe(keys.length);

  const entries = await store.entriesAfter(accountId, 0, 100_000);
  // The opening RESET of each of the two meters, then one DEBIT per key.
  expect(entries).toHaveLength(keys.length + 2);
  expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
  expect(entries.filter((entry) => entry.kind !== 'DEBIT').map((entry) => entry.kind)).toEqual(['RESET', 'RESET']);

  const document = await store.models.Accounts.findById(accountId).lean();
  expect(document!.pendingEntries).toEqual([]);
  const [state] = await store.loadAccounts([accountId]);
  const ai = store.balances(state!).find((balance) => balance.meter === 'AI_CREDITS')!;
  expect(ai).toMatchObject({ available: START - keys.length * COST, used: keys.length * COST, reserved: 0 });
  // And the history replays to that balance.
  expect(replayEntries(entries).meters.AI_CREDITS).toMatchObject({ available: ai.available, used: ai.used });
}

function expectAllAnsweredOk(worker: Worker) {
  const problems = worker.lines.filter((line) => !('done' in line) && !('ok' in line && line.ok));
  expect(problems, worker.stderr()).toEqual([]);
}

describe('two server processes spending the same idempotency keys on one account', () => {
  it('charges each key once when both race on all the keys', async () => {
    const accountId = await newAccount();
    const keys = keysOf('race');
    const workers = await startTogether(startWorker(accountId, keys), startWorker(accountId, pairsSwapped(keys)));
    for (const worker of workers) expect(await worker.finished, worker.stderr()).toEqual({ code: 0, signal: null });

    for (const worker of workers) {
      expectAllAnsweredOk(worker);
      expect(worker.lines.at(-1)).toEqual({ done: true });
      expect(worker.lines).toHaveLength(keys.length + 1);
    }
    // Exactly one charging answer per key across both processes; every other answer a replay.
    const charged = firstAnswers(workers.flatMap((worker) => worker.lines));
    expect([...charged.values()].reduce((sum, count) => sum + count, 0)).toBe(keys.length);
    expect([...charged.keys()].sort()).toEqual([...keys].sort());
    await expectEachKeyChargedOnce(accountId, keys);
  });

  /**
   * One worker spends all the keys and is killed 40 answers in, as `crash` says, while the other
   * spends the first 100 the other way round (the last 50 are the killed one's alone, so it has
   * fresh keys to write whoever is faster); then a restart: the sweep, and every key retried once
   * more. Answers how many keys nobody answered as charged (applied by the killed one, its answer lost).
   */
  async function crashThenRetry(crash: Crash): Promise<number> {
    const accountId = await newAccount();
    const keys = keysOf(`crash-${randomUUID().slice(0, 8)}`);
    const [killed, survivor] = await startTogether(startWorker(accountId, keys, crash), startWorker(accountId, keys.slice(0, 100).reverse()));
    expect(await killed!.finished, killed!.stderr()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await survivor!.finished, survivor!.stderr()).toEqual({ code: 0, signal: null });

    // Killed part-way: 40 answers or more, and never all. Killed by this test, at most one more
    // from each of its other lanes; killing itself, at its next write, which the 50 keys of its
    // own make sure there is (before that, what the survivor charged first it only replays).
    expect(killed!.lines.length).toBeGreaterThanOrEqual(40);
    expect(killed!.lines.length).toBeLessThanOrEqual(crash.killAtLine === undefined ? keys.length - 1 : 40 + CONCURRENCY - 1);
    expect(killed!.lines).not.toContainEqual({ done: true });
    expectAllAnsweredOk(killed!);
    expectAllAnsweredOk(survivor!);
    expect(survivor!.lines).toHaveLength(100 + 1);
    const chargedByWorkers = firstAnswers([...killed!.lines, ...survivor!.lines]);

    // A restart: the sweep, then every caller retries every key once more. A key either process
    // answered as charged replays; one nobody answered is charged now, unless it had applied.
    await store.recoverPendingEntries();
    const retries = await Promise.all(keys.map((key) => store.execute(accountId, { type: 'DEBIT', idempotencyKey: key, ...SPEND })));
    expect(retries.filter((outcome) => !outcome.ok)).toEqual([]);
    expect(keys.filter((key, index) => chargedByWorkers.has(key) && !(retries[index]!.ok && retries[index]!.replayed))).toEqual([]);
    // Nothing left for a sweep once this process's own copies are taken out of the account.
    await store.settled();
    expect(await store.recoverPendingEntries()).toBe(0);

    // No key was answered as charged twice, by anyone. The keys the killed process had in flight
    // (at most CONCURRENCY) may have applied with their answer lost: their retries replayed.
    const charged = firstAnswers([
      ...killed!.lines,
      ...survivor!.lines,
      ...retries.map((outcome, index) => ({ key: keys[index]!, ok: true as const, replayed: outcome.ok && outcome.replayed })),
    ]);
    expect([...charged.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    const unanswered = keys.length - charged.size;
    expect(unanswered).toBeLessThanOrEqual(CONCURRENCY);
    await expectEachKeyChargedOnce(accountId, keys);
    return unanswered;
  }

  it('charges each key once when one process is killed mid-way, wherever its debits in flight were', async () => {
    await crashThenRetry({ killAtLine: 40 });
  });

  it('charges each key once when one process is killed just after its write applied, before it copied or answered', async () => {
    // Its last write applied (some key charged) and nobody heard: at least one key has no charging answer.
    expect(await crashThenRetry({ dieAtWriteAfter: 40 })).toBeGreaterThanOrEqual(1);
  });
});
