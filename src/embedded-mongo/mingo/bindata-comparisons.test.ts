import { Binary, UUID } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Document } from '../bson-values.js';
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
