import { Decimal128, Double, Int32, Long, Timestamp, serialize } from 'bson';
import { compareValues, valuesEqual } from './bson-order.js';

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
