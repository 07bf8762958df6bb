import { Binary, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb';
import type { Document, Sort } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * Sorting, as MongoDB 7.0 orders values (its "Comparison/Sort Order"). Every expectation is what a
 * real MongoDB answers, so this file runs unchanged against one through `MONGODB_URI`.
 */
const conformance = useConformanceDatabase('sort-order');

/** Inserts `documents` and returns their `_id`s in the order find (and an aggregation `$sort`) returns them. */
async function sortedIds(documents: Document[], sort: Sort & Document): Promise<unknown[]> {
  const collection = conformance.collection('docs');
  await collection.insertMany(documents.map((document) => ({ ...document })));
  const found = (await collection.find({}, { sort }).toArray()).map((document) => document._id);
  const aggregated = (await collection.aggregate([{ $sort: sort }]).toArray()).map((document) => document._id);
  expect(aggregated).toEqual(found);
  return found;
}

describe('sort order across BSON types', () => {
  const everyType: Document[] = [
    { _id: 1, v: new MaxKey() },
    { _id: 2, v: /a/ },
    { _id: 3, v: new Timestamp({ t: 1, i: 1 }) },
    { _id: 4, v: new Date(0) },
    { _id: 5, v: true },
    { _id: 6, v: new ObjectId('64b7f0000000000000000000') },
    { _id: 7, v: new Binary(Buffer.from([1])) },
    { _id: 8, v: { x: 1 } },
    { _id: 9, v: 'a' },
    { _id: 10, v: 2 },
    { _id: 11, v: null },
    { _id: 12 },
    { _id: 13, v: new MinKey() },
  ];

  it('MongoDB: ascending is MinKey, null and missing alike, numbers, strings, documents, BinData, ObjectId, booleans, dates, Timestamps, regexes, MaxKey', async () => {
    expect(await sortedIds(everyType, { v: 1, _id: 1 })).toEqual([13, 11, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('MongoDB: descending is the reverse, null and missing still tied', async () => {
    expect(await sortedIds(everyType, { v: -1, _id: 1 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
});

describe('sort order of arrays, documents and BinData', () => {
  it('MongoDB: an array sorts by its smallest element ascending and its largest descending; an empty array before null', async () => {
    const docs = [{ _id: 1, v: [3, 1] }, { _id: 2, v: 2 }, { _id: 3, v: [] }, { _id: 4 }, { _id: 5, v: [5] }];
    expect(await sortedIds(docs, { v: 1, _id: 1 })).toEqual([3, 4, 1, 2, 5]);
    expect(await sortedIds(docs, { v: -1, _id: 1 })).toEqual([5, 1, 2, 4, 3]);
  });

  it('MongoDB: documents sort field by field in order, by name then value; the shorter first', async () => {
    const docs = [{ _id: 1, v: { y: 0 } }, { _id: 2, v: { x: 2 } }, { _id: 3, v: { x: 1, y: 9 } }, { _id: 4, v: { x: 1 } }];
    expect(await sortedIds(docs, { v: 1 })).toEqual([4, 3, 2, 1]);
  });

  it('MongoDB: BinData sorts by length, then subtype, then bytes', async () => {
    const docs = [
      { _id: 1, v: new Binary(Buffer.from([0, 0]), 0) },
      { _id: 2, v: new Binary(Buffer.from([0xff]), 5) },
      { _id: 3, v: new Binary(Buffer.from([0xff]), 0) },
      { _id: 4, v: new Binary(Buffer.from([0x01]), 0) },
    ];
    expect(await sortedIds(docs, { v: 1 })).toEqual([4, 3, 2, 1]);
  });

  it('MongoDB: a path through an array of documents sorts by the values it reaches, a missing one as null', async () => {
    const docs = [{ _id: 1, a: [{ b: 5 }, { b: 2 }] }, { _id: 2, a: [{ b: 3 }] }, { _id: 3, a: [{ b: 4 }, { c: 1 }] }];
    expect(await sortedIds(docs, { 'a.b': 1, _id: 1 })).toEqual([3, 1, 2]);
    expect(await sortedIds(docs, { 'a.b': -1, _id: 1 })).toEqual([1, 3, 2]);
  });
});

describe('sort specifications', () => {
  it('MongoDB: a sort direction other than 1 or -1 fails (15975)', async () => {
    const collection = conformance.collection('docs');
    await collection.insertOne({ v: 1 });
    const expected = { code: 15975, codeName: 'Location15975', message: expect.stringContaining('$sort key ordering must be 1 (for ascending) or -1 (for descending)') };
    // The driver checks find's sort itself, so the command goes as it is.
    expect(await serverError(conformance.db.command({ find: collection.collectionName, sort: { v: 2 } }))).toMatchObject(expected);
    expect(await serverError(collection.aggregate([{ $sort: { v: 0 } }]).toArray())).toMatchObject(expected);
  });
});

describe('a hinted index scan', () => {
  it('MongoDB: reads the index in the same order across BSON types (MinKey, null and missing, numbers, strings, ObjectId, dates, MaxKey)', async () => {
    const collection = conformance.collection<{ _id: number; v: unknown }>('hinted');
    await collection.insertMany([
      { _id: 1, v: new MaxKey() },
      { _id: 2, v: new Date(0) },
      { _id: 3, v: new ObjectId('64b7f0000000000000000000') },
      { _id: 4, v: 'a' },
      { _id: 5, v: 2 },
      { _id: 6, v: null },
      { _id: 7, v: new MinKey() },
    ]);
    await collection.createIndex({ v: 1 }, { name: 'v_1' });
    const ids = (await collection.find({}, { hint: 'v_1' }).toArray()).map((document) => document._id);
    expect(ids).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const descending = (await collection.find({}, { hint: 'v_1', sort: { v: -1 } }).toArray()).map((document) => document._id);
    expect(descending).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
