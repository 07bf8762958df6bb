import { type Document, toNumber, toView } from './bson-values.js';
import { hintedRecords } from './hints.js';
import { Query, queryOptions } from './mingo/context.js';
import { sortDocuments } from './mingo/sort.js';
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
  // `$natural` is the storage order we iterate in; -1 reverses it (the sort is stable).
  const { $natural: natural, ...sort } = selection.sort ?? {};
  const hinted = hintedRecords(collection, selection.hint);
  const candidates = hinted ?? [...collection.candidates(selection.filter)];
  if (!hinted && (toNumber(natural) ?? 1) < 0) candidates.reverse();
  const matching = candidates.filter((record) => filter.test(record.view));
  // MongoDB's sort order (mingo/sort.ts), not mingo's cursor sort.
  const sorted = Object.keys(sort).length > 0 ? sortRecords(matching, sort) : matching;
  const start = selection.skip ?? 0;
  return sorted.slice(start, selection.limit ? start + selection.limit : undefined);
}

function sortRecords(records: StoredRecord[], sort: Document): StoredRecord[] {
  const byView = new Map<Document, StoredRecord>(records.map((record) => [record.view, record]));
  return sortDocuments([...byView.keys()], sort).map((view) => byView.get(view) as StoredRecord);
}
