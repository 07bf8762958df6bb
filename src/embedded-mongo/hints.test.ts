import { describe, expect, it } from 'vitest';
import { hintedRecords } from './hints.js';
import { IndexCatalog } from './indexes.js';
import { type Collection, Storage } from './storage.js';

function collectionWith(indexes: Array<Record<string, unknown>>, documents: Array<Record<string, unknown>>): Collection {
  const collection = new Storage().getOrCreate('unit', 'things');
  for (const spec of indexes) collection.indexes.create(IndexCatalog.normalizeSpec(spec), collection.all());
  documents.forEach((document) => collection.insert(document));
  return collection;
}

const ids = (collection: Collection, hint: unknown) => hintedRecords(collection, hint)?.map((record) => record.doc._id);

describe('hintedRecords', () => {
  it('is undefined without a hint (absent or empty), so the plan is the usual scan', () => {
    const collection = collectionWith([], [{ _id: 1 }]);
    expect(hintedRecords(collection, undefined)).toBeUndefined();
    expect(hintedRecords(collection, {})).toBeUndefined();
  });

  it('reads a multikey index in key order, each document once at its first key, equal keys in natural order', () => {
    const collection = collectionWith(
      [{ key: { tags: 1 } }],
      [{ _id: 1, tags: ['m', 'z'] }, { _id: 2, tags: 'a' }, { _id: 3, tags: ['m'] }, { _id: 4 }],
    );
    expect(ids(collection, { tags: 1 })).toEqual([4, 2, 1, 3]);
  });

  it('reads a descending index backwards, and a compound one field by field in each direction', () => {
    const collection = collectionWith(
      [{ key: { a: -1 } }, { key: { a: 1, b: -1 } }],
      [{ _id: 1, a: 1, b: 1 }, { _id: 2, a: 2, b: 1 }, { _id: 3, a: 1, b: 2 }],
    );
    expect(ids(collection, 'a_-1')).toEqual([2, 1, 3]);
    expect(ids(collection, { a: 1, b: -1 })).toEqual([3, 1, 2]);
  });

  it('leaves out what a sparse index skips, and reads `$natural` either way', () => {
    const collection = collectionWith([{ key: { a: 1 }, sparse: true }], [{ _id: 1, a: 5 }, { _id: 2 }, { _id: 3, a: 0 }]);
    expect(ids(collection, 'a_1')).toEqual([3, 1]);
    expect(ids(collection, { $natural: -1 })).toEqual([3, 2, 1]);
  });

  it('fails with BadValue for an index that does not exist, and refuses a partial index', () => {
    const collection = collectionWith([{ key: { a: 1 }, partialFilterExpression: { a: { $gt: 1 } } }], [{ _id: 1 }]);
    expect(() => hintedRecords(collection, 'nope')).toThrow(expect.objectContaining({ code: 2, message: 'hint provided does not correspond to an existing index' }));
    expect(() => hintedRecords(collection, { a: 1 })).toThrow(expect.objectContaining({ code: 238 }));
  });
});
