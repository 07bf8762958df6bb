import type { Binary } from 'bson';
import { encodesAsInt32, isPlainObject } from '../bson-values.js';

/** MongoDB's BSON type aliases and their numeric codes, as `$type` takes them. */
export const BSON_TYPE_CODES = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
} as const;

export type BsonTypeAlias = keyof typeof BSON_TYPE_CODES;

/** bson's classes by their `_bsontype` tag (which holds across copies of the bson package). */
const ALIAS_BY_BSONTYPE: Record<string, BsonTypeAlias> = {
  Binary: 'binData',
  ObjectId: 'objectId',
  BSONRegExp: 'regex',
  Code: 'javascript',
  BSONSymbol: 'symbol',
  Int32: 'int',
  Double: 'double',
  Timestamp: 'timestamp',
  Long: 'long',
  Decimal128: 'decimal',
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  DBRef: 'object',
};

function bsonTypeTag(value: object): string | undefined {
  const tag: unknown = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/**
 * The BSON type of a value in its typed form (see bson-values.ts): a plain number is an int32 when
 * bson encodes it so and a double otherwise; integral doubles, Longs and Decimal128s keep wrappers.
 */
export function bsonTypeOf(value: unknown): BsonTypeAlias {
  switch (typeof value) {
    case 'number':
      return encodesAsInt32(value) ? 'int' : 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'undefined';
    default:
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (typeof value !== 'object' || isPlainObject(value)) return 'object';
  const tag = bsonTypeTag(value);
  if (tag === 'Code' && (value as { scope?: unknown }).scope) return 'javascriptWithScope';
  return (tag === undefined ? undefined : ALIAS_BY_BSONTYPE[tag]) ?? 'object';
}

/** Whether a value is BSON BinData of any subtype (a UUID is a Binary of subtype 4). */
export function isBinData(value: unknown): value is Binary {
  return typeof value === 'object' && value !== null && bsonTypeTag(value) === 'Binary';
}

export function binDataBytes(value: Binary): Uint8Array {
  return value.buffer.subarray(0, value.position);
}

/** MongoDB's order of two BinData values: by length, then by subtype, then byte by byte. */
export function compareBinData(a: Binary, b: Binary): number {
  const [left, right] = [binDataBytes(a), binDataBytes(b)];
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  if (a.sub_type !== b.sub_type) return a.sub_type < b.sub_type ? -1 : 1;
  return Buffer.compare(left, right);
}
