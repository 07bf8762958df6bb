import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, serialize } from 'bson';
import { compare } from 'mingo/util';
import { encodesAsInt32, isPlainObject, toNumber, toView } from './bson-values.js';

/** MongoDB's name of a typed value's BSON type, as its error messages spell it ("int", "binData"…). */
export function bsonTypeName(value: unknown): string {
  if (typeof value === 'number') return encodesAsInt32(value) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (isPlainObject(value)) return 'object';
  if (value instanceof Double) return 'double';
  if (value instanceof Int32) return 'int';
  if (value instanceof Long) return 'long';
  if (value instanceof Decimal128) return 'decimal';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp || value instanceof BSONRegExp) return 'regex';
  if (value instanceof ObjectId) return 'objectId';
  if (value instanceof Binary) return 'binData';
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof Code) return 'javascript';
  if (value instanceof BSONSymbol) return 'symbol';
  if (value instanceof MinKey) return 'minKey';
  if (value instanceof MaxKey) return 'maxKey';
  return 'object';
}

/** Whether a typed value is a BSON number of any of the four numeric types. */
export function isBsonNumber(value: unknown): boolean {
  return typeof value === 'number' || value instanceof Double || value instanceof Int32 || value instanceof Long || value instanceof Decimal128;
}

function sameNumber(a: unknown, b: unknown): boolean {
  // Two Longs compare exactly (beyond 2^53); any other mix by numeric value, NaN equal to NaN as in BSON order.
  if (a instanceof Long && b instanceof Long) return a.equals(b);
  const x = toNumber(a) as number;
  const y = toNumber(b) as number;
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

/**
 * MongoDB's equality of two values (a BSON comparison answering 0), which `$addToSet`, `$pull` and
 * `$pullAll` use: numbers by value across types (1, 1.0 and Long(1) are equal), documents field by
 * field in order, arrays element by element, and every other value by its exact BSON bytes (so a
 * BinData of another subtype is another value).
 */
export function bsonEquals(a: unknown, b: unknown): boolean {
  if (isBsonNumber(a) || isBsonNumber(b)) return isBsonNumber(a) && isBsonNumber(b) && sameNumber(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => bsonEquals(item, b[index]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    return keysA.length === keysB.length && keysA.every((key, index) => key === keysB[index] && bsonEquals(a[key], b[key]));
  }
  return sameBytes(a, b);
}

/** Whether two typed values encode to the same BSON type and bytes (MongoDB's binaryEqualValues). */
export function sameBytes(a: unknown, b: unknown): boolean {
  return Buffer.from(serialize({ v: a })).equals(Buffer.from(serialize({ v: b })));
}

/** BSON order of two typed values (as mingo orders them, see the README), for `$min`, `$max` and `$push`'s `$sort`. */
export function compareBson(a: unknown, b: unknown): number {
  return compare(toView(a), toView(b));
}
