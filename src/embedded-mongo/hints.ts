import { isPlainObject, toNumber } from './bson-values.js';
import { CommandError, notSupported } from './errors.js';
import type { Collection, StoredRecord } from './storage.js';

/**
 * The records a hinted plan reads, in the order it reads them, or undefined without a hint (an
 * absent or empty one). A hint changes results, not only speed: an index scan returns documents
 * in index order and only those the index holds (a sparse index skips documents without its
 * fields), and `$natural: -1` reads the collection backwards. A hint naming no index fails.
 */
export function hintedRecords(collection: Collection, hint: unknown): StoredRecord[] | undefined {
  if (hint === undefined || hint === null || (isPlainObject(hint) && Object.keys(hint).length === 0)) return undefined;
  if (isPlainObject(hint) && Object.hasOwn(hint, '$natural')) {
    const records = [...collection.all()];
    return (toNumber(hint.$natural) ?? 1) < 0 ? records.reverse() : records;
  }
  if (typeof hint !== 'string' && !isPlainObject(hint)) {
    throw new CommandError('BadValue', 'hint must be a string (an index name) or a document (an index key pattern)');
  }
  const index = collection.indexes
    .list()
    .find((candidate) => (typeof hint === 'string' ? candidate.name === hint : candidate.sameKeyAs({ key: hint })));
  if (!index) throw new CommandError('BadValue', 'hint provided does not correspond to an existing index');
  // Whether MongoDB can use a partial index depends on the filter implying its expression, which
  // the embedded database does not decide; answering anyway could be silently wrong.
  if (index.partial) throw notSupported(`A hint naming the partial index '${index.name}'`);
  return index.scan(collection.all());
}
