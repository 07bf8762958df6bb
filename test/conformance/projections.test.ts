import { describe, expect, it } from 'vitest';
import { Long, type Document } from 'mongodb';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * find projections (and findAndModify's `fields`), as MongoDB 7.0 applies them: the rules of
 * src/mongo/db/query/projection_parser.cpp (what a projection is and which ones are refused) and
 * of its executor (inclusions keep the document's field order, `$slice` and `.$` apply to the
 * projected document, `$elemMatch` and expressions are computed fields).
 */
const conformance = useConformanceDatabase('projections');
/** Tests use numbers as _id, which the driver's default schema type forbids. */
type Row = Document & { _id?: number };

/** The documents of a fresh collection holding `documents`, found with `filter` and `projection`. */
async function projected(documents: Row[], projection: Document, filter: Document = {}): Promise<Document[]> {
  const collection = conformance.collection<Row>('projections');
  await collection.insertMany(documents);
  return collection.find(filter, { projection, sort: { _id: 1 } }).toArray();
}

/** The refusal of a find with `projection` (on a collection holding one document, since some are refused only then). */
async function refusal(projection: Document, filter: Document = {}) {
  const collection = conformance.collection<Row>('refusals');
  await collection.insertOne({ _id: 1, arr: [1, 2, 3], a: { b: [1] } });
  return serverError(collection.find(filter, { projection }).toArray());
}

async function expectRefusal(projection: Document, code: number, message: string, filter: Document = {}) {
  const error = await refusal(projection, filter);
  expect({ code: error.code, codeName: error.codeName }).toEqual({ code, codeName: `Location${code}` });
  expect(error.message).toContain(message);
}

const item = { _id: 1, arr: [1, 2, 3, 4, 5], name: 'ada', secret: 's', other: true };

describe('$slice projections', () => {
  it('MongoDB: { arr: { $slice: 2 } } alone keeps every field, with arr cut to its first two elements', async () => {
    expect(await projected([item], { arr: { $slice: 2 } })).toEqual([{ ...item, arr: [1, 2] }]);
  });

  it('MongoDB: a negative $slice keeps the last elements', async () => {
    expect(await projected([item], { arr: { $slice: -2 } })).toEqual([{ ...item, arr: [4, 5] }]);
  });

  it('MongoDB: $slice beside an exclusion ({ secret: 0, arr: { $slice: -1 } }) is an exclusion projection', async () => {
    const { secret: _secret, ...rest } = item;
    expect(await projected([item], { secret: 0, arr: { $slice: -1 } })).toEqual([{ ...rest, arr: [5] }]);
  });

  it('MongoDB: $slice beside an inclusion returns only _id, the included fields and the sliced array, in document order', async () => {
    expect(await projected([item], { name: 1, arr: { $slice: 1 } })).toEqual([{ _id: 1, arr: [1], name: 'ada' }]);
    expect(Object.keys((await projected([item], { name: 1, arr: { $slice: 1 } }))[0]!)).toEqual(['_id', 'arr', 'name']);
  });

  it('MongoDB: { _id: 1, arr: { $slice: 1 } } is an inclusion of _id and arr only', async () => {
    expect(await projected([item], { _id: 1, arr: { $slice: 1 } })).toEqual([{ _id: 1, arr: [1] }]);
  });

  it('MongoDB: [skip, limit] skips from the start, a negative skip counts from the end, a skip past the end gives []', async () => {
    expect(await projected([item], { _id: 0, arr: { $slice: [1, 2] } })).toEqual([{ ...without(item, '_id'), arr: [2, 3] }]);
    expect(await projected([item], { _id: 0, arr: { $slice: [-4, 2] } })).toEqual([{ ...without(item, '_id'), arr: [2, 3] }]);
    expect(await projected([item], { _id: 0, arr: { $slice: [-9, 2] } })).toEqual([{ ...without(item, '_id'), arr: [1, 2] }]);
    expect(await projected([item], { _id: 0, arr: { $slice: [9, 2] } })).toEqual([{ ...without(item, '_id'), arr: [] }]);
  });

  it('MongoDB: a nested $slice ({ "a.b": { $slice: 1 } }) cuts the array in every subdocument and leaves other values alone', async () => {
    const documents = [
      { _id: 1, a: { b: [1, 2, 3], c: 'kept' } },
      { _id: 2, a: [{ b: [1, 2] }, { b: [3, 4] }, 5, [{ b: [6, 7] }]] },
      { _id: 3, a: { b: 'not an array' } },
    ];
    expect(await projected(documents, { 'a.b': { $slice: 1 } })).toEqual([
      { _id: 1, a: { b: [1], c: 'kept' } },
      { _id: 2, a: [{ b: [1] }, { b: [3] }, 5, [{ b: [6, 7] }]] },
      { _id: 3, a: { b: 'not an array' } },
    ]);
  });

  it('MongoDB: a sliced array keeps the BSON types of its elements', async () => {
    const collection = conformance.collection<Row>('slice_types');
    await collection.insertOne({ _id: 1, longs: [Long.fromNumber(7), Long.fromNumber(8)] });
    const [found] = await collection.find({}, { projection: { longs: { $slice: 1 } }, promoteLongs: false }).toArray();
    expect(found).toEqual({ _id: 1, longs: [Long.fromNumber(7)] });
  });

  it('MongoDB: a $slice that is not find() syntax is the $slice expression, a computed field of an inclusion', async () => {
    expect(await projected([item], { arr: { $slice: ['$arr', -1] } })).toEqual([{ _id: 1, arr: [5] }]);
    expect(await projected([item], { arr: { $slice: ['$arr', 1, 2] } })).toEqual([{ _id: 1, arr: [2, 3] }]);
  });

  it('MongoDB: a $slice that is neither find() syntax nor the $slice expression fails with 28667', async () => {
    await expectRefusal({ arr: { $slice: 'x' } }, 28667, 'Invalid $slice syntax');
    await expectRefusal({ arr: { $slice: [1, 2, 3, 4] } }, 28667, 'Invalid $slice syntax');
  });
});

describe('the positional projection', () => {
  it("MongoDB: { 'arr.$': 1 } returns the first element matching the query's condition on arr", async () => {
    const documents = [{ _id: 1, arr: [1, 5, 8, 10], name: 'ada' }];
    expect(await projected(documents, { 'arr.$': 1 }, { arr: { $gte: 6 } })).toEqual([{ _id: 1, arr: [8] }]);
  });

  it('MongoDB: on an array of subdocuments it returns the first subdocument the query matched', async () => {
    const documents = [{ _id: 1, items: [{ sku: 'a', q: 1 }, { sku: 'b', q: 2 }, { sku: 'b', q: 3 }], name: 'ada' }];
    expect(await projected(documents, { 'items.$': 1 }, { 'items.sku': 'b' })).toEqual([{ _id: 1, items: [{ sku: 'b', q: 2 }] }]);
    expect(await projected(documents, { 'items.$': 1, name: 1 }, { items: { $elemMatch: { sku: 'b', q: { $gt: 2 } } } })).toEqual([
      { _id: 1, items: [{ sku: 'b', q: 3 }], name: 'ada' },
    ]);
  });

  it('MongoDB: findAndModify applies its positional fields with its query', async () => {
    const collection = conformance.collection<Row>('positional_fam');
    await collection.insertOne({ _id: 1, items: [{ sku: 'a' }, { sku: 'b' }], name: 'ada' });
    const before = await collection.findOneAndUpdate(
      { 'items.sku': 'b' },
      { $set: { name: 'bob' } },
      { projection: { 'items.$': 1 }, returnDocument: 'before' },
    );
    expect(before).toEqual({ _id: 1, items: [{ sku: 'b' }] });
  });

  it('MongoDB: findAndModify refuses a projection it cannot parse before it writes anything', async () => {
    const collection = conformance.collection<Row>('refused_fam');
    await collection.insertOne({ _id: 1, a: 1, b: 2 });
    const error = await serverError(collection.findOneAndUpdate({ _id: 1 }, { $set: { a: 9 } }, { projection: { a: 1, b: 0 } }));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 31254, codeName: 'Location31254' });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1, b: 2 });
  });

  it('MongoDB: a field that is no array is returned as it is', async () => {
    expect(await projected([{ _id: 1, arr: 3, b: 1 }], { 'arr.$': 1 }, { arr: 3 })).toEqual([{ _id: 1, arr: 3 }]);
  });

  it('MongoDB: without a condition on the array in the query it fails with 51246', async () => {
    await expectRefusal({ 'arr.$': 1 }, 51246, "positional operator '.$' couldn't find a matching element in the array");
    await expectRefusal({ 'arr.$': 1 }, 51246, "positional operator '.$' couldn't find a matching element in the array", { _id: 1 });
  });

  it('MongoDB: a second positional (31276), one in the middle of a path (31394), an excluded one (31395) are refused', async () => {
    await expectRefusal({ 'arr.$': 1, 'a.b.$': 1 }, 31276, 'Cannot specify more than one positional projection per query.', { arr: 1 });
    await expectRefusal({ 'a.$.b': 1 }, 31394, "illegal to specify positional operator in the middle of a path", { a: 1 });
    await expectRefusal({ 'arr.$': 0 }, 31395, 'positional projection cannot be used with exclusion', { arr: 1 });
  });

  it('MongoDB: positional and $elemMatch together are refused (31256 and 31255)', async () => {
    await expectRefusal({ a: { $elemMatch: { b: 1 } }, 'arr.$': 1 }, 31256, 'Cannot specify positional operator and $elemMatch.', { arr: 1 });
    await expectRefusal({ 'arr.$': 1, a: { $elemMatch: { b: 1 } } }, 31255, 'Cannot specify positional operator and $elemMatch.', { arr: 1 });
  });
});

describe('$elemMatch projections', () => {
  const scores = [
    { _id: 1, name: 'ada', scores: [70, 85, 90] },
    { _id: 2, name: 'bob', scores: [60] },
    { _id: 3, name: 'cy', scores: 95 },
  ];

  it('MongoDB: with only operators ({ $gte: 80 }) it returns the first scalar element matching them', async () => {
    expect(await projected(scores, { scores: { $elemMatch: { $gte: 80 } } })).toEqual([{ _id: 1, scores: [85] }, { _id: 2 }, { _id: 3 }]);
  });

  it('MongoDB: on subdocuments it returns the first matching one; the field is a computed field, after the included ones', async () => {
    const students = [{ _id: 1, students: [{ school: 100, age: 7 }, { school: 102, age: 8 }, { school: 102, age: 9 }], zip: '63109' }];
    const [found] = await projected(students, { zip: 1, students: { $elemMatch: { school: 102 } } });
    expect(found).toEqual({ _id: 1, zip: '63109', students: [{ school: 102, age: 8 }] });
    expect(Object.keys(found!)).toEqual(['_id', 'zip', 'students']);
  });

  it('MongoDB: $elemMatch on a nested field (31275) or with a non-document argument (31274) is refused', async () => {
    await expectRefusal({ 'a.b': { $elemMatch: { $gte: 1 } } }, 31275, 'Cannot use $elemMatch projection on a nested field.');
    await expectRefusal({ arr: { $elemMatch: 1 } }, 31274, 'elemMatch: Invalid argument, object required');
  });
});

describe('inclusion and exclusion', () => {
  const document = { _id: 1, a: 1, b: 2, c: 3, x: { p: 1, q: 2, r: 3 } };

  it("MongoDB: an inclusion returns the fields in the document's order, not the projection's", async () => {
    const [found] = await projected([document], { b: 1, a: 1 });
    expect(found).toEqual({ _id: 1, a: 1, b: 2 });
    expect(Object.keys(found!)).toEqual(['_id', 'a', 'b']);
  });

  it("MongoDB: a nested inclusion keeps the subdocument's order too", async () => {
    const [found] = await projected([document], { 'x.q': 1, 'x.p': 1 });
    expect(Object.keys(found!.x as Document)).toEqual(['p', 'q']);
    const [merged] = await projected([document], { x: { r: 1, p: 1 } });
    expect(merged).toEqual({ _id: 1, x: { p: 1, r: 3 } });
    expect(Object.keys(merged!.x as Document)).toEqual(['p', 'r']);
  });

  it('MongoDB: an inclusion through an array keeps each subdocument (even emptied) and drops scalars; an exclusion keeps scalars', async () => {
    const documents = [{ _id: 1, a: [{ b: 1, c: 2 }, 3, { c: 4 }, [{ b: 5, c: 6 }]] }];
    expect(await projected(documents, { 'a.b': 1 })).toEqual([{ _id: 1, a: [{ b: 1 }, {}, [{ b: 5 }]] }]);
    expect(await projected(documents, { 'a.b': 0 })).toEqual([{ _id: 1, a: [{ c: 2 }, 3, { c: 4 }, [{ c: 6 }]] }]);
  });

  it('MongoDB: _id: 0 drops _id from an inclusion; _id: 1 in an exclusion keeps it', async () => {
    expect(await projected([document], { _id: 0, a: 1 })).toEqual([{ a: 1 }]);
    expect(await projected([document], { _id: 1, a: 0, x: 0 })).toEqual([{ _id: 1, b: 2, c: 3 }]);
    expect(await projected([document], { _id: 1 })).toEqual([{ _id: 1 }]);
    expect(await projected([document], { _id: 0 })).toEqual([without(document, '_id')]);
  });

  it('MongoDB: mixing inclusion and exclusion fails with 31254 or 31253, whichever comes second', async () => {
    await expectRefusal({ a: 1, b: 0 }, 31254, 'Cannot do exclusion on field b in inclusion projection');
    await expectRefusal({ a: 0, b: 1 }, 31253, 'Cannot do inclusion on field b in exclusion projection');
  });

  it('MongoDB: a path and one inside it collide (31249 and 31250)', async () => {
    await expectRefusal({ a: 1, 'a.b': 1 }, 31249, 'Path collision at a.b remaining portion b');
    await expectRefusal({ 'a.b': 1, a: 1 }, 31250, 'Path collision at a');
  });

  it('MongoDB: an empty sub-projection (51270), a $-prefixed field (16410) and an unknown operator (31325) are refused', async () => {
    await expectRefusal({ a: {} }, 51270, 'empty sub-projection');
    await expectRefusal({ $a: 1 }, 16410, "FieldPath field names may not start with '$'.");
    await expectRefusal({ a: { $unknownOperator: 1 } }, 31325, 'Unknown expression $unknownOperator');
  });
});

describe('expressions in find projections', () => {
  const document = { _id: 1, a: 2, b: 3, c: 4 };

  it("MongoDB: { total: { $add: ['$a', '$b'] } } is a computed field of an inclusion projection", async () => {
    expect(await projected([document], { total: { $add: ['$a', '$b'] } })).toEqual([{ _id: 1, total: 5 }]);
  });

  it('MongoDB: computed fields come after the included ones, in projection order', async () => {
    const [found] = await projected([document], { total: { $add: ['$a', '$b'] }, c: 1, label: 'x', copy: '$a' });
    expect(found).toEqual({ _id: 1, c: 4, total: 5, label: 'x', copy: 2 });
    expect(Object.keys(found!)).toEqual(['_id', 'c', 'total', 'label', 'copy']);
  });

  it('MongoDB: a nested computed field ({ "x.y": { $literal: 1 } }) builds the subdocument', async () => {
    expect(await projected([document], { _id: 0, 'x.y': { $literal: 1 } })).toEqual([{ x: { y: 1 } }]);
  });

  it('MongoDB: an expression or literal in an exclusion projection is refused (31252, 31310)', async () => {
    await expectRefusal({ a: 0, total: { $add: ['$a', '$b'] } }, 31252, 'Cannot use expression other than $meta in exclusion projection');
    await expectRefusal({ a: 0, label: 'x' }, 31310, 'in an exclusion projection');
    await expectRefusal({ total: { $add: ['$a', '$b'] }, a: 0 }, 31254, 'Cannot do exclusion on field a in inclusion projection');
  });

  it('the embedded database refuses $meta projections with 238 NotImplemented', async () => {
    if (!conformance.embedded) return; // real MongoDB's $meta depends on text and search indexes
    const error = await refusal({ score: { $meta: 'textScore' } });
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 238, codeName: 'NotImplemented' });
  });
});

function without(document: Document, field: string): Document {
  const { [field]: _omitted, ...rest } = document;
  return rest;
}
