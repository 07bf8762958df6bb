import { Binary, MaxKey, MinKey, Timestamp, UUID } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Document } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { compareBinData } from './bson-types.js';
import { Query, queryOptions } from './context.js';

const bin = (bytes: number[], subtype = 0) => new Binary(Buffer.from(bytes), subtype);
const matches = (filter: Document, document: Document) => new Query(filter, queryOptions()).test(document);

describe('BinData order', () => {
  it('is by length, then subtype, then bytes', () => {
    expect(compareBinData(bin([0xff]), bin([0, 0]))).toBeLessThan(0);
    expect(compareBinData(bin([0, 0], 5), bin([1, 0], 0))).toBeGreaterThan(0);
    expect(compareBinData(bin([1, 0]), bin([0, 1]))).toBeGreaterThan(0);
    expect(compareBinData(bin([1, 2], 4), new UUID('01020000-0000-0000-0000-000000000000'))).toBeLessThan(0);
  });

  it('is a total order consistent with equality of subtype and bytes', () => {
    const binary = fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.integer({ min: 0, max: 8 })).map(([bytes, subtype]) => new Binary(bytes, subtype));
    fc.assert(
      fc.property(binary, binary, (a, b) => {
        expect(Math.sign(compareBinData(a, b)) + Math.sign(compareBinData(b, a))).toBe(0);
        const same = a.sub_type === b.sub_type && Buffer.from(a.buffer.subarray(0, a.position)).equals(Buffer.from(b.buffer.subarray(0, b.position)));
        expect(compareBinData(a, b) === 0).toBe(same);
      }),
    );
  });
});

describe('comparison operators on BinData', () => {
  it('range operators use that order, on BinData of any subtype only', () => {
    expect(matches({ b: { $gt: bin([0, 0]) } }, { b: bin([0xff]) })).toBe(false);
    expect(matches({ b: { $gt: bin([0, 0]) } }, { b: bin([0, 0], 5) })).toBe(true);
    expect(matches({ b: { $gte: bin([0, 0]) } }, { b: [bin([9]), bin([0, 0])] })).toBe(true);
    expect(matches({ b: { $lt: new UUID() } }, { b: bin([1]) })).toBe(true);
    expect(matches({ b: { $lte: bin([0]) } }, { b: 'a' })).toBe(false);
    // Not BinData on the right: mingo's own comparison.
    expect(matches({ n: { $gt: 1 } }, { n: 2 })).toBe(true);
  });

  it('equality compares subtype and every byte, also inside arrays and documents', () => {
    expect(matches({ b: bin([0xff]) }, { b: bin([0xfe]) })).toBe(false);
    expect(matches({ b: bin([0xff]) }, { b: bin([0xff], 5) })).toBe(false);
    expect(matches({ b: bin([0xff]) }, { b: [bin([0xff])] })).toBe(true);
    expect(matches({ b: [bin([0xff])] }, { b: [bin([0xfe])] })).toBe(false);
    expect(matches({ b: { k: bin([1]) } }, { b: { k: bin([1]) } })).toBe(true);
    expect(matches({ 'a.b': bin([1]) }, { a: [{ b: bin([2]) }, { b: bin([1]) }] })).toBe(true);
    expect(matches({ b: { $ne: bin([0xff]) } }, { b: bin([0xfe]) })).toBe(true);
    expect(matches({ b: { $ne: bin([0xff]) } }, {})).toBe(true);
  });

  it('$in and $nin with BinData are one equality (or regex) per element', () => {
    expect(matches({ b: { $in: [bin([0xfe]), /^x/] } }, { b: bin([0xff]) })).toBe(false);
    expect(matches({ b: { $in: [bin([0xfe]), /^x/] } }, { b: 'xy' })).toBe(true);
    expect(matches({ b: { $in: [bin([0xfe]), null] } }, {})).toBe(true);
    expect(matches({ b: { $nin: [bin([0xfe])] } }, { b: bin([0xff]) })).toBe(true);
    expect(matches({ b: { $nin: [bin([0xff])] } }, { b: bin([0xff]) })).toBe(false);
  });
});

describe('equality of documents, Timestamps and $in, as MongoDB compares them', () => {
  it('compares embedded documents field by field in order, also through $eq, $ne, $in, $nin and inside arrays', () => {
    const document = { a: { x: 1, y: 2 }, list: [{ x: 1, y: 2 }] };
    expect(matches({ a: { x: 1, y: 2 } }, document)).toBe(true);
    expect(matches({ a: { y: 2, x: 1 } }, document)).toBe(false);
    expect(matches({ a: { $eq: { y: 2, x: 1 } } }, document)).toBe(false);
    expect(matches({ a: { $ne: { y: 2, x: 1 } } }, document)).toBe(true);
    expect(matches({ a: { $in: [{ y: 2, x: 1 }] } }, document)).toBe(false);
    expect(matches({ a: { $nin: [{ y: 2, x: 1 }] } }, document)).toBe(true);
    expect(matches({ list: { y: 2, x: 1 } }, document)).toBe(false);
    expect(matches({ list: { x: 1, y: 2 } }, document)).toBe(true);
  });

  it('matches a Timestamp only with a Timestamp, and ranges over Timestamps by time then increment', () => {
    const document = { ts: new Timestamp({ t: 5, i: 1 }) };
    expect(matches({ ts: 5 }, document)).toBe(false);
    expect(matches({ ts: { $gt: 1 } }, document)).toBe(false);
    expect(matches({ ts: new Timestamp({ t: 5, i: 1 }) }, document)).toBe(true);
    expect(matches({ ts: { $gt: new Timestamp({ t: 4, i: 9 }) } }, document)).toBe(true);
    expect(matches({ ts: { $lt: new Timestamp({ t: 5, i: 2 }) } }, document)).toBe(true);
  });

  it('brackets range operators by type, except MinKey and MaxKey; $gte/$lte null are equality to null', () => {
    expect(matches({ n: { $gt: 1 } }, { n: 'x' })).toBe(false);
    expect(matches({ n: { $gt: new MinKey() } }, { n: 'x' })).toBe(true);
    expect(matches({ n: { $lt: new MaxKey() } }, { n: [1] })).toBe(true);
    expect(matches({ n: { $gte: null } }, {})).toBe(true);
    expect(matches({ n: { $gt: null } }, { n: null })).toBe(false);
    expect(matches({ a: { $gt: { x: 1 } } }, { a: { x: 2 } })).toBe(true);
  });

  it('refuses a non-array and operator documents in $in and $nin (2 BadValue), but takes a DBRef', () => {
    const refusal = (filter: Document) => {
      try {
        new Query(filter, queryOptions());
      } catch (error) {
        return error instanceof CommandError ? `${error.code} ${error.message}` : error;
      }
      return undefined;
    };
    expect(refusal({ a: { $in: 1 } })).toBe('2 $in needs an array');
    expect(refusal({ a: { $nin: 1 } })).toBe('2 $nin needs an array');
    expect(refusal({ a: { $in: [{ $gt: 1 }] } })).toBe('2 cannot nest $ under $in');
    expect(refusal({ a: { $nin: [{ $exists: true }] } })).toBe('2 cannot nest $ under $in');
    expect(refusal({ a: { $in: [{ $ref: 'c', $id: 1 }] } })).toBeUndefined();
  });
});
