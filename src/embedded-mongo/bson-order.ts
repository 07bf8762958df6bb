import { Decimal128, Double, Int32, Long, type Timestamp } from 'bson';
import { isPlainObject, toNumber } from './bson-values.js';
import { compareBinData } from './mingo/bson-types.js';

/**
 * MongoDB's comparison of two BSON values (BSONElement::compareElements), for a value in the typed
 * form or in the view form alike (see bson-values.ts): first by the canonical order of their types,
 *
 *   MinKey < undefined < null < numbers < string/symbol < object < array < BinData < ObjectId
 *          < boolean < Date < Timestamp < regex < JavaScript < MaxKey,
 *
 * then within a type: numbers by value across int, long, double and decimal (NaN below every
 * other number), strings by their UTF-8 bytes, documents field by field in order (each field by
 * its value's type, then its name, then its value; the shorter document first), arrays element by
 * element, BinData by length, subtype and bytes, Timestamps as unsigned (time, increment).
 */
export function compareValues(a: unknown, b: unknown): number {
  const [rankA, rankB] = [canonicalRank(a), canonicalRank(b)];
  if (rankA !== rankB) return rankA < rankB ? -1 : 1;
  switch (rankA) {
    case Rank.Number:
      return compareNumbers(a, b);
    case Rank.String:
      return Buffer.compare(Buffer.from(stringOf(a)), Buffer.from(stringOf(b)));
    case Rank.Object:
      return compareEntries(Object.entries(a as object), Object.entries(b as object));
    case Rank.Array:
      return compareEntries(Object.entries(a as unknown[]), Object.entries(b as unknown[]));
    case Rank.BinData:
      return compareBinData(a as never, b as never);
    case Rank.ObjectId:
      return Buffer.compare(bytesOfObjectId(a), bytesOfObjectId(b));
    case Rank.Boolean:
      return sign(Number(a) - Number(b));
    case Rank.Date:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case Rank.Timestamp:
      return compareTimestamps(a as Timestamp, b as Timestamp);
    case Rank.Regex:
      return compareRegex(a, b);
    case Rank.Code:
      return Buffer.compare(Buffer.from(String((a as { code: unknown }).code)), Buffer.from(String((b as { code: unknown }).code)));
    default:
      return 0; // MinKey, undefined, null and MaxKey each have one value.
  }
}

/** MongoDB's equality of two values: their comparison answers 0 (so `{ a: 1, b: 2 }` is not `{ b: 2, a: 1 }`). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** The canonical ranks of BSON types, in MongoDB's order (BSONType's canonicalizeBSONType). */
export const Rank = {
  MinKey: 0,
  Undefined: 1,
  Null: 2,
  Number: 3,
  String: 4,
  Object: 5,
  Array: 6,
  BinData: 7,
  ObjectId: 8,
  Boolean: 9,
  Date: 10,
  Timestamp: 11,
  Regex: 12,
  Code: 13,
  MaxKey: 14,
} as const;
type RankValue = (typeof Rank)[keyof typeof Rank];

const RANK_BY_BSONTYPE: Record<string, RankValue> = {
  MinKey: Rank.MinKey,
  MaxKey: Rank.MaxKey,
  Int32: Rank.Number,
  Double: Rank.Number,
  Long: Rank.Number,
  Decimal128: Rank.Number,
  BSONSymbol: Rank.String,
  Binary: Rank.BinData,
  ObjectId: Rank.ObjectId,
  Timestamp: Rank.Timestamp,
  BSONRegExp: Rank.Regex,
  Code: Rank.Code,
  DBRef: Rank.Object,
};

/** The canonical rank of a value's BSON type (a DBRef is a document, as it is stored as one). */
export function canonicalRank(value: unknown): RankValue {
  switch (typeof value) {
    case 'number':
      return Rank.Number;
    case 'string':
      return Rank.String;
    case 'boolean':
      return Rank.Boolean;
    case 'undefined':
      return Rank.Undefined;
    default:
  }
  if (value === null) return Rank.Null;
  if (Array.isArray(value)) return Rank.Array;
  if (value instanceof Date) return Rank.Date;
  if (value instanceof RegExp) return Rank.Regex;
  if (typeof value !== 'object' || isPlainObject(value)) return Rank.Object;
  const tag: unknown = (value as { _bsontype?: unknown })._bsontype;
  return (typeof tag === 'string' ? RANK_BY_BSONTYPE[tag] : undefined) ?? Rank.Object;
}

const sign = (difference: number): number => (difference < 0 ? -1 : difference > 0 ? 1 : 0);

function compareNumbers(a: unknown, b: unknown): number {
  // Two Longs compare exactly (beyond 2^53); every other mix by numeric value.
  if (a instanceof Long && b instanceof Long) return a.compare(b);
  const [x, y] = [numberOf(a), numberOf(b)];
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return sign(a.t - b.t) || sign(a.i - b.i);
}

function numberOf(value: unknown): number {
  if (value instanceof Decimal128 || value instanceof Long || value instanceof Double || value instanceof Int32) return toNumber(value) as number;
  return Number(value);
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { value: unknown }).value);
}

/** Documents and arrays: element by element, each by its type, its name (documents only differ there), then its value. */
function compareEntries(left: [string, unknown][], right: [string, unknown][]): number {
  const shared = Math.min(left.length, right.length);
  for (let index = 0; index < shared; index += 1) {
    const [[nameA, valueA], [nameB, valueB]] = [left[index]!, right[index]!];
    const [rankA, rankB] = [canonicalRank(valueA), canonicalRank(valueB)];
    if (rankA !== rankB) return rankA < rankB ? -1 : 1;
    const byName = Buffer.compare(Buffer.from(nameA), Buffer.from(nameB));
    if (byName !== 0) return byName;
    const byValue = compareValues(valueA, valueB);
    if (byValue !== 0) return byValue;
  }
  return sign(left.length - right.length);
}

function bytesOfObjectId(value: unknown): Buffer {
  return Buffer.from((value as { id: Uint8Array }).id);
}

function compareRegex(a: unknown, b: unknown): number {
  const [left, right] = [regexParts(a), regexParts(b)];
  return Buffer.compare(Buffer.from(left.pattern), Buffer.from(right.pattern)) || Buffer.compare(Buffer.from(left.flags), Buffer.from(right.flags));
}

function regexParts(value: unknown): { pattern: string; flags: string } {
  if (value instanceof RegExp) return { pattern: value.source, flags: value.flags };
  const { pattern, options } = value as { pattern: string; options: string };
  return { pattern, flags: options };
}
