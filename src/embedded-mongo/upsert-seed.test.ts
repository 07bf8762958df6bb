import { describe, expect, it } from 'vitest';
import { upsertSeed } from './upsert-seed.js';

describe('upsertSeed (jstests/core/write/update/upsert_fields.js)', () => {
  it('takes the equalities of an operator update: plain, $eq, one-element $in/$all, $and clauses, a lone $or clause', () => {
    expect(upsertSeed({ a: 1, b: { $eq: 2 }, c: { $in: [3] }, d: { $all: [4] }, $and: [{ e: 5 }], $or: [{ f: 6 }] }, false)).toEqual({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
    expect(upsertSeed({ 'x.y': 1, 'x.z': { $eq: 2 }, r: { $eq: /abc/ } }, false)).toEqual({ x: { y: 1, z: 2 }, r: /abc/ });
  });

  it('takes nothing from ranges, several $in values, $or of two clauses, $nor, $not, $elemMatch or a regular expression', () => {
    const filter = { a: { $gt: 1 }, b: { $in: [1, 2] }, $or: [{ c: 1 }, { c: 2 }], $nor: [{ d: 1 }], e: { $not: { $eq: 1 } }, f: { $elemMatch: { $eq: 1 } }, g: /abc/, h: { $exists: true } };
    expect(upsertSeed(filter, false)).toEqual({});
  });

  it('refuses a path matched twice or below another with 54 NotSingleValueField', () => {
    for (const filter of [{ x: { $all: [1, 2] } }, { $and: [{ x: 1 }, { x: 2 }] }, { x: 1, 'x.x': 1 }, { x: { x: 1 }, 'x.y': 1 }]) {
      expect(() => upsertSeed(filter, false)).toThrow(expect.objectContaining({ code: 54, message: expect.stringContaining('cannot infer query fields to set') }));
    }
  });

  it('takes only _id for a replacement, ignoring conflicts elsewhere, and refuses a nested _id path with 111', () => {
    expect(upsertSeed({ _id: { $in: [1] }, x: [1, { x: 1 }], 'x.x': 1 }, true)).toEqual({ _id: 1 });
    expect(() => upsertSeed({ '_id.x': 1, '_id.y': 2 }, true)).toThrow(expect.objectContaining({ code: 111 }));
    expect(upsertSeed({ '_id.x': 1, '_id.y': 2 }, false)).toEqual({ _id: { x: 1, y: 2 } });
  });
});
