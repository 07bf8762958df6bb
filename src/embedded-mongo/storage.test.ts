import { Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { IndexCatalog } from './indexes.js';
import { selectRecords } from './query.js';
import { type Collection, Storage } from './storage.js';
import { removeExpiredDocuments } from './ttl.js';

function collectionWith(indexes: Array<Record<string, unknown>>, documents: Array<Record<string, unknown>>): { storage: Storage; collection: Collection } {
  const storage = new Storage();
  const collection = storage.getOrCreate('unit', 'things');
  for (const spec of indexes) collection.indexes.create(IndexCatalog.normalizeSpec(spec), collection.all());
  documents.forEach((document) => collection.insert(document));
  return { storage, collection };
}

const ids = (collection: Collection, filter: Record<string, unknown>) => selectRecords(collection, { filter }).map((record) => record.doc._id);

describe('unique index lookups', () => {
  it('narrow equality filters to the one record a unique index holds, with the same results as a scan', () => {
    const { collection } = collectionWith(
      [{ key: { email: 1 }, unique: true }],
      [{ _id: Long.fromNumber(1), email: ['a', 'b'] }, { _id: 2, email: 'c' }, { _id: 3 }],
    );
    expect([...collection.candidates({ _id: 1 })]).toHaveLength(1);
    expect(ids(collection, { _id: 1 })).toEqual([Long.fromNumber(1)]);
    expect(ids(collection, { email: 'b' })).toEqual([Long.fromNumber(1)]);
    expect(ids(collection, { email: 'c', _id: 3 })).toEqual([]);
    expect(ids(collection, { _id: 99 })).toEqual([]);
    expect([...collection.candidates({ _id: { $in: [3, 99, 2] } })]).toHaveLength(2);
    expect(ids(collection, { _id: { $in: [3, 99, 2] } })).toEqual([2, 3]);
    expect(ids(collection, { email: { $in: ['c', 'a'] } })).toEqual([Long.fromNumber(1), 2]);
    // An $in with anything but point values, or beside another operator, is answered by a scan.
    expect([...collection.candidates({ _id: { $in: [1, null] } })]).toHaveLength(3);
    expect([...collection.candidates({ _id: { $in: [1], $ne: 2 } })]).toHaveLength(3);
    // null also matches missing fields, so it is answered by a scan.
    expect([...collection.candidates({ email: null })]).toHaveLength(3);
    expect(ids(collection, { email: null })).toEqual([3]);
  });

  it('never use a partial index, whose unindexed documents can still match', () => {
    const { collection } = collectionWith(
      [{ key: { code: 1 }, unique: true, partialFilterExpression: { active: true } }],
      [{ _id: 1, code: 'x', active: false }, { _id: 2, code: 'x', active: true }],
    );
    expect(ids(collection, { code: 'x' })).toEqual([1, 2]);
  });
});

describe('TTL expiry', () => {
  it('removes documents whose indexed date plus expireAfterSeconds has passed', () => {
    const now = Date.UTC(2025, 0, 1);
    const { storage, collection } = collectionWith(
      [{ key: { at: 1 }, expireAfterSeconds: 60 }],
      [
        { _id: 'old', at: new Date(now - 61_000) },
        { _id: 'exactly', at: new Date(now - 60_000) },
        { _id: 'fresh', at: new Date(now - 59_000) },
        { _id: 'array', at: [new Date(now), new Date(now - 3_600_000)] },
        { _id: 'not-a-date', at: 'yesterday' },
        { _id: 'missing' },
      ],
    );
    expect(removeExpiredDocuments(storage, now)).toBe(3);
    expect([...collection.all()].map((record) => record.doc._id)).toEqual(['fresh', 'not-a-date', 'missing']);
  });

  it('ignores compound indexes, as MongoDB does', () => {
    const { storage } = collectionWith([{ key: { at: 1, b: 1 }, expireAfterSeconds: 0 }], [{ at: new Date(0), b: 1 }]);
    expect(removeExpiredDocuments(storage, Date.now())).toBe(0);
  });
});
