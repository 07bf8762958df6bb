import { type Document, toNumber, toView } from './bson-values.js';
import { hintedRecords } from './hints.js';
import { Query, queryOptions } from './mingo/context.js';
import type { Collection, StoredRecord } from './storage.js';

export function compileFilter(filter: Document, variables?: Document): Query {
  return new Query(toView(filter), queryOptions(variables));
}

export type Selection = {
  filter: Document;
  sort?: Document | undefined;
  skip?: number | undefined;
  /** 0 or undefined means no limit. */
  limit?: number | undefined;
  variables?: Document | undefined;
  /** An index name or key pattern, or `{ $natural: 1 | -1 }`: see hintedRecords. */
  hint?: unknown;
};

/**
 * The records matching a filter, in sort order (natural order otherwise), after skip and limit.
 * Filtering and sorting run on the views; the identity map takes us back to the records.
 * The filter is compiled first, so a malformed one fails as in MongoDB even when the collection
 * does not exist (`undefined`) or is empty.
 */
export function selectRecords(collection: Collection | undefined, selection: Selection): StoredRecord[] {
  const filter = compileFilter(selection.filter, selection.variables);
  if (!collection) return [];
  // `$natural` is the storage order we iterate in; -1 reverses it (mingo's sort is stable).
  const { $natural: natural, ...sort } = selection.sort ?? {};
  const hinted = hintedRecords(collection, selection.hint);
  const candidates = hinted ?? [...collection.candidates(selection.filter)];
  if (!hinted && (toNumber(natural) ?? 1) < 0) candidates.reverse();
  const byView = new Map<Document, StoredRecord>(candidates.map((record) => [record.view, record]));
  const cursor = filter.find<Document>(byView.keys());
  if (Object.keys(sort).length > 0) cursor.sort(sort);
  if (selection.skip) cursor.skip(selection.skip);
  if (selection.limit) cursor.limit(selection.limit);
  return cursor.all().map((view) => byView.get(view) as StoredRecord);
}
