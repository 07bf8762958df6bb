import type { Collection, Document, UpdateFilter } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * Claims of src/embedded-mongo/README.md that no other conformance file proved: refusals of its
 * table (sort specifications, update parsing, array updates, positional projections) and commands
 * of its commands table, each as MongoDB 7.0 answers it, so this file runs unchanged against a real
 * MongoDB through `MONGODB_URI`.
 */
const conformance = useConformanceDatabase('readme-claims');

type Row = Document & { _id: number };

async function holding(name: string, ...documents: Row[]): Promise<Collection<Row>> {
  const collection = conformance.collection<Row>(name);
  await collection.insertMany(documents);
  return collection;
}

/** An update's refusal, checked to have left the collection as it was. */
async function refusedUpdate(collection: Collection<Row>, update: UpdateFilter<Row>, options: { arrayFilters?: Document[] } = {}) {
  const before = await collection.find().toArray();
  const error = await serverError(collection.updateOne({ _id: 1 }, update, options));
  expect(await collection.find().toArray()).toEqual(before);
  return error;
}

describe('sort specifications', () => {
  it('MongoDB: a non-numeric sort direction fails with 15974 and the key in its message (Illegal key in $sort specification: v: "up"), in find and in $sort', async () => {
    const collection = await holding('sort_illegal', { _id: 1 });
    const expected = { code: 15974, codeName: 'Location15974', message: expect.stringContaining('Illegal key in $sort specification: v: "up"') };
    // The driver refuses such a sort itself, so the command goes as it is.
    expect(await serverError(conformance.db.command({ find: collection.collectionName, sort: { v: 'up' } }))).toMatchObject(expected);
    expect(await serverError(conformance.db.command({ aggregate: collection.collectionName, pipeline: [{ $sort: { v: 'up' } }], cursor: {} }))).toMatchObject(expected);
  });

  it('MongoDB: an empty $sort stage fails with 15976 "$sort stage must have at least one sort key"', async () => {
    const collection = await holding('sort_empty', { _id: 1 });
    expect(await serverError(collection.aggregate([{ $sort: {} }]).toArray())).toMatchObject({
      code: 15976,
      codeName: 'Location15976',
      message: '$sort stage must have at least one sort key',
    });
  });
});

describe('update parsing (9 FailedToParse)', () => {
  it('MongoDB: an unknown update modifier fails with 9 "Unknown modifier: $x"', async () => {
    const collection = await holding('unknown_modifier', { _id: 1, a: 1 });
    const error = await refusedUpdate(collection, { $frobnicate: { a: 1 } } as UpdateFilter<Row>);
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse' });
    expect(error.message).toContain('Unknown modifier: $frobnicate');
  });

  it("MongoDB: an operator whose argument is no document fails with 9 \"Modifiers operate on fields but we found type int instead\"", async () => {
    const collection = await holding('non_document_argument', { _id: 1, a: 1 });
    const error = await refusedUpdate(collection, { $set: 5 } as unknown as UpdateFilter<Row>);
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse' });
    expect(error.message).toContain('Modifiers operate on fields but we found type int instead');
  });

  it('MongoDB: `$pop` with anything but 1 or -1 fails with 9 "$pop expects 1 or -1, found: 2"', async () => {
    const collection = await holding('pop_two', { _id: 1, arr: [1, 2] });
    const error = await refusedUpdate(collection, { $pop: { arr: 2 } } as unknown as UpdateFilter<Row>);
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse' });
    expect(error.message).toContain('$pop expects 1 or -1, found: 2');
  });

  it("MongoDB: an array filter no path uses fails with 9 \"The array filter for identifier 'x' was not used in the update\"", async () => {
    const collection = await holding('unused_array_filter', { _id: 1, arr: [1, 2] });
    const error = await refusedUpdate(collection, { $set: { 'arr.$[]': 0 } }, { arrayFilters: [{ x: 1 }] });
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse' });
    expect(error.message).toContain("The array filter for identifier 'x' was not used in the update");
  });
});

describe('update paths', () => {
  it("MongoDB: an empty segment ('a..b') fails with 56 EmptyFieldName", async () => {
    const collection = await holding('empty_segment', { _id: 1 });
    const error = await refusedUpdate(collection, { $set: { 'a..b': 1 } });
    expect(error).toMatchObject({ code: 56, codeName: 'EmptyFieldName' });
    expect(error.message).toContain("The update path 'a..b' contains an empty field name, which is not allowed.");
  });

  it("MongoDB: a $-prefixed segment that is not positional ('a.$x') fails with 52 DollarPrefixedFieldName", async () => {
    const collection = await holding('dollar_segment', { _id: 1 });
    const error = await refusedUpdate(collection, { $set: { 'a.$x': 1 } });
    expect(error).toMatchObject({ code: 52, codeName: 'DollarPrefixedFieldName' });
    expect(error.message).toContain("The dollar ($) prefixed field '$x' in 'a.$x'");
  });
});

describe('array updates (2 BadValue)', () => {
  it('MongoDB: `$` without a match in the filter fails with "The positional operator did not find the match needed from the query."', async () => {
    const collection = await holding('positional_no_match', { _id: 1, arr: [1, 2] });
    const error = await refusedUpdate(collection, { $set: { 'arr.$': 0 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: 'The positional operator did not find the match needed from the query.' });
  });

  it('MongoDB: `$[]` on a missing field fails with "The path \'arr\' must exist in the document in order to apply array updates."', async () => {
    const collection = await holding('all_positional_missing', { _id: 1 });
    const error = await refusedUpdate(collection, { $set: { 'arr.$[]': 0 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: "The path 'arr' must exist in the document in order to apply array updates." });
  });

  it('MongoDB: `$[]` on a non-array fails with "Cannot apply array updates to non-array element arr: 5"', async () => {
    const collection = await holding('all_positional_scalar', { _id: 1, arr: 5 });
    const error = await refusedUpdate(collection, { $set: { 'arr.$[]': 0 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: 'Cannot apply array updates to non-array element arr: 5' });
  });

  it("MongoDB: an identifier without an array filter fails with \"No array filter found for identifier 'y' in path 'arr.$[y]'\"", async () => {
    const collection = await holding('unknown_identifier', { _id: 1, arr: [1] });
    const error = await refusedUpdate(collection, { $set: { 'arr.$[y]': 0 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: "No array filter found for identifier 'y' in path 'arr.$[y]'" });
  });
});

describe('operators on values of the wrong type', () => {
  it('MongoDB: `$mul` on a non-number, or by a non-number, fails with 14 TypeMismatch; so does `$inc` by a non-number', async () => {
    const collection = await holding('mul_types', { _id: 1, s: 'x', n: 2 });
    const onString = await refusedUpdate(collection, { $mul: { s: 2 } });
    expect(onString).toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    expect(onString.message).toContain('Cannot apply $mul to a value of non-numeric type');
    const byString = await refusedUpdate(collection, { $mul: { n: 'x' } } as unknown as UpdateFilter<Row>);
    expect(byString).toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    expect(byString.message).toContain('Cannot multiply with non-numeric argument');
    const incByString = await refusedUpdate(collection, { $inc: { n: 'x' } } as unknown as UpdateFilter<Row>);
    expect(incByString).toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    expect(incByString.message).toContain('Cannot increment with non-numeric argument');
  });

  it("MongoDB: `$pull` and `$pop` through a scalar ('s.a' over s: 5) fail with 28 PathNotViable", async () => {
    const collection = await holding('pull_through_scalar', { _id: 1, s: 5 });
    for (const update of [{ $pull: { 's.a': 1 } }, { $pop: { 's.a': 1 } }] as UpdateFilter<Row>[]) {
      const error = await refusedUpdate(collection, update);
      expect(error).toMatchObject({ code: 28, codeName: 'PathNotViable' });
      expect(error.message).toContain('Cannot use the part (a) of (s.a) to traverse the element ({s: 5})');
    }
  });
});

describe('positional projections', () => {
  it('MongoDB: a positional projection with a sub-object fails with 31271, with a literal with 31308', async () => {
    const collection = await holding('positional_forms', { _id: 1, arr: [1, 2] });
    const subObject = await serverError(collection.find({ arr: 2 }, { projection: { 'arr.$': { a: 1 } } }).toArray());
    expect(subObject).toMatchObject({ code: 31271, codeName: 'Location31271' });
    expect(subObject.message).toContain('positional projection cannot be used with an expression or sub object');
    const literal = await serverError(collection.find({ arr: 2 }, { projection: { 'arr.$': 'x' } }).toArray());
    expect(literal).toMatchObject({ code: 31308, codeName: 'Location31308' });
    expect(literal.message).toContain('positional projection cannot be used with a literal');
  });
});

describe('commands of the README', () => {
  it('MongoDB: find with singleBatch returns one batch and closes the cursor', async () => {
    const collection = await holding('single_batch', { _id: 1 }, { _id: 2 }, { _id: 3 });
    const answer = await conformance.db.command({ find: collection.collectionName, batchSize: 2, singleBatch: true });
    expect(answer.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    expect(Number(answer.cursor.id)).toBe(0);
  });

  it("MongoDB: find's let variables are read by $expr in the filter", async () => {
    const collection = await holding('find_let', { _id: 1, a: 1 }, { _id: 2, a: 5 });
    const found = await collection.find({ $expr: { $gt: ['$a', '$$floor'] } }, { let: { floor: 2 } }).toArray();
    expect(found).toEqual([{ _id: 2, a: 5 }]);
  });

  it('MongoDB: delete with limit 1 removes the first matching document, with limit 0 every one', async () => {
    const collection = await holding('delete_limits', { _id: 1, k: 1 }, { _id: 2, k: 1 }, { _id: 3, k: 1 });
    const one = await conformance.db.command({ delete: collection.collectionName, deletes: [{ q: { k: 1 }, limit: 1 }] });
    expect(one).toMatchObject({ n: 1, ok: 1 });
    const all = await conformance.db.command({ delete: collection.collectionName, deletes: [{ q: { k: 1 }, limit: 0 }] });
    expect(all).toMatchObject({ n: 2, ok: 1 });
    expect(await collection.countDocuments()).toBe(0);
  });

  it('MongoDB: dropIndexes takes a name, a key pattern, a list of names or "*" (which keeps _id_)', async () => {
    const collection = await holding('drop_indexes', { _id: 1 });
    await collection.createIndexes([{ key: { a: 1 } }, { key: { b: -1 } }, { key: { c: 1 } }, { key: { d: 1 } }, { key: { e: 1 } }]);
    const names = async () => (await collection.listIndexes().toArray()).map((index) => index.name as string);
    await conformance.db.command({ dropIndexes: collection.collectionName, index: 'a_1' });
    await conformance.db.command({ dropIndexes: collection.collectionName, index: { b: -1 } });
    await conformance.db.command({ dropIndexes: collection.collectionName, index: ['c_1', 'd_1'] });
    expect(await names()).toEqual(['_id_', 'e_1']);
    await conformance.db.command({ dropIndexes: collection.collectionName, index: '*' });
    expect(await names()).toEqual(['_id_']);
  });

  it('MongoDB: listDatabases on another database than admin fails with 13 Unauthorized', async () => {
    const error = await serverError(conformance.db.command({ listDatabases: 1 }));
    expect(error).toMatchObject({ code: 13, codeName: 'Unauthorized', message: 'listDatabases may only be run against the admin database.' });
  });

  it('MongoDB: endSessions and killSessions answer ok', async () => {
    const admin = conformance.db.admin();
    expect(await admin.command({ endSessions: [] })).toMatchObject({ ok: 1 });
    expect(await admin.command({ killSessions: [] })).toMatchObject({ ok: 1 });
  });
});

describe('unique indexes, listCollections and batches', () => {
  it('MongoDB: a missing field indexes as null, so a second document without it is a duplicate key (11000); a sparse index skips them', async () => {
    const unique = conformance.collection<Row>('unique_missing');
    await unique.createIndex({ a: 1 }, { unique: true });
    await unique.insertOne({ _id: 1 });
    const error = await serverError(unique.insertOne({ _id: 2 }));
    expect(error).toMatchObject({ code: 11000, keyValue: { a: null } });
    expect(error.message).toContain('dup key: { a: null }');
    const sparse = conformance.collection<Row>('sparse_missing');
    await sparse.createIndex({ a: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ _id: 1 }, { _id: 2 }]);
    expect(await sparse.countDocuments()).toBe(2);
  });

  it('MongoDB: listCollections takes a filter and nameOnly', async () => {
    const collection = await holding('listed', { _id: 1 });
    const listed = await conformance.db.listCollections({ name: collection.collectionName }, { nameOnly: true }).toArray();
    expect(listed).toEqual([{ name: collection.collectionName, type: 'collection' }]);
  });

  it('MongoDB: a batch stays under 16 MiB: of four 5 MiB documents the first batch holds three', async () => {
    const collection = conformance.collection<Row>('big_batches');
    const text = 'x'.repeat(5 * 1024 * 1024);
    for (const _id of [1, 2, 3, 4]) await collection.insertOne({ _id, text });
    const first = await conformance.db.command({ find: collection.collectionName });
    expect(first.cursor.firstBatch.map((document: Row) => document._id)).toEqual([1, 2, 3]);
    await conformance.db.command({ killCursors: collection.collectionName, cursors: [first.cursor.id] });
  });
});
