import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { compareValues, valuesEqual } from './bson-order.js';

describe('compareValues', () => {
  it("orders values of different types in MongoDB's canonical order", () => {
    const ascending = [
      new MinKey(),
      undefined,
      null,
      Number.NaN,
      -1,
      new BSONSymbol('a'),
      'b',
      { a: 1 },
      [1],
      new Binary(Buffer.from([9])),
      new ObjectId('64b7f0000000000000000000'),
      false,
      true,
      new Date(0),
      new Timestamp({ t: 1, i: 0 }),
      /a/,
      new Code('f()'),
      new MaxKey(),
    ];
    for (const [index, value] of ascending.entries()) {
      for (const later of ascending.slice(index + 1)) {
        expect(compareValues(value, later), `${String(value)} < ${String(later)}`).toBe(-1);
        expect(compareValues(later, value)).toBe(1);
      }
    }
  });

  it('compares numbers by value across int, long, double and decimal, typed or not', () => {
    expect(valuesEqual(1, Long.fromNumber(1))).toBe(true);
    expect(valuesEqual(new Double(1), new Int32(1))).toBe(true);
    expect(compareValues(Decimal128.fromString('2.5'), 2)).toBe(1);
    expect(compareValues(Long.fromString('9007199254740993'), Long.fromString('9007199254740992'))).toBe(1);
    expect(valuesEqual(Number.NaN, Number.NaN)).toBe(true);
  });

  it('compares documents field by field in order: value type, then name, then value; arrays element by element', () => {
    expect(valuesEqual({ x: 1, y: 2 }, { y: 2, x: 1 })).toBe(false);
    expect(compareValues({ a: 'x' }, { b: 1 })).toBe(1); // a string field sorts after a number field, whatever the names
    expect(compareValues({ a: 1 }, { b: 1 })).toBe(-1);
    expect(compareValues({ a: 1 }, { a: 1, b: 0 })).toBe(-1);
    expect(compareValues([1, 2], [1, 3])).toBe(-1);
    expect(compareValues([2], [1, 3])).toBe(1);
  });

  it('compares strings by UTF-8 bytes, Timestamps by time then increment, regexes by pattern then flags', () => {
    expect(compareValues('\u{1F600}', '\uFF5E')).toBe(1); // UTF-16 code units would say otherwise
    expect(valuesEqual(new BSONSymbol('a'), 'a')).toBe(true);
    expect(compareValues(new Timestamp({ t: 1, i: 9 }), new Timestamp({ t: 2, i: 0 }))).toBe(-1);
    expect(compareValues(new Timestamp({ t: 0xffffffff, i: 0 }), new Timestamp({ t: 1, i: 0 }))).toBe(1);
    expect(valuesEqual(/a/i, new BSONRegExp('a', 'i'))).toBe(true);
    expect(compareValues(/a/, /a/i)).toBe(-1);
  });
});
