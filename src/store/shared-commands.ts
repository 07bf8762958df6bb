import DataLoader from 'dataloader';
import type { Model } from 'mongoose';
import { copyEntries } from './entry-copies.js';
import type { AccountDocument, IdempotencyKeyDocument, LedgerModels, StoredEntry } from './models.js';

/**
 * The store's commands, shared by the batches of every account that run at the same moment: one
 * read of all their documents, one look-up of all their keys, one copy of all their entries, one
 * write taking them out of their accounts. A write to many cold accounts then costs about one
 * command per account (its compare-and-set), not five. Nothing is cached beyond one batch
 * (`cache: false`), so every batch sees the database as it is.
 */
/**
 * Gathers what is asked until the event loop's next turn (not just this tick): the answers to
 * many accounts' compare-and-sets arrive together, and their copies go out together.
 */
const SHARED = { cache: false, batchScheduleFn: (run: () => void) => setImmediate(run) };

/**
 * How long an account may keep entries already copied before a command of their own takes them
 * out: one batch's worth, at most this long after its last write.
 */
const PULL_DELAY_MS = 1_000;

/** One `find` by `_id` for every document asked for at the same moment; null for one that is not there. */
function byId<T extends { _id: string }>(model: Model<T>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const found = await model.find({ _id: { $in: [...ids] } }).lean<T[]>();
    const documents = new Map(found.map((document) => [document._id, document]));
    return ids.map((id) => documents.get(id) ?? null);
  }, SHARED);
}

export function sharedCommands(models: LedgerModels, onBackgroundError: (error: unknown) => void) {
  const accounts = byId<AccountDocument>(models.Accounts);
  const keys = byId<IdempotencyKeyDocument>(models.Keys);
  const copies = new DataLoader<readonly StoredEntry[], true>(
    async (groups) => {
      await copyEntries(models, groups.flat());
      return groups.map(() => true as const);
    },
    SHARED,
  );
  const pulls = new DataLoader<{ accountId: string; throughSeq: number }, true>(
    async (requests) => {
      await models.Accounts.bulkWrite(
        requests.map(({ accountId, throughSeq }) => ({ updateOne: { filter: { _id: accountId }, update: { $pull: { pendingEntries: { seq: { $lte: throughSeq } } } } } })),
        { ordered: false },
      );
      return requests.map(() => true as const);
    },
    SHARED,
  );

  const background = new Set<Promise<unknown>>();
  /** Pulls waiting out `PULL_DELAY_MS`, by account: a write of the account before then makes them moot. */
  const deferred = new Map<string, { throughSeq: number; timer: NodeJS.Timeout; done: () => void }>();

  function pullNow(accountId: string, throughSeq: number): Promise<void> {
    const pulled = pulls.load({ accountId, throughSeq }).then(() => undefined, onBackgroundError);
    background.add(pulled);
    void pulled.finally(() => background.delete(pulled));
    return pulled;
  }

  function runDeferred(accountId: string): void {
    const waiting = deferred.get(accountId);
    if (!waiting) return;
    deferred.delete(accountId);
    clearTimeout(waiting.timer);
    void pullNow(accountId, waiting.throughSeq).then(waiting.done);
  }

  return {
    readAccount: (accountId: string) => accounts.load(accountId),
    readKeys: (ids: readonly string[]) => keys.loadMany(ids),
    copyEntries: (entries: readonly StoredEntry[]) => copies.load(entries),
    /**
     * Takes copied entries out of the account's pending ones, waiting for nobody (see `settled`):
     * after `PULL_DELAY_MS` unless `now`, so that on a busy account the next compare-and-set, which
     * replaces the pending entries anyway, does it without a command of its own.
     */
    pullCopied(accountId: string, throughSeq: number, { now = false } = {}): Promise<void> {
      if (now) return pullNow(accountId, throughSeq);
      const earlier = deferred.get(accountId);
      if (earlier) {
        clearTimeout(earlier.timer);
        earlier.done();
      }
      return new Promise<void>((done) => {
        const timer = setTimeout(() => runDeferred(accountId), PULL_DELAY_MS);
        timer.unref();
        deferred.set(accountId, { throughSeq, timer, done });
      });
    },
    /** The account's pending entries were just replaced by this process: a pull waiting for it has nothing to do. */
    replacedPending(accountId: string): void {
      const waiting = deferred.get(accountId);
      if (!waiting) return;
      deferred.delete(accountId);
      clearTimeout(waiting.timer);
      waiting.done();
    },
    /** When every write waiting for nobody is done (deferred ones run now): before closing the connection, or measuring. */
    async settled(): Promise<void> {
      for (const accountId of [...deferred.keys()]) runDeferred(accountId);
      while (background.size > 0) await Promise.all(background);
    },
  };
}
