import type { Connection } from 'mongoose';
import {
  applyOperation,
  createQuote,
  keysOf,
  meterBalances,
  memberUsage,
  openAccount,
  advanceTo,
  nextDueAt,
  type AccountState,
  type IdempotencyRecord,
  type LedgerContext,
  type LedgerEntry,
  type LedgerOperation,
  type LedgerSettings,
  type MemberUsage,
  type MeterBalance,
  type OperationResult,
  type OpenAccountRequest,
  type Outcome,
  type PlanCatalog,
  type PricingCatalog,
  type Quote,
  type QuoteRequest,
  type Result,
} from '../ledger/index.js';
import { isDatabaseUnavailable } from './database.js';
import { KeyedBatcher } from './keyed-batcher.js';
import { sharedCommands } from './shared-commands.js';
import { stateChanges } from './state-diff.js';
import { keyRecordOf } from './key-records.js';
import { keyDocumentId, ledgerModels, type AccountDocument, type StoredEntry } from './models.js';
import { withDurableKeys } from './entry-copies.js';
import { webhookEventsOf, type WebhookEvent } from '../webhooks/ledger-events.js';
import { listEntries, entriesAfter, type EntryFilter, type EntryPage, type PageRequest } from './entry-queries.js';
import { listReservations, reservationsByHoldId, type ReservationEntries, type ReservationFilter, type ReservationPage } from './reservation-queries.js';
import { sessionsActiveIn, sessionTotals, type SessionPlace, type SessionQuery, type SessionTotals } from './session-queries.js';
import { summarizeStoredUsage, type StoredUsageQuery } from './usage-summaries.js';
import type { UsageRow } from '../ledger/index.js';

export type AccountNotFound = { code: 'ACCOUNT_NOT_FOUND'; accountId: string };
/** What `execute` answers: the ledger's outcome, or that there is no such account. */
export type StoreOutcome = Outcome | { ok: false; error: AccountNotFound };

/**
 * What the store tells about its writes, for metrics: it must not throw. Each entry is written
 * once by one process (its compare-and-set, or the account's creation), so summing what
 * `entriesWritten` gives over processes counts every entry once.
 */
export type LedgerStoreObserver = {
  /** A batch of `size` work items for one account took `seconds` (read, apply, compare-and-set, copy), whatever became of it. */
  batchProcessed(size: number, seconds: number): void;
  /** The entries this process just wrote to an account. */
  entriesWritten(entries: readonly LedgerEntry[]): void;
  /** Copying one write's entries to `ledger_entries` took `seconds` (with the wait to share the copy with other writes). */
  entriesCopied(seconds: number): void;
};

/**
 * Called after a write is durable and its entries are in `ledger_entries`, in seq order per
 * account, with the webhook events recorded beside them.
 */
export type CommitListener = (accountId: string, entries: readonly LedgerEntry[], state: AccountState, webhookEvents: readonly WebhookEvent[]) => void;

/** How long a write's entries may wait for their copy before `dueAccounts` lists the account (copies take milliseconds). */
const UNCOPIED_AFTER_MS = 60_000;

export type LedgerStoreOptions = {
  connection: Connection;
  plans: PlanCatalog;
  pricing: PricingCatalog;
  settings: LedgerSettings;
  /** The clock; tests inject one to cross period boundaries. */
  now?: () => Date;
  newId?: () => string;
  /** Fault injection for crash tests: throwing here leaves a written account with uncopied entries. */
  afterAccountWrite?: (accountId: string) => void;
  /** Told of a failure after a write applied (copying its entries), which the next write repairs. */
  onBackgroundError?: (error: unknown) => void;
  observer?: LedgerStoreObserver;
};

/** Compare-and-set losses to another process before giving up; each retry re-reads and re-applies. */
const MAX_WRITE_ATTEMPTS = 50;

/**
 * Accounts whose document this process wrote last, kept to skip the read before the next write
 * (a hot account's writes are one process's batches in a row): at most this many, the least
 * recently written going first.
 */
const MAX_CACHED_ACCOUNTS = 10_000;

type Work = { type: 'OPERATION'; operation: LedgerOperation } | { type: 'ADVANCE' };
/** What became of one work item of a batch: `null` for an ADVANCE, `thrown` for an unexpected failure of its own. */
type WorkResult = StoreOutcome | null | { thrown: unknown };

export type LedgerStore = Awaited<ReturnType<typeof createLedgerStore>>;

export async function createLedgerStore(options: LedgerStoreOptions) {
  const models = await ledgerModels(options.connection);
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? (() => crypto.randomUUID());
  const listeners = new Set<CommitListener>();
  /** Opens an account again that a write found missing, if it should exist (see `reopenMissingAccounts`). */
  let reopen: ((accountId: string) => Promise<boolean>) | undefined;
  const context = (): LedgerContext => ({ now: now(), plans: options.plans, pricing: options.pricing, settings: options.settings, newId });
  const written = new WrittenAccounts(MAX_CACHED_ACCOUNTS);
  const commands = sharedCommands(models, (error) => options.onBackgroundError?.(error));

  /** What is remembered of `keys` on the account: the first request and answer of each key used before. */
  async function recallKeys(accountId: string, keys: readonly string[]): Promise<Map<string, IdempotencyRecord>> {
    const found = await commands.readKeys(keys.map((key) => keyDocumentId(accountId, key)));
    const known = new Map<string, IdempotencyRecord>();
    for (const record of found) {
      if (record instanceof Error) throw record;
      if (record) known.set(record.key, keyRecordOf(record));
    }
    return known;
  }

  /**
   * Copies a write's entries to `ledger_entries`, then tells the listeners. Taking them out of the
   * account's pending entries waits for nobody: until then the account holds one batch's entries,
   * which this process knows it copied and the next writer elsewhere copies again (a no-op).
   */
  async function commitEntries(
    accountId: string,
    entries: StoredEntry[],
    state: AccountState,
    { createdAt, deferPull = false }: { createdAt: Date; deferPull?: boolean },
  ): Promise<{ pulled: Promise<void> }> {
    if (entries.length === 0) return { pulled: Promise.resolve() };
    const copying = performance.now();
    const events = webhookEventsOf(entries, state);
    await commands.copyEntries({ entries, events });
    options.observer?.entriesCopied((performance.now() - copying) / 1000);
    const lastSeq = entries.at(-1)!.seq;
    written.copied(accountId, createdAt, lastSeq);
    let pulled = Promise.resolve();
    if (deferPull) commands.deferPull(accountId, lastSeq);
    else pulled = commands.pullCopied(accountId, lastSeq);
    for (const listener of listeners) listener(accountId, entries, state, events);
    // Not awaited here (an async function would wait for a promise it returns).
    return { pulled };
  }

  /** A batch as the batcher hands it over, timed for the observer. */
  async function processBatch(accountId: string, batch: readonly Work[]): Promise<WorkResult[]> {
    const started = performance.now();
    try {
      return await processEach(accountId, batch);
    } finally {
      options.observer?.batchProcessed(batch.length, (performance.now() - started) / 1000);
    }
  }

  /**
   * One result per work item: its outcome (`null` for an ADVANCE, which has nothing to report),
   * or what it threw. One operation's failure is its own: the others of the batch still apply.
   */
  async function processEach(accountId: string, batch: readonly Work[]): Promise<WorkResult[]> {
    try {
      return await processTogether(accountId, batch);
    } catch (error) {
      // Whether the write applied is unknown: the next attempt reads the account again.
      written.forget(accountId);
      // An unreachable or silent database fails them all alike: one by one, each would wait its own timeout.
      if (batch.length === 1 || isDatabaseUnavailable(error)) return batch.map(() => ({ thrown: error }));
      // The combined write failed and so applied nothing (or, if it did apply after all, each
      // operation below finds its key remembered and answers as applied): apply them one by one.
      const results: WorkResult[] = [];
      for (const work of batch) {
        try {
          results.push(...(await processTogether(accountId, [work])));
        } catch (alone) {
          results.push({ thrown: alone });
        }
      }
      return results;
    }
  }

  async function processTogether(accountId: string, batch: readonly Work[]): Promise<WorkResult[]> {
    // The quotes the operations name, in one look-up for every attempt; the ledger judges them after each key.
    const quotes = await quotesOf(accountId, batch);
    for (let attempt = 1; ; attempt += 1) {
      // The account as this process last wrote it, if it did: should another process have written
      // since, the compare-and-set below fails and the next attempt reads it.
      const cached = written.get(accountId);
      const document = cached ?? (await commands.readAccount(accountId));
      if (!document) return batch.map(() => ({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND', accountId } }));
      // A process that died after writing the account left these uncopied: copy them first.
      // They are announced too: the writer that died never told its listeners (feeds drop repeats by seq).
      const pending = document.pendingEntries;
      // Their pull is left to this batch's compare-and-set, which replaces them.
      if (pending.length > 0 && !written.hasCopied(accountId, document.createdAt, pending.at(-1)!.seq)) {
        await commitEntries(accountId, pending, document.state, { createdAt: document.createdAt, deferPull: true });
      }

      const batchContext = { ...context(), quotes };
      // Advanced once for the whole batch (which is what an ADVANCE asks for).
      const advanced = advanceTo(document.state, batchContext);
      let state = advanced.state;
      const stored = withDurableKeys(advanced.entries, []);
      // What is remembered of every key the batch's operations depend on, in one look-up made
      // after the account was read and its pending entries copied: a write that applied before
      // that read has its keys in `idempotency_keys` by now, so a key found missing here was new
      // when the account was read, and the compare-and-set below fails if another write has
      // applied since. Keys remembered earlier in the batch are added as it goes.
      const known = await recallKeys(accountId, [...new Set(batch.flatMap((work) => (work.type === 'OPERATION' ? keysOf(state, work.operation) : [])))]);
      let changed = false;
      const results: WorkResult[] = [];
      for (const work of batch) {
        if (work.type === 'ADVANCE') {
          results.push(null);
          continue;
        }
        let result: OperationResult;
        try {
          result = applyOperation(state, work.operation, batchContext, known);
        } catch (error) {
          // A broken invariant in one operation: it applies nothing, and the batch goes on without it.
          results.push({ thrown: error });
          continue;
        }
        state = result.state;
        stored.push(...withDurableKeys(result.entries, result.remembered));
        for (const record of result.remembered) known.set(record.key, record);
        results.push(result.outcome);
        if (result.outcome.ok && !result.outcome.replayed) changed = true;
      }
      const dueAt = nextDueAt(state);
      // An advance that left no entry (a spent grant dropped) still moves when the account is due next.
      if (stored.length === 0 && !changed && dueAt?.getTime() === document.dueAt?.getTime()) {
        // Nothing to write, so no compare-and-set to find a stale document: a refusal (no such
        // hold, not enough credits) must be judged on the account as it is, read afresh.
        if (cached) {
          written.forget(accountId);
          continue;
        }
        // Entries copied but never taken out (their pull failed) are taken out now: no write will.
        if (pending.length > 0) await commands.pullCopied(accountId, pending.at(-1)!.seq);
        return results;
      }

      const update = { state, pendingEntries: stored, version: document.version + 1, updatedAt: batchContext.now, dueAt };
      // Only what the batch changed of the account: its size does not decide what a debit writes.
      const $set = { ...stateChanges(document.state, state, 'state'), pendingEntries: stored, version: update.version, updatedAt: update.updatedAt, dueAt };
      const { matchedCount } = await models.Accounts.updateOne({ _id: accountId, version: document.version }, { $set });
      if (matchedCount === 0) {
        written.forget(accountId);
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`account ${accountId}: gave up after ${attempt} conflicting writes`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
        continue;
      }
      written.set(accountId, { ...document, ...update });
      options.observer?.entriesWritten(stored);
      commands.replacedPending(accountId);
      options.afterAccountWrite?.(accountId);
      // The batch has applied: from here on, nothing may answer it as failed. Entries left
      // uncopied are copied (and announced) by the next write to the account or at start-up.
      try {
        await commitEntries(accountId, stored, state, { createdAt: document.createdAt, deferPull: batcher.hasWaiting(accountId) });
      } catch (error) {
        options.onBackgroundError?.(error);
      }
      return results;
    }
  }

  /** The account's own quotes among `ids`: another account's quote is, to it, no quote at all. */
  async function findQuotes(accountId: string, ids: readonly string[]): Promise<Map<string, Quote>> {
    if (ids.length === 0) return new Map();
    const found = await models.Quotes.find({ _id: { $in: [...ids] }, accountId }).lean();
    return new Map(found.map(({ _id, ...rest }) => [_id, { id: _id, ...rest }]));
  }

  function quotesOf(accountId: string, batch: readonly Work[]): Promise<Map<string, Quote>> {
    const ids = batch.flatMap((work) => (work.type === 'OPERATION' && 'quoteId' in work.operation && work.operation.quoteId ? [work.operation.quoteId] : []));
    return findQuotes(accountId, [...new Set(ids)]);
  }

  const batcher = new KeyedBatcher<Work, WorkResult>(processBatch, { onIdle: (accountId) => commands.flushPull(accountId) });

  return {
    models,
    /** The ledger's settings and clock, for work timed against holds (e.g. leases as long as a hold). */
    settings: options.settings,
    now,

    /** Creates the account with its first period, or returns the existing one (safe to race). */
    async openAccount(request: OpenAccountRequest): Promise<Result<AccountState>> {
      const existing = await models.Accounts.findById(request.accountId).lean<AccountDocument>();
      if (existing) return { ok: true, value: existing.state };
      const opened = openAccount(request, context());
      if (!opened.ok) return opened;
      const stored = withDurableKeys(opened.entries, []);
      try {
        const document: AccountDocument = {
          _id: request.accountId,
          version: 1,
          state: opened.state,
          pendingEntries: stored,
          createdAt: opened.state.clock,
          updatedAt: opened.state.clock,
          dueAt: nextDueAt(opened.state),
        };
        await models.Accounts.create(document);
        options.observer?.entriesWritten(stored);
        // Its first write needs no read either.
        written.set(request.accountId, document);
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const winner = await models.Accounts.findById(request.accountId).lean<AccountDocument>();
        return { ok: true, value: winner!.state };
      }
      await commitEntries(request.accountId, stored, opened.state, { createdAt: opened.state.clock });
      return { ok: true, value: opened.state };
    },

    /** Applies one ledger operation, serialized per account and coalesced with others waiting. */
    async execute(accountId: string, operation: LedgerOperation): Promise<StoreOutcome> {
      const run = async () => {
        const result = await batcher.submit(accountId, { type: 'OPERATION', operation });
        if (result === null) throw new Error('an operation produced no outcome');
        if ('thrown' in result) throw result.thrown;
        return result;
      };
      const result = await run();
      // An account opened earlier and gone since (the database came back empty): opened again, the operation runs once more.
      if (!result.ok && result.error.code === 'ACCOUNT_NOT_FOUND' && reopen && (await reopen(accountId))) return run();
      return result;
    },

    /**
     * Accounts an advance has work for, at most `limit`: something fell due on them (a reset, a
     * hold's TTL, a grant's expiry, a scheduled plan) that no write applied yet, the longest due
     * first; entries left uncopied a while (the database faltered between a write and its copy, so
     * their events are not recorded either; an advance copies them first); and accounts stored
     * before `dueAt` existed; but for those `excluding` (the sweep leaves an account that failed
     * alone for a while, and would otherwise find only those).
     */
    async dueAccounts(limit: number, excluding: readonly string[] = []): Promise<string[]> {
      const at = context().now;
      const idsOf = (filter: Record<string, unknown>, sort: Record<string, 1> = {}) =>
        models.Accounts.find(excluding.length > 0 ? { ...filter, _id: { $nin: [...excluding] } } : filter, { _id: 1 })
          .sort(sort)
          .limit(limit)
          .lean<{ _id: string }[]>();
      const found = await Promise.all([
        idsOf({ dueAt: { $lte: at } }, { dueAt: 1 }),
        idsOf({ 'pendingEntries.0': { $exists: true }, updatedAt: { $lte: new Date(at.getTime() - UNCOPIED_AFTER_MS) } }),
        idsOf({ dueAt: null }),
      ]);
      return [...new Set(found.flat().map((account) => account._id))].slice(0, limit);
    },

    /** Persists resets and expiries that fell due, so they are published as they happen. */
    async advance(accountId: string): Promise<void> {
      const result = await batcher.submit(accountId, { type: 'ADVANCE' });
      if (result !== null && 'thrown' in result) throw result.thrown;
    },

    /** The account as of now (due resets and expiries applied in memory), or null. */
    async loadAccounts(accountIds: readonly string[]): Promise<(AccountState | null)[]> {
      // The state only: the entries a write left pending are history, not needed to answer.
      const documents = await models.Accounts.find({ _id: { $in: [...accountIds] } }, { state: 1 }).lean<Pick<AccountDocument, '_id' | 'state'>[]>();
      const byId = new Map(documents.map((document) => [document._id, document.state]));
      const at = context();
      return accountIds.map((id) => {
        const state = byId.get(id);
        return state ? advanceTo(state, at).state : null;
      });
    },

    balances(state: AccountState): MeterBalance[] {
      return meterBalances(state, context());
    },

    memberUsage(state: AccountState): MemberUsage[] {
      return memberUsage(state, context());
    },

    async createQuote(request: QuoteRequest): Promise<Result<Quote>> {
      const quote = createQuote(request, { now: now(), pricing: options.pricing, quoteTtlMs: options.settings.quoteTtlMs, newId });
      if (!quote.ok) return quote;
      const { id, ...rest } = quote.value;
      await models.Quotes.create({ _id: id, ...rest });
      return quote;
    },

    /** A quote of the account, or null (also for another account's). */
    async findQuote(accountId: string, quoteId: string): Promise<Quote | null> {
      return (await findQuotes(accountId, [quoteId])).get(quoteId) ?? null;
    },

    listEntries(accountId: string, filter: EntryFilter, page: PageRequest): Promise<EntryPage> {
      return listEntries(models, accountId, filter, page);
    },

    /** An account's reservations, newest first by their latest change. */
    listReservations(accountId: string, filter: ReservationFilter, page: PageRequest): Promise<ReservationPage> {
      return listReservations(models, accountId, filter, page);
    },

    reservationsByHoldId(accountId: string, holdIds: readonly string[], activeHoldIds: readonly string[]): Promise<Map<string, ReservationEntries>> {
      return reservationsByHoldId(models, accountId, holdIds, activeHoldIds);
    },

    sessionsActiveIn(accountId: string, query: SessionQuery): Promise<{ sessions: SessionPlace[]; hasMore: boolean }> {
      return sessionsActiveIn(models, accountId, query);
    },

    sessionTotals(accountId: string, sessionIds: readonly string[], memberId?: string): Promise<SessionTotals[]> {
      return sessionTotals(models, accountId, sessionIds, memberId);
    },

    entriesAfter(accountId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
      return entriesAfter(models, accountId, afterSeq, limit);
    },

    summarizeUsage(accountId: string, query: StoredUsageQuery): Promise<UsageRow[]> {
      return summarizeStoredUsage(models, accountId, query);
    },

    /** Copies entries that a crashed process wrote to an account but never copied. Run at start-up. */
    async recoverPendingEntries(): Promise<number> {
      const stranded = await models.Accounts.find({ 'pendingEntries.0': { $exists: true } }).lean<AccountDocument[]>();
      // Taken out of their accounts before answering, so that a second sweep finds nothing left.
      for (const document of stranded) await (await commitEntries(document._id, document.pendingEntries, document.state, { createdAt: document.createdAt })).pulled;
      return stranded.reduce((count, document) => count + document.pendingEntries.length, 0);
    },

    /** When the writes that wait for nobody (taking copied entries out of accounts) are done. */
    settled: () => commands.settled(),

    /**
     * What opens an account again when a write finds it missing: it answers whether it did (it
     * opened the account before, so the account should exist), and the write is then tried once more.
     */
    reopenMissingAccounts(handler: (accountId: string) => Promise<boolean>): void {
      reopen = handler;
    },

    onCommit(listener: CommitListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}



/**
 * The account documents this process wrote last, by account, and how far it copied their entries
 * itself. Only ever a shortcut: a document here may be stale (another process wrote since), which
 * the compare-and-set on its version finds out.
 */
class WrittenAccounts {
  readonly #documents = new Map<string, AccountDocument>();
  /**
   * Kept apart from the documents: forgetting a stale document does not unlearn what was copied.
   * By incarnation (the document's `createdAt`): an account opened again after the database lost
   * it counts its seqs from 1 again, and what was copied of the lost one says nothing of those.
   */
  readonly #copiedThrough = new Map<string, { createdAt: number; seq: number }>();

  constructor(private readonly capacity: number) {}

  get(accountId: string): AccountDocument | undefined {
    return this.#documents.get(accountId);
  }

  set(accountId: string, document: AccountDocument): void {
    remember(this.#documents, accountId, document, this.capacity);
  }

  forget(accountId: string): void {
    this.#documents.delete(accountId);
  }

  copied(accountId: string, createdAt: Date, seq: number): void {
    const known = this.#copiedThrough.get(accountId);
    const sameIncarnation = known?.createdAt === createdAt.getTime();
    remember(this.#copiedThrough, accountId, { createdAt: createdAt.getTime(), seq: sameIncarnation ? Math.max(seq, known.seq) : seq }, this.capacity);
  }

  /** Whether this process copied the entries of this incarnation of the account up to `seq` itself. */
  hasCopied(accountId: string, createdAt: Date, seq: number): boolean {
    const known = this.#copiedThrough.get(accountId);
    return known !== undefined && known.createdAt === createdAt.getTime() && known.seq >= seq;
  }
}

/** Sets `key` as the most recent of `map`, dropping the least recent beyond `capacity`. */
function remember<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) map.delete(map.keys().next().value!);
}
