/**
 * The server under test: creditstream's app (`createApp`, configured from the environment the
 * benchmark sets: NODE_ENV=production, the standalone embedded database, LOG_LEVEL=silent), in a
 * process of its own, plus a control channel for what the benchmark measures inside the server:
 * its heap after a full GC, store-level debits (with their timings), the naive baseline on the
 * same database, and, when the connection string asks for command monitoring, the commands the
 * mongodb driver sends.
 */
import { calculateObjectSize } from 'bson';
import type { CommandStartedEvent } from 'mongodb';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { errorMessage, heapAfterGc, inParallel, now, sleep } from './measure.js';
import { serve } from './rpc.js';

const config = loadConfig(process.env);
const app = createApp(config);
const running = await app.start();
const { store, database } = running;
const db = database.connection.db!;

/** Which accounts to debit (the i-th debit goes to `accounts[i % accounts.length]`), how many and how fast. */
export type DebitPlan = {
  readonly accounts: readonly string[];
  /** Idempotency keys are `${keyPrefix}${i}`: unique per plan. */
  readonly keyPrefix: string;
  /** Closed loop: this many callers, each starting its next debit when the last one answered. */
  readonly concurrency?: number;
  /** Open loop instead: this many debits per second, whatever the answers. */
  readonly ratePerSec?: number;
  /** Open loop: wait this long before the first debit (to interleave with another process). */
  readonly offsetMs?: number;
  /** Stop after this many debits, or after this long (closed loop), whichever comes first. */
  readonly count?: number;
  readonly durationMs?: number;
  /** Answer each debit's start and end (monotonic ms) and the meter's `used` after it. */
  readonly record?: boolean;
};

export type DebitReport = {
  readonly done: number;
  readonly failed: number;
  readonly firstError: string | null;
  /** When the first debit started (monotonic ms), and how long they all took. */
  readonly startedAt: number;
  readonly elapsedMs: number;
  /** With `record`: [start, end, used after] per successful debit, flattened. */
  readonly timings: Float64Array;
};

async function debit(plan: DebitPlan): Promise<DebitReport> {
  const limit = plan.count ?? Number.POSITIVE_INFINITY;
  const durationMs = plan.durationMs ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(limit) && !Number.isFinite(durationMs)) throw new Error('a debit plan needs a count or a duration');
  let done = 0;
  let failed = 0;
  let firstError: string | null = null;
  const timings: number[] = [];
  const one = async (index: number) => {
    const accountId = plan.accounts[index % plan.accounts.length]!;
    const started = now();
    try {
      const outcome = await store.execute(accountId, { type: 'DEBIT', idempotencyKey: `${plan.keyPrefix}${index}`, feature: null, amounts: { AI_CREDITS: 1 } });
      const ended = now();
      if (!outcome.ok) {
        failed += 1;
        firstError ??= JSON.stringify(outcome.error);
        return;
      }
      done += 1;
      if (plan.record) {
        const used = 'balances' in outcome ? (outcome.balances.find((balance) => balance.meter === 'AI_CREDITS')?.used ?? -1) : -1;
        timings.push(started, ended, used);
      }
    } catch (error) {
      failed += 1;
      firstError ??= errorMessage(error);
    }
  };

  const started = now();
  if (plan.ratePerSec !== undefined) {
    const interval = 1_000 / plan.ratePerSec;
    const first = started + (plan.offsetMs ?? 0);
    const count = Number.isFinite(limit) ? limit : Math.floor((durationMs * plan.ratePerSec) / 1_000);
    const inFlight: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const wait = first + index * interval - now();
      if (wait > 0.5) await sleep(wait);
      inFlight.push(one(index));
    }
    await Promise.all(inFlight);
  } else {
    const deadline = started + durationMs;
    let next = 0;
    await inParallel(plan.concurrency ?? 1, plan.concurrency ?? 1, async () => {
      while (next < limit && now() < deadline) await one(next++);
    });
  }
  return { done, failed, firstError, startedAt: started, elapsedMs: now() - started, timings: Float64Array.from(timings) };
}

/**
 * The baseline of the store-level debits: one conditional `findOneAndUpdate` with `$inc` per
 * debit, on a plain document of the same database, through the same driver connection.
 */
async function naiveDebit(plan: { concurrency: number; durationMs: number; documentId: string }): Promise<DebitReport> {
  const collection = db.collection<{ _id: string; available: number }>('bench_naive');
  await collection.updateOne({ _id: plan.documentId }, { $setOnInsert: { available: 1_000_000_000 } }, { upsert: true });
  let done = 0;
  let failed = 0;
  let firstError: string | null = null;
  const started = now();
  const deadline = started + plan.durationMs;
  await inParallel(plan.concurrency, plan.concurrency, async () => {
    while (now() < deadline) {
      try {
        const after = await collection.findOneAndUpdate(
          { _id: plan.documentId, available: { $gte: 1 } },
          { $inc: { available: -1 } },
          { returnDocument: 'after' },
        );
        if (after === null) throw new Error('the naive document ran out of credits');
        done += 1;
      } catch (error) {
        failed += 1;
        firstError ??= errorMessage(error);
      }
    }
  });
  return { done, failed, firstError, startedAt: started, elapsedMs: now() - started, timings: new Float64Array() };
}

export type CommandCount = { readonly commands: number; readonly bytes: number; readonly byName: Record<string, number> };

// Command monitoring is on only when the connection string asks for it (`monitorCommands=true`):
// it costs a second parse of every reply, so only the probe server measuring commands has it.
const client = database.connection.getClient();
let counting: { commands: number; bytes: number; byName: Record<string, number> } | undefined;
client.on('commandStarted', (event: CommandStartedEvent) => {
  if (!counting) return;
  counting.commands += 1;
  counting.bytes += calculateObjectSize(event.command);
  counting.byName[event.commandName] = (counting.byName[event.commandName] ?? 0) + 1;
});

const methods = {
  heap: heapAfterGc,

  async openAccounts(request: { ids: readonly string[]; concurrency: number }): Promise<void> {
    await inParallel(request.ids.length, request.concurrency, async (index) => {
      const opened = await store.openAccount({ accountId: request.ids[index]!, accountType: 'USER', planId: config.defaultPlan });
      if (!opened.ok) throw new Error(`cannot open ${request.ids[index]}: ${JSON.stringify(opened.error)}`);
    });
  },

  async grant(request: { accountId: string; amount: number; key: string }): Promise<void> {
    const outcome = await store.execute(request.accountId, { type: 'GRANT', idempotencyKey: request.key, meter: 'AI_CREDITS', amount: request.amount, kind: 'TOP_UP' });
    if (!outcome.ok) throw new Error(`cannot grant ${request.accountId}: ${JSON.stringify(outcome.error)}`);
  },

  /** The seq of each account's last copied entry (0 for none). */
  async lastSeqs(request: { accountIds: readonly string[] }): Promise<number[]> {
    const seqs = new Array<number>(request.accountIds.length).fill(0);
    await inParallel(request.accountIds.length, 16, async (index) => {
      for (;;) {
        const page = await store.entriesAfter(request.accountIds[index]!, seqs[index]!, 1_000);
        if (page.length === 0) return;
        seqs[index] = page.at(-1)!.seq;
      }
    });
    return seqs;
  },

  debit,
  naiveDebit,

  /** The BSON size of the account's document as stored. */
  async documentBytes(request: { accountId: string }): Promise<number> {
    const document = await db.collection<{ _id: string }>('accounts').findOne({ _id: request.accountId });
    if (!document) throw new Error(`no account document ${request.accountId}`);
    return calculateObjectSize(document);
  },

  /**
   * Deletes every document of every collection, keeping the collections and their indexes: the
   * embedded database scans a collection for any query but a unique-index lookup, so without this
   * each workload would pay for the data the ones before it left.
   */
  async clearData(): Promise<void> {
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of collections) if (!name.startsWith('system.')) await db.collection(name).deleteMany({});
  },

  monitoring: () => client.options.monitorCommands,

  startCounting(): void {
    if (!client.options.monitorCommands) throw new Error('this server does not monitor commands (add monitorCommands=true to MONGODB_URI)');
    counting = { commands: 0, bytes: 0, byName: {} };
  },

  async stopCounting(): Promise<CommandCount> {
    // Commands of this turn of the event loop are started already; a short wait lets stragglers in.
    await sleep(20);
    const counted = counting ?? { commands: 0, bytes: 0, byName: {} };
    counting = undefined;
    return counted;
  },
};

export type ServerApi = typeof methods;
export type ServerReady = { url: string; graphqlUrl: string; pid: number };

const stop = () => {
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`bench server: failed to stop: ${errorMessage(error)}`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

serve(methods, { url: running.url, graphqlUrl: running.graphqlUrl, pid: process.pid } satisfies ServerReady);
