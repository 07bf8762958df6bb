import { Binary, Double, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import type { Document } from './bson-values.js';
import { applyOperators, parseOperators } from './update-operators.js';

const apply = (document: Document, operators: Document, filter: Document = {}, arrayFilters?: Document[]): Document =>
  applyOperators(document, parseOperators(operators, arrayFilters), { filter, inserting: false });

const refusal = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

describe('applyOperators', () => {
  it('never mutates the original document, and keeps exact BSON types of untouched values', () => {
    const original = { _id: 1, n: Long.fromNumber(1), arr: [new Double(2), 2.5] };
    const updated = apply(original, { $push: { arr: 3 }, $inc: { n: 1 } });
    expect(original).toEqual({ _id: 1, n: Long.fromNumber(1), arr: [new Double(2), 2.5] });
    expect(updated).toEqual({ _id: 1, n: Long.fromNumber(2), arr: [new Double(2), 2.5, 3] });
  });

  it('applies one parsed update to many documents, each getting its own copy of the values it adds', () => {
    const parsed = parseOperators({ $push: { arr: { $each: [{ v: 1 }], $sort: { v: -1 } } }, $pull: { old: { $gte: 2 } }, $set: { 'list.$[big].seen': true } }, [{ 'big.v': { $gte: 5 } }]);
    const [first, second] = [
      { _id: 1, arr: [{ v: 5 }], old: [1, 2], list: [{ v: 5 }, { v: 1 }] },
      { _id: 2, arr: [], old: [3], list: [] },
    ].map((document) => applyOperators(document, parsed, { filter: {}, inserting: false }));
    expect(first).toEqual({ _id: 1, arr: [{ v: 5 }, { v: 1 }], old: [1], list: [{ v: 5, seen: true }, { v: 1 }] });
    expect(second).toEqual({ _id: 2, arr: [{ v: 1 }], old: [], list: [] });
    expect((first?.arr as unknown[])[1]).not.toBe((second?.arr as unknown[])[0]);
  });

  it('$pull reads $or as a query on each document element, field operators on each element, other values as equality', () => {
    const doc = { _id: 1, items: [{ a: 1 }, { b: 2 }, { a: 0 }], n: [1, new Double(1), [1], 6, 7], r: ['ab', 'cd'] };
    expect(apply(doc, { $pull: { items: { $or: [{ a: 1 }, { b: 2 }] }, n: 1, r: /^a/ } })).toEqual({ _id: 1, items: [{ a: 0 }], n: [[1], 6, 7], r: ['cd'] });
    expect(apply(doc, { $pull: { n: { $gte: 6 } } }).n).toEqual([1, new Double(1), [1]]);
  });

  it('$set replaces a value of another BSON type or BinData subtype, even when mingo would call them equal', () => {
    const doc = { _id: 1, b: new Binary(Buffer.from([1]), 0), n: 1 };
    const updated = apply(doc, { $set: { b: new Binary(Buffer.from([1]), 4), n: new Double(1) } });
    expect((updated.b as Binary).sub_type).toBe(4);
    expect(updated.n).toBeInstanceOf(Double);
  });

  it('refuses a change of _id but not a $set to its exact current value', () => {
    expect(apply({ _id: 1, a: 1 }, { $set: { _id: 1 } })).toEqual({ _id: 1, a: 1 });
    expect(refusal(() => apply({ _id: 1 }, { $set: { _id: new Double(1) } }))).toMatchObject({ code: 66 });
    expect(refusal(() => apply({ _id: 1 }, { $unset: { _id: '' } }))).toMatchObject({ code: 66 });
  });

  it('applies sibling fields under one positional segment, matched once before the update', () => {
    const doc = { _id: 1, arr: [{ k: 1 }, { k: 2 }] };
    expect(apply(doc, { $set: { 'arr.$.k': 3, 'arr.$.b': 4 } }, { 'arr.k': 2 }).arr).toEqual([{ k: 1 }, { k: 3, b: 4 }]);
    expect(apply(doc, { $set: { 'arr.$[x].k': 0, 'arr.$[x].b': 1 } }, {}, [{ 'x.k': 1 }]).arr).toEqual([{ k: 0, b: 1 }, { k: 2 }]);
    expect(apply(doc, { $inc: { 'arr.$[].k': 1 }, $set: { 'arr.$[].c': true } }).arr).toEqual([{ k: 2, c: true }, { k: 3, c: true }]);
  });

  it('refuses each operator on a value of the wrong type with MongoDB code', () => {
    const doc = { _id: 1, x: 5, s: 'text', arr: [{ a: 1 }] };
    expect(refusal(() => apply(doc, { $push: { x: 1 } }))).toMatchObject({ code: 2, message: "The field 'x' must be an array but is of type int in document {_id: 1}" });
    expect(refusal(() => apply(doc, { $addToSet: { x: 1 } }))).toMatchObject({ code: 2 });
    expect(refusal(() => apply(doc, { $pop: { x: 1 } }))).toMatchObject({ code: 14 });
    expect(refusal(() => apply(doc, { $pull: { x: 1 } }))).toMatchObject({ code: 2, message: 'Cannot apply $pull to a non-array value' });
    expect(refusal(() => apply(doc, { $inc: { s: 1 } }))).toMatchObject({ code: 14 });
    expect(refusal(() => apply(doc, { $set: { 'arr.a': 1 } }))).toMatchObject({ code: 28, message: "Cannot create field 'a' in element {arr: [ { a: 1 } ]}" });
    expect(refusal(() => apply(doc, { $set: { 'x.a': 1 } }))).toMatchObject({ code: 28, message: "Cannot create field 'a' in element {x: 5}" });
    expect(refusal(() => apply(doc, { $pull: { 'x.a': 1 } }))).toMatchObject({ code: 28 });
    expect(apply(doc, { $unset: { 'x.a': '', 'arr.a': '' } })).toEqual(doc);
  });

  it('keeps an own __proto__ key of a $set value as a field, without touching any prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Document;
    const updated = apply({ _id: 1 }, { $set: { v: value } });
    expect(Object.keys(updated.v as Document)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(updated.v)).toBe(Object.prototype);
    expect(({} as Document).polluted).toBeUndefined();
  });

  it('$push applies $each, $position, $sort and $slice in that order; $addToSet compares as BSON', () => {
    const doc = { _id: 1, arr: [3, 1], set: [1, { a: 1, b: 2 }] };
    expect(apply(doc, { $push: { arr: { $each: [5, 2], $position: 0, $sort: -1, $slice: 3 } } }).arr).toEqual([5, 3, 2]);
    expect(apply(doc, { $addToSet: { set: { $each: [new Double(1), { b: 2, a: 1 }, { b: 2, a: 1 }] } } }).set).toEqual([1, { a: 1, b: 2 }, { b: 2, a: 1 }]);
  });

  it('$rename refuses a target on the same path as its source, and a source below a scalar', () => {
    expect(refusal(() => apply({ _id: 1, a: 1 }, { $rename: { a: 'a.b' } }))).toMatchObject({ code: 2, message: expect.stringContaining('must not be on the same path: a: "a.b"') });
    expect(refusal(() => apply({ _id: 1, a: { b: 1 } }, { $rename: { 'a.b': 'a' } }))).toMatchObject({ code: 2 });
    expect(refusal(() => apply({ _id: 1, a: 5 }, { $rename: { 'a.b': 'c' } }))).toMatchObject({ code: 28 });
    expect(refusal(() => apply({ _id: 1, a: [1] }, { $rename: { 'a.b': 'c' } }))).toMatchObject({ code: 28 });
    expect(apply({ _id: 1, a: {} }, { $rename: { 'a.b.c': 'c', ab: 'a.c' } })).toEqual({ _id: 1, a: {} });
  });

  it('$rename moves a value and $setOnInsert applies only when inserting', () => {
    expect(apply({ _id: 1, a: { b: 1 } }, { $rename: { 'a.b': 'c' }, $setOnInsert: { d: 1 } })).toEqual({ _id: 1, a: {}, c: 1 });
    expect(applyOperators({ _id: 1 }, parseOperators({ $setOnInsert: { d: 1 } }, undefined), { filter: {}, inserting: true })).toEqual({ _id: 1, d: 1 });
  });

  it('refuses unknown operators, conflicts and unused or unknown array filters', () => {
    expect(refusal(() => apply({}, { $frobnicate: { a: 1 } }))).toMatchObject({ code: 9 });
    expect(refusal(() => apply({}, { $set: { 'a.b': 1, a: 2 } }))).toMatchObject({ code: 40, message: "Updating the path 'a.b' would create a conflict at 'a'" });
    expect(refusal(() => apply({ arr: [] }, { $set: { 'arr.$[x].a': 1 } }))).toMatchObject({ code: 2 });
    expect(refusal(() => apply({ arr: [] }, { $set: { a: 1 } }, {}, [{ x: 1 }]))).toMatchObject({ code: 9 });
    expect(refusal(() => apply({ arr: [{ a: 1 }] }, { $set: { 'arr.$.a': 2 } }))).toMatchObject({ code: 2 });
  });
});
