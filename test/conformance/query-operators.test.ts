import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'mongodb';
import type { Document, Filter } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * Query operators in filters, as MongoDB 7.0 evaluates them. Every expectation is what a real
 * MongoDB answers, so this file runs unchanged against one through `MONGODB_URI`.
 */
const conformance = useConformanceDatabase('query-operators');

/** Inserts `documents` (each with a numeric `_id`) and returns the `_id`s `filter` matches, in order. */
async function matching(documents: Document[], filter: Filter<Document>): Promise<unknown[]> {
  const collection = conformance.collection('docs');
  await collection.insertMany(documents.map((document) => ({ ...document })));
  const found = await collection.find(filter, { projection: { _id: 1 }, sort: { _id: 1 } }).toArray();
  return found.map((document) => document._id);
}

const bytes = (...values: number[]) => Buffer.from(values);

describe('$all', () => {
  it('MongoDB: `$all` on a scalar field matches a document whose value is that scalar', async () => {
    const docs = [{ _id: 1, tags: 'a' }, { _id: 2, tags: ['a', 'b'] }, { _id: 3, tags: 'b' }];
    expect(await matching(docs, { tags: { $all: ['a'] } })).toEqual([1, 2]);
  });

  it('MongoDB: `$all` needs every value, each matched as an equality (so an array value matches the array or an element)', async () => {
    const docs = [{ _id: 1, tags: ['a', 'b', 'c'] }, { _id: 2, tags: ['a'] }, { _id: 3, tags: [['a', 'b'], 'c'] }, { _id: 4, tags: ['a', 'b'] }];
    expect(await matching(docs, { tags: { $all: ['a', 'b'] } })).toEqual([1, 4]);
    expect(await matching(docs, { tags: { $all: [['a', 'b']] } })).toEqual([3, 4]);
  });

  it('MongoDB: an empty `$all` matches nothing', async () => {
    expect(await matching([{ _id: 1, tags: [] }, { _id: 2, tags: 'a' }], { tags: { $all: [] } })).toEqual([]);
  });

  it('MongoDB: `$all` takes regular expressions, each matched by some element', async () => {
    const docs = [{ _id: 1, tags: ['apple', 'banana'] }, { _id: 2, tags: 'apple' }, { _id: 3, tags: ['apple'] }];
    expect(await matching(docs, { tags: { $all: [/^a/, /an/] } })).toEqual([1]);
    expect(await matching(docs, { tags: { $all: [/^a/] } })).toEqual([1, 2, 3]);
  });

  it('MongoDB: `$all` of `$elemMatch` clauses needs an element for each clause', async () => {
    const docs = [
      { _id: 1, items: [{ n: 1, ok: true }, { n: 9, ok: false }] },
      { _id: 2, items: [{ n: 1, ok: false }, { n: 9, ok: true }] },
      { _id: 3, items: [{ n: 9, ok: true }] },
    ];
    const filter = { items: { $all: [{ $elemMatch: { n: { $lt: 5 } } }, { $elemMatch: { ok: true } }] } };
    expect(await matching(docs, filter)).toEqual([1, 2]);
  });

  it('MongoDB: `$all` on a dotted path reaches into arrays of documents', async () => {
    const docs = [{ _id: 1, a: [{ b: 1 }, { b: 2 }] }, { _id: 2, a: [{ b: 1 }] }, { _id: 3, a: { b: [1, 2] } }];
    expect(await matching(docs, { 'a.b': { $all: [1, 2] } })).toEqual([1, 3]);
  });

  it('MongoDB: `$all` needs an array (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('docs').find({ tags: { $all: 'a' } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('$all needs an array') });
  });

  it('MongoDB: `$all` mixing `$elemMatch` clauses with values fails (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('docs').find({ tags: { $all: [{ $elemMatch: { n: 1 } }, 5] } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('$all/$elemMatch has to be consistent') });
  });

  it('MongoDB: `$all` takes no other `$` expression (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('docs').find({ tags: { $all: [{ $gt: 1 }] } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('no $ expressions in $all') });
  });
});

describe('$type', () => {
  const everyType: Document[] = [
    { _id: 1, v: 1.5 },
    { _id: 2, v: new Double(2) },
    { _id: 3, v: 'text' },
    { _id: 4, v: { x: 1 } },
    { _id: 5, v: new Binary(bytes(1, 2), 0) },
    { _id: 6, v: new UUID() },
    { _id: 7, v: new ObjectId() },
    { _id: 8, v: true },
    { _id: 9, v: new Date(0) },
    { _id: 10, v: null },
    { _id: 11, v: new BSONRegExp('a', 'i') },
    { _id: 12, v: new Code('return 1') },
    { _id: 13, v: new Int32(7) },
    { _id: 14, v: new Timestamp({ t: 1, i: 1 }) },
    { _id: 15, v: Long.fromNumber(8) },
    { _id: 16, v: Decimal128.fromString('9.5') },
    { _id: 17, v: new MinKey() },
    { _id: 18, v: new MaxKey() },
    { _id: 19 },
  ];
  const cases: [alias: string, code: number, ids: number[]][] = [
    ['double', 1, [1, 2]],
    ['string', 2, [3]],
    ['object', 3, [4]],
    ['binData', 5, [5, 6]],
    ['objectId', 7, [7]],
    ['bool', 8, [8]],
    ['date', 9, [9]],
    ['null', 10, [10]],
    ['regex', 11, [11]],
    ['javascript', 13, [12]],
    ['int', 16, [13]],
    ['timestamp', 17, [14]],
    ['long', 18, [15]],
    ['decimal', 19, [16]],
    ['minKey', -1, [17]],
    ['maxKey', 127, [18]],
  ];

  for (const [alias, code, ids] of cases) {
    it(`MongoDB: \`$type: '${alias}'\` and \`$type: ${code}\` match exactly the ${alias} values`, async () => {
      const collection = conformance.collection('types');
      await collection.insertMany(everyType.map((document) => ({ ...document })));
      const idsOf = async (type: string | number) =>
        (await collection.find({ v: { $type: type } } as Filter<Document>, { sort: { _id: 1 } }).toArray()).map((document) => document._id);
      expect(await idsOf(alias)).toEqual(ids);
      expect(await idsOf(code)).toEqual(ids);
    });
  }

  it("MongoDB: `$type: 'number'` matches doubles, ints, longs and decimals", async () => {
    expect(await matching(everyType, { v: { $type: 'number' } })).toEqual([1, 2, 13, 15, 16]);
  });

  it('MongoDB: `$type` with an array of types matches any of them', async () => {
    expect(await matching(everyType, { v: { $type: ['long', 'string', 8] } })).toEqual([3, 8, 15]);
  });

  it("MongoDB: an array field matches `$type: 'array'` and every type one of its elements has", async () => {
    const docs = [
      { _id: 1, v: [Long.fromNumber(1), 'x'] },
      { _id: 2, v: [] },
      { _id: 3, v: [new Double(1)] },
      { _id: 4, v: 5 },
    ];
    expect(await matching(docs, { v: { $type: 'array' } })).toEqual([1, 2, 3]);
    expect(await matching(docs, { v: { $type: 4 } })).toEqual([1, 2, 3]);
    expect(await matching(docs, { v: { $type: 'long' } })).toEqual([1]);
    expect(await matching(docs, { v: { $type: 'string' } })).toEqual([1]);
    expect(await matching(docs, { v: { $type: 'double' } })).toEqual([3]);
    expect(await matching(docs, { v: { $type: 'int' } })).toEqual([4]);
  });

  it('MongoDB: `$type` on a dotted path sees the stored type through arrays of documents', async () => {
    const docs = [
      { _id: 1, a: [{ b: Decimal128.fromString('1') }, { b: 'x' }] },
      { _id: 2, a: { b: [new Double(3)] } },
      { _id: 3, a: { b: 3 } },
    ];
    expect(await matching(docs, { 'a.b': { $type: 'decimal' } })).toEqual([1]);
    expect(await matching(docs, { 'a.b': { $type: 'double' } })).toEqual([2]);
    expect(await matching(docs, { 'a.b': { $type: 'int' } })).toEqual([3]);
    expect(await matching(docs, { a: { $elemMatch: { b: { $type: 'decimal' } } } })).toEqual([1]);
  });

  it('MongoDB: an aggregation `$match` sees the stored types as find does', async () => {
    const collection = conformance.collection('types');
    await collection.insertMany(everyType.map((document) => ({ ...document })));
    const ids = async (type: string) =>
      (await collection.aggregate([{ $match: { v: { $type: type } } }, { $sort: { _id: 1 } }, { $project: { _id: 1 } }]).toArray()).map((document) => document._id);
    expect(await ids('long')).toEqual([15]);
    expect(await ids('double')).toEqual([1, 2]);
    expect(await ids('int')).toEqual([13]);
  });

  it('MongoDB: `$type` inside `$not`, `$or` and on a missing field', async () => {
    const docs = [{ _id: 1, v: Long.fromNumber(1) }, { _id: 2, v: 1 }, { _id: 3 }];
    expect(await matching(docs, { v: { $not: { $type: 'long' } } })).toEqual([2, 3]);
    expect(await matching(docs, { $or: [{ v: { $type: 'long' } }, { v: { $exists: false } }] })).toEqual([1, 3]);
  });

  it('MongoDB: an unknown `$type` alias fails (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('types').find({ v: { $type: 'integer' } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('Unknown type name alias: integer') });
  });

  it('MongoDB: an invalid `$type` number fails (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('types').find({ v: { $type: 99 } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('Invalid numerical type code: 99') });
  });

  it('MongoDB: a `$type` that is neither a number nor a string fails (14 TypeMismatch)', async () => {
    const error = await serverError(conformance.collection('types').find({ v: { $type: true } }).toArray());
    expect(error).toMatchObject({ code: 14, codeName: 'TypeMismatch', message: expect.stringContaining('type must be represented as a number or a string') });
  });

  it('MongoDB: an empty `$type` array fails (9 FailedToParse)', async () => {
    const error = await serverError(conformance.collection('types').find({ v: { $type: [] } }).toArray());
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse', message: expect.stringContaining('must match at least one type') });
  });
});

describe('BinData comparisons', () => {
  const docs = [
    { _id: 1, b: new Binary(bytes(0xff), 0) },
    { _id: 2, b: new Binary(bytes(0x00, 0x00), 0) },
    { _id: 3, b: new Binary(bytes(0x01, 0x00), 0) },
    { _id: 4, b: new Binary(bytes(0x00, 0x00), 5) },
    { _id: 5, b: new Binary(bytes(0x00, 0x00, 0x00), 0) },
    { _id: 6, b: 'not binary' },
  ];

  it('MongoDB: BinData compares by length first, then subtype, then bytes', async () => {
    const two = new Binary(bytes(0x00, 0x00), 0);
    expect(await matching(docs, { b: { $gt: two } })).toEqual([3, 4, 5]);
    expect(await matching(docs, { b: { $gte: two } })).toEqual([2, 3, 4, 5]);
    expect(await matching(docs, { b: { $lt: two } })).toEqual([1]);
    expect(await matching(docs, { b: { $lte: new Binary(bytes(0x01, 0x00), 0) } })).toEqual([1, 2, 3]);
  });

  it('MongoDB: a UUID compares with other BinData the same way (subtype 4 sorts between 0 and 5)', async () => {
    const uuid = new UUID('00000000-0000-0000-0000-000000000000');
    const sixteen = (subtype: number) => new Binary(Buffer.alloc(16), subtype);
    const values = [{ _id: 1, b: sixteen(0) }, { _id: 2, b: uuid }, { _id: 3, b: sixteen(5) }, { _id: 4, b: new Binary(bytes(1), 0) }];
    expect(await matching(values, { b: { $gt: uuid } })).toEqual([3]);
    expect(await matching(values, { b: { $lt: uuid } })).toEqual([1, 4]);
  });

  it('MongoDB: BinData equality compares every byte and the subtype', async () => {
    const values = [{ _id: 1, b: new Binary(bytes(0xfe), 0) }, { _id: 2, b: new Binary(bytes(0xff), 0) }, { _id: 3, b: new Binary(bytes(0xff), 5) }];
    expect(await matching(values, { b: new Binary(bytes(0xff), 0) })).toEqual([2]);
    expect(await matching(values, { b: { $in: [new Binary(bytes(0xfe), 0), new Binary(bytes(0xff), 5)] } })).toEqual([1, 3]);
    expect(await matching(values, { b: { $ne: new Binary(bytes(0xff), 0) } })).toEqual([1, 3]);
  });
});

describe('bitwise operators', () => {
  const docs = [
    { _id: 1, v: 0b1010 },
    { _id: 2, v: Long.fromString('1099511627776') }, // 2^40
    { _id: 3, v: -1 },
    { _id: 4, v: new Binary(bytes(0b0000_0101, 0b1000_0000), 0) }, // bits 0, 2 and 15
    { _id: 5, v: 2.5 },
    { _id: 6, v: 'text' },
    { _id: 7, v: [0b0001, 0b1000] },
  ];

  it('MongoDB: `$bitsAllSet` with positions, a numeric mask and a BinData mask', async () => {
    expect(await matching(docs, { v: { $bitsAllSet: [1, 3] } })).toEqual([1, 3]);
    expect(await matching(docs, { v: { $bitsAllSet: 10 } })).toEqual([1, 3]);
    expect(await matching(docs, { v: { $bitsAllSet: new Binary(bytes(0b0000_1010), 0) } })).toEqual([1, 3]);
  });

  it('MongoDB: bit positions beyond 31 reach the whole 64-bit integer, and a negative number is sign-extended', async () => {
    expect(await matching(docs, { v: { $bitsAllSet: [40] } })).toEqual([2, 3]);
    expect(await matching(docs, { v: { $bitsAllSet: [200] } })).toEqual([3]);
    expect(await matching(docs, { v: { $bitsAnySet: [8, 15] } })).toEqual([3, 4]);
  });

  it('MongoDB: a BinData value is a little-endian bitmask, clear beyond its length', async () => {
    expect(await matching(docs, { v: { $bitsAllSet: [0, 2, 15] } })).toEqual([3, 4]);
    expect(await matching(docs, { v: { $bitsAllClear: [1, 3, 16, 100] } })).toEqual([2, 4, 7]);
    expect(await matching(docs, { v: { $bitsAnyClear: [0, 2] } })).toEqual([1, 2, 7]);
  });

  it('MongoDB: non-integral and non-numeric values never match; an array matches through an element', async () => {
    expect(await matching(docs, { v: { $bitsAllClear: [0] } })).toEqual([1, 2, 7]);
    expect(await matching(docs, { v: { $bitsAnySet: [3] } })).toEqual([1, 3, 7]);
  });

  it('MongoDB: a negative numeric bitmask fails (9 FailedToParse)', async () => {
    const error = await serverError(conformance.collection('docs').find({ v: { $bitsAllSet: -1 } }).toArray());
    expect(error).toMatchObject({ code: 9, codeName: 'FailedToParse' });
  });

  it('MongoDB: a negative bit position fails (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('docs').find({ v: { $bitsAnySet: [-1] } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('bit positions must be >= 0') });
  });

  it('MongoDB: a bitmask that is no array, number or BinData fails (2 BadValue)', async () => {
    const error = await serverError(conformance.collection('docs').find({ v: { $bitsAnySet: 'x' } }).toArray());
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('takes an Array, a number, or a BinData') });
  });
});

describe('filter validation', () => {
  const unknownOperator = { a: { $foo: 1 } } as Filter<Document>;
  const unknownTopLevel = { $foo: [{ a: 1 }] } as Filter<Document>;
  const isUnknownOperator = { code: 2, codeName: 'BadValue', message: expect.stringContaining('unknown operator: $foo') };
  const isUnknownTopLevel = { code: 2, codeName: 'BadValue', message: expect.stringContaining('unknown top level operator: $foo') };

  it('MongoDB: find, count and distinct refuse an unknown operator (2 BadValue) even on a collection that does not exist', async () => {
    const missing = conformance.collection('never_created');
    expect(await serverError(missing.find(unknownOperator).toArray())).toMatchObject(isUnknownOperator);
    expect(await serverError(missing.find(unknownTopLevel).toArray())).toMatchObject(isUnknownTopLevel);
    expect(await serverError(missing.countDocuments(unknownOperator))).toMatchObject(isUnknownOperator);
    expect(await serverError(conformance.db.command({ count: missing.collectionName, query: unknownOperator }))).toMatchObject(isUnknownOperator);
    expect(await serverError(missing.distinct('a', unknownOperator))).toMatchObject(isUnknownOperator);
  });

  it('MongoDB: update, delete and findAndModify refuse an unknown operator (2 BadValue) even when nothing is stored', async () => {
    const missing = conformance.collection('never_created');
    expect(await serverError(missing.updateOne(unknownOperator, { $set: { b: 1 } }))).toMatchObject(isUnknownOperator);
    expect(await serverError(missing.updateMany(unknownTopLevel, { $set: { b: 1 } }))).toMatchObject(isUnknownTopLevel);
    expect(await serverError(missing.deleteMany(unknownOperator))).toMatchObject(isUnknownOperator);
    expect(await serverError(missing.findOneAndUpdate(unknownOperator, { $set: { b: 1 } }))).toMatchObject(isUnknownOperator);
    expect(await serverError(missing.findOneAndDelete(unknownOperator))).toMatchObject(isUnknownOperator);
  });

  it('MongoDB: an unknown operator nested in `$and`, `$elemMatch` or `$not` is refused too (2 BadValue)', async () => {
    const empty = conformance.collection('empty');
    await empty.insertOne({ a: 1 });
    await empty.deleteMany({});
    expect(await serverError(empty.find({ $and: [unknownOperator] }).toArray())).toMatchObject(isUnknownOperator);
    expect(await serverError(empty.find({ a: { $elemMatch: { b: { $foo: 1 } } } } as Filter<Document>).toArray())).toMatchObject(isUnknownOperator);
    expect(await serverError(empty.find({ a: { $not: { $foo: 1 } } } as Filter<Document>).toArray())).toMatchObject(isUnknownOperator);
  });

  it('MongoDB: a top-level `$comment` in a filter is ignored', async () => {
    const docs = [{ _id: 1, a: 1 }, { _id: 2, a: 2 }];
    expect(await matching(docs, { a: 1, $comment: 'why this query runs' })).toEqual([1]);
  });

  it('MongoDB: an aggregation `$match` refuses an unknown operator (2 BadValue) on an empty collection', async () => {
    const missing = conformance.collection('never_created');
    expect(await serverError(missing.aggregate([{ $match: unknownOperator }]).toArray())).toMatchObject(isUnknownOperator);
  });
});

describe('equality of embedded documents', () => {
  const docs = [
    { _id: 1, a: { x: 1, y: 2 } },
    { _id: 2, a: { y: 2, x: 1 } },
    { _id: 3, a: [{ x: 1, y: 2 }] },
  ];

  it('MongoDB: an embedded document equals only a document with the same fields in the same order', async () => {
    expect(await matching(docs, { a: { x: 1, y: 2 } })).toEqual([1, 3]);
    expect(await matching(docs, { a: { y: 2, x: 1 } })).toEqual([2]);
    expect(await matching(docs, { a: { $eq: { y: 2, x: 1 } } })).toEqual([2]);
    expect(await matching(docs, { a: { x: 1 } })).toEqual([]);
  });

  it('MongoDB: `$ne`, `$in` and `$nin` compare documents in field order too', async () => {
    expect(await matching(docs, { a: { $ne: { x: 1, y: 2 } } })).toEqual([2]);
    expect(await matching(docs, { a: { $in: [{ y: 2, x: 1 }] } })).toEqual([2]);
    expect(await matching(docs, { a: { $nin: [{ y: 2, x: 1 }] } })).toEqual([1, 3]);
  });

  it('MongoDB: a range operator on documents compares them field by field (type, name, value)', async () => {
    expect(await matching(docs, { a: { $lt: { x: 1, y: 3 } } })).toEqual([1, 3]);
    expect(await matching(docs, { a: { $gt: { x: 1, y: 3 } } })).toEqual([2]); // its first field's name, y, is after x
    expect(await matching(docs, { a: { $gt: { x: 1 } } })).toEqual([1, 2, 3]);
  });

  it('MongoDB: `$addToSet` and `$pullAll` compare documents in field order; `$pull` of a document is a query, in any order', async () => {
    const collection = conformance.collection<{ _id: number; list: Document[] }>('updates');
    await collection.insertOne({ _id: 1, list: [{ x: 1, y: 2 }] });
    await collection.updateOne({ _id: 1 }, { $addToSet: { list: { y: 2, x: 1 } } });
    expect((await collection.findOne({ _id: 1 }))?.list).toEqual([{ x: 1, y: 2 }, { y: 2, x: 1 }]);
    await collection.updateOne({ _id: 1 }, { $pullAll: { list: [{ y: 2, x: 1 }] } });
    expect((await collection.findOne({ _id: 1 }))?.list).toEqual([{ x: 1, y: 2 }]);
    await collection.updateOne({ _id: 1 }, { $pull: { list: { y: 2, x: 1 } } });
    expect((await collection.findOne({ _id: 1 }))?.list).toEqual([]);
  });
});

describe('Timestamp values', () => {
  const docs = [
    { _id: 1, ts: new Timestamp({ t: 5, i: 1 }) },
    { _id: 2, ts: 5 },
    { _id: 3, ts: new Timestamp({ t: 5, i: 2 }) },
  ];

  it('MongoDB: a Timestamp equals only a Timestamp, never the number of its bits', async () => {
    expect(await matching(docs, { ts: new Timestamp({ t: 5, i: 1 }) })).toEqual([1]);
    expect(await matching(docs, { ts: Long.fromString('21474836481') })).toEqual([]);
    expect(await matching(docs, { ts: 5 })).toEqual([2]);
    expect(await matching(docs, { ts: { $in: [5, 21474836481] } })).toEqual([2]);
  });

  it('MongoDB: range operators compare Timestamps with Timestamps only, by time then increment', async () => {
    expect(await matching(docs, { ts: { $gt: 1 } })).toEqual([2]);
    expect(await matching(docs, { ts: { $gt: new Timestamp({ t: 5, i: 1 }) } })).toEqual([3]);
    expect(await matching(docs, { ts: { $lt: new Timestamp({ t: 6, i: 0 }) } })).toEqual([1, 3]);
  });

  it('MongoDB: `$type` tells a Timestamp from a long', async () => {
    expect(await matching(docs, { ts: { $type: 'timestamp' } })).toEqual([1, 3]);
    expect(await matching(docs, { ts: { $type: 'long' } })).toEqual([]);
  });

  it('MongoDB: a stored Timestamp comes back as a Timestamp', async () => {
    const collection = conformance.collection<{ _id: number; ts: Timestamp }>('timestamps');
    await collection.insertOne({ _id: 1, ts: new Timestamp({ t: 5, i: 1 }) });
    const found = await collection.findOne({ _id: 1 });
    expect(found?.ts).toBeInstanceOf(Timestamp);
    expect(found?.ts).toEqual(new Timestamp({ t: 5, i: 1 }));
  });
});

describe('$in and $nin arguments', () => {
  it('MongoDB: `$in` and `$nin` need an array (2 BadValue)', async () => {
    const collection = conformance.collection('docs');
    const inError = await serverError(collection.find({ a: { $in: 1 } } as Filter<Document>).toArray());
    expect(inError).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('$in needs an array') });
    const ninError = await serverError(collection.find({ a: { $nin: 'x' } } as Filter<Document>).toArray());
    expect(ninError).toMatchObject({ code: 2, codeName: 'BadValue', message: expect.stringContaining('$nin needs an array') });
  });

  it('MongoDB: an operator document inside `$in` or `$nin` is refused (2 BadValue), even with nothing stored', async () => {
    const collection = conformance.collection('never_created');
    const nested = { code: 2, codeName: 'BadValue', message: expect.stringContaining('cannot nest $ under $in') };
    expect(await serverError(collection.find({ a: { $in: [1, { $gt: 1 }] } } as Filter<Document>).toArray())).toMatchObject(nested);
    expect(await serverError(collection.find({ a: { $nin: [{ $exists: true }] } } as Filter<Document>).toArray())).toMatchObject(nested);
  });

  it('MongoDB: `$in` takes regular expressions and null (which matches a missing field)', async () => {
    const docs = [{ _id: 1, a: 'apple' }, { _id: 2, a: 'pear' }, { _id: 3 }, { _id: 4, a: 7 }];
    expect(await matching(docs, { a: { $in: [/^ap/, null, 7] } })).toEqual([1, 3, 4]);
    expect(await matching(docs, { a: { $nin: [/^ap/, null] } })).toEqual([2, 4]);
  });
});

describe('a field named __proto__', () => {
  // JSON.parse makes an own `__proto__` field; an object literal would set the prototype instead.
  const withProto = (json: string) => JSON.parse(json) as Document;

  it('MongoDB: `__proto__` is a field like any other in a filter (the embedded database refuses it: 238 NotImplemented)', async () => {
    const collection = conformance.collection('docs');
    await collection.insertMany([withProto('{"_id": 1, "__proto__": 1}'), withProto('{"_id": 2, "__proto__": 2}'), { _id: 3 }]);
    const filter = withProto('{"__proto__": 2}');
    if (conformance.embedded) {
      expect(await serverError(collection.find(filter).toArray())).toMatchObject({ code: 238, codeName: 'NotImplemented' });
      return;
    }
    expect((await collection.find(filter).toArray()).map((document) => document._id)).toEqual([2]);
  });
});
