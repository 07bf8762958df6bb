import { describe, expect, it } from 'vitest';
import { Double } from 'mongodb';
import type { Document, Filter } from 'mongodb';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * What an upsert inserts when nothing matched, and `_id` under a replacement, as MongoDB 7.0
 * answers (jstests/core/write/update/upsert_fields.js; ObjectReplaceExecutor). The order of the
 * fields an upsert copies from its filter is not asserted: it differs between server versions.
 */
const conformance = useConformanceDatabase('upserts');

/** The driver types filters by the collection's schema; these are untyped on purpose. */
const filterOf = (filter: Document): Filter<Document> => filter;

async function upserted(filter: Document, update: Document): Promise<Document | null> {
  const collection = conformance.collection<Document>('seed');
  await collection.updateOne(filterOf(filter), update, { upsert: true });
  const [inserted] = await collection.find({}, { projection: { _id: 0 } }).toArray();
  return inserted ?? null;
}

describe('upsert: the fields copied from the filter', () => {
  it('MongoDB: copies equalities — `$eq`, a one-element `$in` or `$all`, `$and` clauses and the only clause of an `$or`', async () => {
    const filter = { a: 1, b: { $eq: 2 }, c: { $in: [3] }, d: { $all: [4] }, $and: [{ 'e.f': 5 }], $or: [{ g: 6 }] };
    expect(await upserted(filter, { $set: { z: 0 } })).toEqual({ a: 1, b: 2, c: 3, d: 4, e: { f: 5 }, g: 6, z: 0 });
  });

  it('MongoDB: takes `_id` from a one-element `$in` or from `$eq` inside `$and`', async () => {
    const collection = conformance.collection<Document>('seed_id');
    const first = await collection.updateOne(filterOf({ _id: { $in: [5] } }), { $set: { a: 1 } }, { upsert: true });
    const second = await collection.updateOne(filterOf({ $and: [{ _id: { $eq: 7 } }] }), { $set: { a: 1 } }, { upsert: true });
    expect([first.upsertedId, second.upsertedId]).toEqual([5, 7]);
  });

  it('MongoDB: copies nothing from a range, a `$in` of two values, an `$or` of two clauses, `$nor`, `$elemMatch` or a regular expression', async () => {
    const filter = { a: { $gt: 1 }, b: { $in: [1, 2] }, $or: [{ c: 1 }, { c: 2 }], $nor: [{ d: 1 }], e: { $elemMatch: { $eq: 1 } }, f: /x/ };
    expect(await upserted(filter, { $set: { z: 0 } })).toEqual({ z: 0 });
  });

  it('MongoDB: a path the filter matches twice (`$all` of two values, two `$and` clauses, `x` and `x.x`) fails with 54 NotSingleValueField', async () => {
    const collection = conformance.collection<Document>('seed_conflict');
    for (const filter of [{ x: { $all: [1, 2] } }, { $and: [{ x: 1 }, { x: 2 }] }, { x: 1, 'x.x': 1 }]) {
      const error = await serverError(collection.findOneAndUpdate(filterOf(filter), { $set: { a: 1 } }, { upsert: true }));
      expect([error.code, error.codeName]).toEqual([54, 'NotSingleValueField']);
      expect(error.message).toContain('cannot infer query fields to set');
    }
    expect(await collection.countDocuments()).toBe(0);
  });

  it('MongoDB: a replacement takes only `_id` from the filter, and conflicts elsewhere do not matter', async () => {
    const collection = conformance.collection<Document>('seed_replacement');
    await collection.replaceOne(filterOf({ _id: 1, x: [1, { x: 1 }], 'x.x': 1 }), { a: 1 }, { upsert: true });
    expect(await collection.find().toArray()).toEqual([{ _id: 1, a: 1 }]);
  });

  it("MongoDB: a replacement upsert whose filter names '_id.x' fails with 111 NotExactValueField; an operator upsert builds `_id` from it", async () => {
    const collection = conformance.collection<Document>('seed_nested_id');
    const error = await serverError(collection.findOneAndReplace(filterOf({ '_id.x': 1 }), { a: 1 }, { upsert: true }));
    expect([error.code, error.codeName]).toEqual([111, 'NotExactValueField']);
    const result = await collection.updateOne(filterOf({ '_id.x': 1, '_id.y': 2 }), { $set: { a: 1 } }, { upsert: true });
    expect(result.upsertedId).toEqual({ x: 1, y: 2 });
  });
});

describe('replacement and _id', () => {
  it('MongoDB: a replacement whose `_id` has the same value in another numeric type is allowed and stores the new type', async () => {
    const collection = conformance.collection<Document>('replace_id_type');
    await collection.insertOne({ _id: 1, a: 1 } as Document);
    expect(await collection.replaceOne(filterOf({ _id: 1 }), { _id: new Double(1), b: 1 })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const stored = await collection.findOne({}, { promoteValues: false });
    expect(stored?._id).toBeInstanceOf(Double);
  });

  it("MongoDB: a replacement with another `_id` fails with 66 ImmutableField \"the (immutable) field '_id' was found to have been altered to _id: 2\"", async () => {
    const collection = conformance.collection<Document>('replace_id_other');
    await collection.insertOne({ _id: 1, a: 1 } as Document);
    const error = await serverError(collection.findOneAndReplace(filterOf({ _id: 1 }), { _id: 2, b: 1 }));
    expect([error.code, error.codeName]).toEqual([66, 'ImmutableField']);
    expect(error.message).toContain("the (immutable) field '_id' was found to have been altered to _id: 2");
    expect(await collection.find().toArray()).toEqual([{ _id: 1, a: 1 }]);
  });
});
