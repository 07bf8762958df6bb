/**
 * A second server process, as far as the ledger can tell: its own mongoose connection to the
 * database of `two-processes.test.ts`, its own store, and the debits it is given, `concurrency`
 * at a time. It prints `{"ready":true}` once connected and waits for a line `go` on stdin (so that
 * two workers start spending together, not one after the other's start-up), then one JSON line
 * per answer (after the answer, so a printed key has been answered), then `{"done":true}` once its
 * writes have settled.
 *
 * Run as `node --import tsx test/store/spend-worker.ts '<WorkerConfig as JSON>'`.
 */
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import { openStore, TestClock } from './store-fixture.js';

export type WorkerConfig = {
  uri: string;
  dbName: string;
  accountId: string;
  keys: string[];
  concurrency: number;
  /** The instant of the test clock, shared with the test so both see the same period. */
  now: string;
  /** What each debit is for: the test retries with the same, so its retries are the same requests. */
  feature: string;
  memberId: string;
  /**
   * Whether each answer waits for the test to read it (a line `<key>` on stdin) before that lane
   * takes its next key, so that the test, not the pipe's buffer, decides how far this process
   * gets: killed at its n-th line, it has answered at most n + concurrency - 1 keys.
   */
  paced: boolean;
  /**
   * Once this many answers are printed, the process SIGKILLs itself at its next write of the
   * account, the moment it has applied: before its entries are copied or anyone is answered.
   */
  dieAtWriteAfter?: number;
};

/** One line of the worker's stdout. */
export type WorkerLine =
  | { key: string; ok: true; replayed: boolean }
  | { key: string; ok: false; code: string }
  | { key: string; thrown: string }
  | { done: true };

const config = JSON.parse(process.argv[2]!) as WorkerConfig;

let answered = 0;
function report(line: WorkerLine | { ready: true }) {
  // Synchronous on a pipe (Linux), so a line printed is a line the test can read even if this process is killed next.
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if ('key' in line) answered += 1;
}

const acknowledged = new Map<string, () => void>();
let go!: () => void;
const started = new Promise<void>((resolve) => (go = resolve));
createInterface({ input: process.stdin }).on('line', (line) => (line === 'go' ? go() : acknowledged.get(line)?.()));
const readByTest = (key: string) => (config.paced ? new Promise<void>((resolve) => acknowledged.set(key, resolve)) : undefined);

const connection = await mongoose.createConnection(config.uri, { dbName: config.dbName, ignoreUndefined: true }).asPromise();
const store = await openStore(connection, new TestClock(new Date(config.now)), {
  afterAccountWrite: () => {
    if (config.dieAtWriteAfter !== undefined && answered >= config.dieAtWriteAfter) process.kill(process.pid, 'SIGKILL');
  },
});
report({ ready: true });
await started;

const queue = [...config.keys];
async function spend() {
  for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
    try {
      const outcome = await store.execute(config.accountId, { type: 'DEBIT', idempotencyKey: key, feature: config.feature, memberId: config.memberId });
      const read = readByTest(key);
      report(outcome.ok ? { key, ok: true, replayed: outcome.replayed } : { key, ok: false, code: outcome.error.code });
      await read;
    } catch (error) {
      report({ key, thrown: String(error) });
    }
  }
}
await Promise.all(Array.from({ length: config.concurrency }, spend));
await store.settled();
report({ done: true });
await connection.close();
// stdin, read for the start and the pacing, would otherwise keep this process alive.
process.exit(0);
