import { Binary, Double, Long, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { bsonEquals, sameBytes } from './bson-equality.js';
import { bsonTypeOf } from './mingo/bson-types.js';

describe('bsonEquals', () => {
  it('compares numbers by value across types, documents in field order, other values by their bytes', () => {
    expect(bsonEquals(1, new Double(1))).toBe(true);
    expect(bsonEquals(Long.fromNumber(1), 1)).toBe(true);
    expect(bsonEquals({ a: 1, b: 2 }, { a: 1, b: 2 })).toBe(true);
    expect(bsonEquals({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(bsonEquals([1], 1)).toBe(false);
    expect(bsonEquals(new ObjectId('64b7f0000000000000000000'), new ObjectId('64b7f0000000000000000000'))).toBe(true);
    expect(bsonEquals(new Binary(Buffer.from([1]), 0), new Binary(Buffer.from([1]), 4))).toBe(false);
  });

  it('sameBytes tells BSON types apart; bsonTypeOf names them as MongoDB', () => {
    expect(sameBytes(1, new Double(1))).toBe(false);
    expect(sameBytes(1, 1)).toBe(true);
    expect([1, 1.5, new Double(1), Long.fromNumber(1), new Timestamp({ t: 1, i: 1 }), 'x', null, [], {}].map((value) => bsonTypeOf(value))).toEqual([
      'int',
      'double',
      'double',
      'long',
      'timestamp',
      'string',
      'null',
      'array',
      'object',
    ]);
  });
});
