import DataLoader from 'dataloader';
import type { Model } from 'mongoose';
import { copyEntries, type EntryCopy } from './entry-copies.js';
import type { AccountDocument, IdempotencyKeyDocument, LedgerModels } from './models.js';

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
  const copies = new DataLoader<EntryCopy, true>(
    async (groups) => {
      await copyEntries(models, groups);
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
  /** Pulls left to an account's next compare-and-set (which replaces its pending entries anyway), by account. */
  const deferred = new Map<string, number>();

  function pullNow(accountId: string, throughSeq: number): Promise<void> {
    const pulled = pulls.load({ accountId, throughSeq }).then(() => undefined, onBackgroundError);
    background.add(pulled);
    void pulled.finally(() => background.delete(pulled));
    return pulled;
  }

  function flushPull(accountId: string): void {
    const throughSeq = deferred.get(accountId);
    if (throughSeq === undefined) return;
    deferred.delete(accountId);
    void pullNow(accountId, throughSeq);
  }

  return {
    readAccount: (accountId: string) => accounts.load(accountId),
    readKeys: (ids: readonly string[]) => keys.loadMany(ids),
    copyEntries: (copy: EntryCopy) => copies.load(copy),
    /** Takes copied entries out of the account's pending ones, waiting for nobody (see `settled`). */
    pullCopied: pullNow,
    /**
     * The same, left to the account's next write by this process, which is already waiting: its
     * compare-and-set replaces the pending entries, so the pull costs no command of its own
     * (`replacedPending`); should that write not happen, `flushPull` pulls when the account is idle.
     */
    deferPull(accountId: string, throughSeq: number): void {
      deferred.set(accountId, Math.max(throughSeq, deferred.get(accountId) ?? 0));
    },
    replacedPending(accountId: string): void {
      deferred.delete(accountId);
    },
    flushPull,
    /** When every write waiting for nobody is done: before closing the connection, or measuring. */
    async settled(): Promise<void> {
      for (const accountId of [...deferred.keys()]) flushPull(accountId);
      while (background.size > 0) await Promise.all(background);
    },
  };
}
