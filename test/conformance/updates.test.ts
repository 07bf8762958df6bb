import { describe, expect, it } from 'vitest';
import { Binary, Decimal128, Double, Long } from 'mongodb';
import type { Collection, Document, Filter, MongoServerError, UpdateFilter, UpdateOptions, UpdateResult } from 'mongodb';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * Update operators as MongoDB 7.0 applies them. Failing updates go through findOneAndUpdate, which
 * fails as a command and so carries `codeName` (a write error of updateOne carries only the code);
 * its message may be prefixed ("Plan executor error during findAndModify :: caused by :: "), so
 * messages are matched as substrings.
 */
const conformance = useConformanceDatabase('updates');

type Row = { _id: number; [field: string]: unknown };

/** A collection holding one document, for one test. */
async function holding(name: string, document: Row): Promise<Collection<Row>> {
  const collection = conformance.collection<Row>(name);
  await collection.insertOne(document);
  return collection;
}

/** The driver's types refuse operators on fields a row type does not name; these updates are untyped on purpose. */
function updateRow(collection: Collection<Row>, filter: Document, update: Document, options: UpdateOptions = {}): Promise<UpdateResult<Row>> {
  return collection.updateOne(filter as Filter<Row>, update as UpdateFilter<Row>, options);
}

async function refusal(collection: Collection<Row>, update: Document, filter: Document = { _id: 1 }): Promise<MongoServerError> {
  return serverError(collection.findOneAndUpdate(filter as Filter<Row>, update as UpdateFilter<Row>));
}

describe('$pull', () => {
  it('MongoDB: a condition with `$or` removes the elements matching either clause', async () => {
    const collection = await holding('pull_or', { _id: 1, items: [{ a: 1, b: 0 }, { a: 0, b: 2 }, { a: 0, b: 0 }] });
    const result = await updateRow(collection, { _id: 1 }, { $pull: { items: { $or: [{ a: 1 }, { b: 2 }] } } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, items: [{ a: 0, b: 0 }] });
  });

  it('MongoDB: a condition of field operators (`{ $gte: 6 }`) is matched against each scalar element', async () => {
    const collection = await holding('pull_scalars', { _id: 1, n: [5, 6, 7, 3, 8] });
    await updateRow(collection, { _id: 1 }, { $pull: { n: { $gte: 6 } } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, n: [5, 3] });
  });

  it('MongoDB: a document condition is a query on each document element (no `$elemMatch`; other fields may differ)', async () => {
    const collection = await holding('pull_document', { _id: 1, items: [{ a: 1, b: 1 }, { b: 2, a: 1, c: 3 }, { a: 2 }, 1] });
    await updateRow(collection, { _id: 1 }, { $pull: { items: { a: 1, b: { $gte: 2 } } } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, items: [{ a: 1, b: 1 }, { a: 2 }, 1] });
  });

  it('MongoDB: an exact document removes the elements that match it, whatever their field order', async () => {
    const collection = await holding('pull_exact', { _id: 1, items: [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 1, b: 3 }] });
    await updateRow(collection, { _id: 1 }, { $pull: { items: { a: 1, b: 2 } } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, items: [{ a: 1, b: 3 }] });
  });

  it('MongoDB: a scalar value removes the elements equal to it (1, 1.0 and Long(1) alike), not arrays containing it', async () => {
    const collection = await holding('pull_equal', { _id: 1, n: [1, new Double(1), Long.fromNumber(1), [1], 2] });
    await updateRow(collection, { _id: 1 }, { $pull: { n: 1 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, n: [[1], 2] });
  });

  it('MongoDB: `$pullAll` removes every element equal to one of its values', async () => {
    const collection = await holding('pull_all', { _id: 1, n: [1, 2, 3, 2, { a: 1 }] });
    await updateRow(collection, { _id: 1 }, { $pullAll: { n: [2, { a: 1 }] } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, n: [1, 3] });
  });

  it('MongoDB: `$pull`, `$pullAll` and `$pop` on a missing field change nothing', async () => {
    const collection = await holding('pull_missing', { _id: 1 });
    const result = await updateRow(collection, { _id: 1 }, { $pull: { a: 1 }, $pullAll: { b: [1] }, $pop: { c: 1 } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1 });
  });
});

describe('$set and BSON types', () => {
  it('MongoDB: a `$set` that only changes a BinData subtype stores the new subtype (modifiedCount 1)', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const collection = await holding('binary_subtype', { _id: 1, b: new Binary(bytes, 0) });
    const result = await updateRow(collection, { _id: 1 }, { $set: { b: new Binary(bytes, 5) } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const stored = await collection.findOne({ _id: 1 });
    expect((stored?.b as Binary).sub_type).toBe(5);
  });

  it('MongoDB: a `$set` from int32 1 to double 1.0 or to Long 1 is a modification; to the same int32 it is not', async () => {
    const collection = await holding('numeric_types', { _id: 1, d: 1, l: 1, same: 1 });
    const result = await updateRow(collection, { _id: 1 }, { $set: { d: new Double(1), l: Long.fromNumber(1), same: 1 } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const stored = await collection.findOne({ _id: 1 }, { promoteValues: false });
    expect(stored?.d).toBeInstanceOf(Double);
    expect(stored?.l).toBeInstanceOf(Long);
    expect(await updateRow(collection, { _id: 1 }, { $set: { same: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('MongoDB: `$inc` keeps the wider type: int + double is a double, an int32 overflow becomes a long', async () => {
    const collection = await holding('inc_types', { _id: 1, a: 1, b: 2147483647 });
    await updateRow(collection, { _id: 1 }, { $inc: { a: 0.5, b: 1 } });
    const stored = await collection.findOne({ _id: 1 }, { promoteValues: false });
    expect(stored?.a).toEqual(new Double(1.5));
    expect(stored?.b).toEqual(Long.fromNumber(2147483648));
  });

  it('MongoDB: `$inc` of a Decimal128 by a double adds the double rounded to 15 significant digits (1.1 + 0.1 is 1.200000000000000)', async () => {
    const collection = await holding('inc_decimal_double', { _id: 1, d: Decimal128.fromString('1.1') });
    await updateRow(collection, { _id: 1 }, { $inc: { d: 0.1 } });
    const stored = await collection.findOne({ _id: 1 });
    expect(stored?.d).toBeInstanceOf(Decimal128);
    expect(String(stored?.d)).toBe('1.200000000000000');
  });

  it('MongoDB: `$inc` past the largest long fails with 2 BadValue', async () => {
    const collection = await holding('inc_overflow', { _id: 1, n: Long.MAX_VALUE });
    const error = await refusal(collection, { $inc: { n: 1 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue' });
    expect(error.message).toContain('Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: 1}');
  });

  it('MongoDB: new fields are added in lexicographic order of their names, whatever the order of the update', async () => {
    const collection = await holding('field_order', { _id: 1, m: 0 });
    await updateRow(collection, { _id: 1 }, { $set: { z: 1, b: 1, 'c.y': 1, 'c.x': 1 }, $inc: { a: 1 } });
    const stored = await collection.findOne({ _id: 1 });
    expect(Object.keys(stored ?? {})).toEqual(['_id', 'm', 'a', 'b', 'c', 'z']);
    expect(Object.keys(stored?.c as Document)).toEqual(['x', 'y']);
  });
});

describe('_id', () => {
  it('MongoDB: a `$set` of `_id` to its current value is allowed and modifies nothing', async () => {
    const collection = await holding('id_same', { _id: 1, a: 1 });
    expect(await updateRow(collection, { _id: 1 }, { $set: { _id: 1, a: 2 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await updateRow(collection, { _id: 1 }, { $set: { _id: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2 });
  });

  it('MongoDB: a `$set` of `_id` to another value fails with 66 ImmutableField', async () => {
    const collection = await holding('id_other', { _id: 1 });
    const error = await refusal(collection, { $set: { _id: 2 } });
    expect(error).toMatchObject({ code: 66, codeName: 'ImmutableField' });
    expect(error.message).toContain("would modify the immutable field '_id'");
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1 });
  });
});

describe('positional paths', () => {
  it("MongoDB: two fields under `arr.$` are both set on the element the filter matched (it stays matched after the first)", async () => {
    const collection = await holding('positional_two', { _id: 1, arr: [{ k: 0 }, { k: 1 }, { k: 1 }] });
    await updateRow(collection, { _id: 1, 'arr.k': 1 }, { $set: { 'arr.$.k': 5, 'arr.$.b': 6 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [{ k: 0 }, { k: 5, b: 6 }, { k: 1 }] });
  });

  it('MongoDB: two fields under `arr.$[]` are both set on every element', async () => {
    const collection = await holding('all_positional_two', { _id: 1, arr: [{ k: 0 }, { k: 1 }] });
    await updateRow(collection, { _id: 1 }, { $set: { 'arr.$[].a': 1, 'arr.$[].b': 2 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [{ k: 0, a: 1, b: 2 }, { k: 1, a: 1, b: 2 }] });
  });

  it('MongoDB: two fields under `arr.$[x]` are both set on each element the array filter matched before the update', async () => {
    const collection = await holding('filtered_two', { _id: 1, arr: [{ k: 1 }, { k: 2 }, { k: 1 }] });
    await updateRow(collection, { _id: 1 }, { $set: { 'arr.$[x].k': 9, 'arr.$[x].b': 3 } }, { arrayFilters: [{ 'x.k': 1 }] });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [{ k: 9, b: 3 }, { k: 2 }, { k: 9, b: 3 }] });
  });

  it("MongoDB: overlapping paths ('arr.$.a' and 'arr.$.a.b') fail with 40 ConflictingUpdateOperators", async () => {
    const collection = await holding('positional_conflict', { _id: 1, arr: [{ a: { b: 1 } }] });
    const error = await refusal(collection, { $set: { 'arr.$.a': 1, 'arr.$.a.b': 2 } }, { _id: 1, 'arr.a.b': 1 });
    expect(error).toMatchObject({ code: 40, codeName: 'ConflictingUpdateOperators' });
    expect(error.message).toContain("Updating the path 'arr.$.a.b' would create a conflict at 'arr.$.a'");
  });

  it('MongoDB: the same path under two operators fails with 40 ConflictingUpdateOperators', async () => {
    const collection = await holding('operator_conflict', { _id: 1, a: 1 });
    const error = await refusal(collection, { $set: { a: 1 }, $inc: { a: 1 } });
    expect(error).toMatchObject({ code: 40, codeName: 'ConflictingUpdateOperators' });
    expect(error.message).toContain("Updating the path 'a' would create a conflict at 'a'");
  });
});

describe('operators on a value of the wrong type', () => {
  it("MongoDB: `$push` onto a non-array fails with 2 BadValue \"The field 'x' must be an array but is of type int in document {_id: 1}\"", async () => {
    const collection = await holding('push_scalar', { _id: 1, x: 5 });
    const error = await refusal(collection, { $push: { x: 1 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue' });
    expect(error.message).toContain("The field 'x' must be an array but is of type int in document {_id: 1}");
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, x: 5 });
  });

  it('MongoDB: `$push` onto a missing field creates the array', async () => {
    const collection = await holding('push_missing', { _id: 1 });
    await updateRow(collection, { _id: 1 }, { $push: { x: 1 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, x: [1] });
  });

  it('MongoDB: `$addToSet` onto a non-array fails with 2 BadValue', async () => {
    const collection = await holding('add_to_set_scalar', { _id: 1, x: 5 });
    const error = await refusal(collection, { $addToSet: { x: 1 } });
    expect(error).toMatchObject({ code: 2, codeName: 'BadValue' });
    expect(error.message).toContain("Cannot apply $addToSet to non-array field. Field named 'x' has non-array type int");
  });

  it('MongoDB: `$pop` on a non-array fails with 14 TypeMismatch', async () => {
    const collection = await holding('pop_scalar', { _id: 1, x: 'text' });
    const error = await refusal(collection, { $pop: { x: 1 } });
    expect(error).toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    expect(error.message).toContain("Path 'x' contains an element of non-array type 'string'");
  });

  it('MongoDB: `$pull` and `$pullAll` on a non-array fail with 2 BadValue "Cannot apply $pull to a non-array value"', async () => {
    const collection = await holding('pull_scalar', { _id: 1, x: 5 });
    for (const update of [{ $pull: { x: 5 } }, { $pullAll: { x: [5] } }]) {
      const error = await refusal(collection, update);
      expect(error).toMatchObject({ code: 2, codeName: 'BadValue' });
      expect(error.message).toContain('Cannot apply $pull to a non-array value');
    }
  });

  it('MongoDB: `$inc` on a non-number fails with 14 TypeMismatch', async () => {
    const collection = await holding('inc_string', { _id: 1, x: 'text' });
    const error = await refusal(collection, { $inc: { x: 1 } });
    expect(error).toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    expect(error.message).toContain("Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'x' of non-numeric type string");
  });

  it("MongoDB: `$set` through an array of documents ('arr.a') fails with 28 PathNotViable", async () => {
    const collection = await holding('set_through_array', { _id: 1, arr: [{ a: 0 }] });
    const error = await refusal(collection, { $set: { 'arr.a': 1 } });
    expect(error).toMatchObject({ code: 28, codeName: 'PathNotViable' });
    expect(error.message).toContain("Cannot create field 'a' in element {arr: [");
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [{ a: 0 }] });
  });

  it('MongoDB: `$set` past the end of an array pads with nulls, but not by more than 1,500,000 (34 CannotBackfillArray)', async () => {
    const collection = await holding('set_padding', { _id: 1, arr: [0] });
    await updateRow(collection, { _id: 1 }, { $set: { 'arr.3': 3 } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [0, null, null, 3] });
    const error = await refusal(collection, { $set: { 'arr.100000000': 1 } });
    expect(error).toMatchObject({ code: 34, codeName: 'CannotBackfillArray' });
    expect(error.message).toContain("can't backfill");
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [0, null, null, 3] });
  });

  it("MongoDB: `$set` through a scalar ('s.a' over s: 5) fails with 28 PathNotViable", async () => {
    const collection = await holding('set_through_scalar', { _id: 1, s: 5 });
    const error = await refusal(collection, { $set: { 's.a': 1 } });
    expect(error).toMatchObject({ code: 28, codeName: 'PathNotViable' });
    expect(error.message).toContain("Cannot create field 'a' in element {s: 5}");
  });

  it("MongoDB: `$set` with an array index ('arr.3') sets that element, padding with nulls", async () => {
    const collection = await holding('set_index', { _id: 1, arr: [0] });
    await updateRow(collection, { _id: 1 }, { $set: { 'arr.2': 2, 'arr.0': 'zero' } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, arr: ['zero', null, 2] });
  });
});

describe('a field named __proto__', () => {
  const withProto = (): Document => JSON.parse('{"__proto__": {"polluted": true}, "a": 2}') as Document;

  const ownKeys = (value: unknown): string[] => Object.keys(value as object);

  it('MongoDB: stores a field named __proto__ from an insert, a `$set` and a replacement, as any other field', async () => {
    const collection = await holding('proto', { _id: 1, inserted: withProto() });
    await updateRow(collection, { _id: 1 }, { $set: { updated: withProto() } });
    const stored = await collection.findOne({ _id: 1 });
    expect(ownKeys(stored?.inserted)).toEqual(['__proto__', 'a']);
    expect(ownKeys(stored?.updated)).toEqual(['__proto__', 'a']);
    await collection.replaceOne({ _id: 1 }, { replaced: withProto() });
    expect(ownKeys((await collection.findOne({ _id: 1 }))?.replaced)).toEqual(['__proto__', 'a']);
    expect(({} as Document).polluted).toBeUndefined();
  });
});

describe('$rename', () => {
  it("MongoDB: a target on the same path as the source ('a' to 'a.b', 'a.b' to 'a') fails with 2 BadValue", async () => {
    const collection = await holding('rename_same_path', { _id: 1, a: { b: 1 } });
    for (const rename of [{ a: 'a.b' }, { 'a.b': 'a' }]) {
      const error = await refusal(collection, { $rename: rename });
      expect(error).toMatchObject({ code: 2, codeName: 'BadValue' });
      expect(error.message).toContain('The source and target field for $rename must not be on the same path');
    }
  });

  it("MongoDB: a source path through a scalar ('a.b' over a: 5) fails with 28 PathNotViable; a missing one changes nothing", async () => {
    const collection = await holding('rename_not_viable', { _id: 1, a: 5, m: {} });
    expect(await refusal(collection, { $rename: { 'a.b': 'c' } })).toMatchObject({ code: 28, codeName: 'PathNotViable' });
    expect(await updateRow(collection, { _id: 1 }, { $rename: { 'm.x.y': 'c' } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('MongoDB: a rename onto an existing field replaces its value', async () => {
    const collection = await holding('rename_overwrite', { _id: 1, a: 1, b: 2 });
    await updateRow(collection, { _id: 1 }, { $rename: { a: 'b' } });
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, b: 1 });
  });
});
