import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, serialize } from 'bson';
import { compareValues, valuesEqual } from './bson-order.js';
import { encodesAsInt32, isPlainObject } from './bson-values.js';

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
  if (value instanceof Timestamp) return 'timestamp'; // before Long, which bson's Timestamp extends
  if (value instanceof Long) return 'long';
  if (value instanceof Decimal128) return 'decimal';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp || value instanceof BSONRegExp) return 'regex';
  if (value instanceof ObjectId) return 'objectId';
  if (value instanceof Binary) return 'binData';
  if (value instanceof Code) return 'javascript';
  if (value instanceof BSONSymbol) return 'symbol';
  if (value instanceof MinKey) return 'minKey';
  if (value instanceof MaxKey) return 'maxKey';
  return 'object';
}

/** Whether a typed value is a BSON number of any of the four numeric types. */
export function isBsonNumber(value: unknown): boolean {
  return typeof value === 'number' || value instanceof Double || value instanceof Int32 || (value instanceof Long && !(value instanceof Timestamp)) || value instanceof Decimal128;
}

/**
 * MongoDB's equality of two values (a BSON comparison answering 0), which `$addToSet`, `$pull` and
 * `$pullAll` use, the same rule as filters' (bson-order.ts): numbers by value across types (1, 1.0
 * and Long(1) are equal), documents field by field in order, arrays element by element, BinData
 * only with the same subtype and bytes.
 */
export const bsonEquals = valuesEqual;

/** Whether two typed values encode to the same BSON type and bytes (MongoDB's binaryEqualValues). */
export function sameBytes(a: unknown, b: unknown): boolean {
  // One value (an `_id` an update did not touch) encodes as itself, without serializing it twice.
  return Object.is(a, b) || Buffer.compare(serialize({ v: a }), serialize({ v: b })) === 0;
}

/** MongoDB's order of two typed values (bson-order.ts), for `$min`, `$max` and `$push`'s `$sort`. */
export const compareBson = compareValues;
