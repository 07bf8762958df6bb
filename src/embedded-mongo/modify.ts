import type { Document } from './bson-values.js';
import { assertDocumentSize, serializeWithinLimit } from './document-size.js';
import { type Selection, selectRecords } from './query.js';
import type { Storage, StoredRecord } from './storage.js';
import { type UpdateContext, type UpdateSpec, prepareUpdate, serializesTo } from './update-engine.js';

export type UpdateStatement = UpdateContext & {
  update: UpdateSpec;
  multi: boolean;
  upsert: boolean;
  /** findAndModify picks the first document in this order. */
  sort?: Document | undefined;
  hint?: unknown;
  /**
   * Runs on each document's new version before it is stored; what it throws stops the statement
   * with nothing of that document written (findAndModify projects its answer here, so a projection
   * that fails on the new version cannot hide a write that applied).
   */
  beforeWrite?: ((before: Document | undefined, after: Document) => void) | undefined;
};

export type UpdateOutcome = {
  matched: number;
  modified: number;
  upserted?: StoredRecord;
};

/**
 * Applies one update statement to a collection. Each document is replaced only after its unique
 * indexes accepted the new version, so a failing document update leaves no trace (the documents
 * of a multi-update updated before it stay updated, as in MongoDB).
 */
export function updateDocuments(
  storage: Storage,
  database: string,
  collectionName: string,
  statement: UpdateStatement,
  /** Counted as documents are written, so a statement stopped by an error still reports what it changed. */
  outcome: UpdateOutcome = { matched: 0, modified: 0 },
): UpdateOutcome {
  const collection = storage.find(database, collectionName);
  const targets = selectRecords(collection, { filter: statement.filter, sort: statement.sort, limit: statement.multi ? 0 : 1, hint: statement.hint });
  const update = prepareUpdate(statement.update, statement);
  if (!collection || targets.length === 0) {
    if (!statement.upsert) return outcome;
    const inserted = update.upsertDocument();
    statement.beforeWrite?.(undefined, inserted);
    assertDocumentSize(inserted, 'upsert');
    const upserted = storage.getOrCreate(database, collectionName).insert(inserted);
    outcome.upserted = upserted;
    return outcome;
  }
  for (const target of targets) {
    const after = update.apply(target.doc);
    statement.beforeWrite?.(target.doc, after);
    // Checked before the comparison, which it serves: a stored document is within the limit, so
    // one over it is always a change.
    const bytes = serializeWithinLimit(after, 'update');
    if (!serializesTo(target.doc, bytes)) {
      collection.replace(target, after);
      outcome.modified += 1;
    }
    outcome.matched += 1;
  }
  return outcome;
}

export function deleteDocuments(storage: Storage, database: string, collectionName: string, selection: Selection): StoredRecord[] {
  const collection = storage.find(database, collectionName);
  const removed = selectRecords(collection, selection);
  removed.forEach((record) => collection?.remove(record));
  return removed;
}
