import { Binary, Decimal128, Double, Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { type Document, decodeDocument, toView } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { Query, queryOptions } from './context.js';

const stored = (document: Document) => toView(decodeDocument(serialize(document)));
const test = (operator: string, mask: unknown, value: unknown) => new Query({ v: { [operator]: mask } }, queryOptions()).test(stored({ v: value }));

describe('bitwise query operators', () => {
  it('test the whole signed 64-bit integer, sign-extended past bit 63', () => {
    expect(test('$bitsAllSet', [40], Long.fromString('1099511627776'))).toBe(true);
    expect(test('$bitsAllSet', [8], Long.fromString('1099511627776'))).toBe(false);
    expect(test('$bitsAllSet', [62, 0], Long.fromString('4611686018427387905'))).toBe(true);
    expect(test('$bitsAllSet', [63, 64, 1000], -2)).toBe(true);
    expect(test('$bitsAnySet', [0], -2)).toBe(false);
    expect(test('$bitsAllClear', [100], 5)).toBe(true);
    expect(test('$bitsAnyClear', [0, 2], 5)).toBe(false);
    expect(test('$bitsAnyClear', [0, 1], 5)).toBe(true);
  });

  it('take a numeric mask or a BinData mask (little-endian; bytes past the 8th are the sign bit)', () => {
    expect(test('$bitsAllSet', 5, 13)).toBe(true);
    expect(test('$bitsAllSet', 2 ** 40, Long.fromString('1099511627776'))).toBe(true);
    expect(test('$bitsAllSet', new Binary(Buffer.from([0b101]), 0), 13)).toBe(true);
    expect(test('$bitsAllSet', new Binary(Buffer.from([0, 1]), 0), 256)).toBe(true);
    expect(test('$bitsAnySet', new Binary(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1]), 0), -1)).toBe(true);
    expect(test('$bitsAnySet', new Binary(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1]), 0), 1)).toBe(false);
  });

  it('read a BinData value as a little-endian bitmask, clear past its bytes', () => {
    const value = new Binary(Buffer.from([0b101, 0b1000_0000]), 0);
    expect(test('$bitsAllSet', [0, 2, 15], value)).toBe(true);
    expect(test('$bitsAnySet', [1, 8, 16, 64], value)).toBe(false);
    expect(test('$bitsAllSet', 0b101, value)).toBe(true);
    expect(test('$bitsAllClear', new Binary(Buffer.from([0b10]), 0), value)).toBe(true);
  });

  it('match integral doubles and decimals only, and no other type; arrays through an element', () => {
    expect(test('$bitsAllSet', [1], new Double(2))).toBe(true);
    expect(test('$bitsAllSet', [1], Decimal128.fromString('2'))).toBe(true);
    expect(test('$bitsAllClear', [0], 2.5)).toBe(false);
    expect(test('$bitsAllClear', [0], 2 ** 63)).toBe(false);
    expect(test('$bitsAllClear', [0], 'text')).toBe(false);
    expect(test('$bitsAllClear', [0], null)).toBe(false);
    expect(test('$bitsAnySet', [3], [1, 8])).toBe(true);
  });

  it('refuse bad masks with MongoDB codes', () => {
    const refusal = (mask: unknown) => {
      try {
        test('$bitsAllSet', mask, 1);
      } catch (error) {
        return error instanceof CommandError ? error.codeName : error;
      }
      return undefined;
    };
    expect(refusal(-1)).toBe('FailedToParse');
    expect(refusal(1.5)).toBe('FailedToParse');
    expect(refusal([-1])).toBe('BadValue');
    expect(refusal([1.5])).toBe('BadValue');
    expect(refusal(['a'])).toBe('BadValue');
    expect(refusal('a')).toBe('BadValue');
  });
});
