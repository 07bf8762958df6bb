import { Query } from 'mingo/query';
import * as queryOperators from 'mingo/operators/query';
import type { Any, AnyObject, Options } from 'mingo/types';
import { isEqual } from 'mingo/util';
import { isPlainObject } from '../bson-values.js';
import { compareBinData, isBinData } from './bson-types.js';
import { leafValues } from './leaf-values.js';

type QueryOperator = typeof queryOperators.$eq;
type Predicate = (document: AnyObject) => boolean;

function containsBinData(value: unknown): boolean {
  if (isBinData(value)) return true;
  if (Array.isArray(value)) return value.some(containsBinData);
  return isPlainObject(value) && Object.values(value).some(containsBinData);
}

/**
 * BSON equality where BinData is equal only with the same subtype and bytes. mingo compares two
 * Binary values by their UTF-8 decoding, so different invalid sequences (0xfe and 0xff) were equal
 * and the subtype was ignored. Documents compare field by field in order, as BSON does.
 */
function bsonEquals(a: unknown, b: unknown): boolean {
  if (isBinData(a) || isBinData(b)) return isBinData(a) && isBinData(b) && compareBinData(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => bsonEquals(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const [left, right] = [Object.entries(a), Object.entries(b)];
    return left.length === right.length && left.every(([key, item], index) => key === right[index]?.[0] && bsonEquals(item, right[index]?.[1]));
  }
  return isEqual(a, b);
}

/** `$eq` of a value holding BinData; mingo's own for every other value. */
const $eq: QueryOperator = (selector, value, options) => {
  if (!containsBinData(value)) return queryOperators.$eq(selector, value, options);
  return (document) => leafValues(document, selector, 'view').some((leaf) => bsonEquals(leaf, value));
};

const $ne: QueryOperator = (selector, value, options) => {
  if (!containsBinData(value)) return queryOperators.$ne(selector, value, options);
  const equals = $eq(selector, value, options);
  return (document) => !equals(document);
};

/** `$in` as MongoDB defines it, one equality (or regex) per element, when an element holds BinData. */
function anyOf(selector: string, value: Any, options: Options): Predicate {
  const clauses = (value as unknown[]).map((element) => new Query({ [selector]: element }, options));
  return (document) => clauses.some((clause) => clause.test(document));
}

const $in: QueryOperator = (selector, value, options) =>
  Array.isArray(value) && containsBinData(value) ? anyOf(selector, value, options) : queryOperators.$in(selector, value, options);

const $nin: QueryOperator = (selector, value, options) => {
  if (!Array.isArray(value) || !containsBinData(value)) return queryOperators.$nin(selector, value, options);
  const matchesAny = anyOf(selector, value, options);
  return (document) => !matchesAny(document);
};

/**
 * A range operator that, against BinData, uses MongoDB's order (length, then subtype, then bytes)
 * and BinData of any subtype (mingo compares bytes only, and never a UUID with another Binary).
 */
function rangeOperator(mingoOperator: QueryOperator, holds: (order: number) => boolean): QueryOperator {
  return (selector, value, options) => {
    if (!isBinData(value)) return mingoOperator(selector, value, options);
    return (document) => leafValues(document, selector, 'view').some((leaf) => isBinData(leaf) && holds(compareBinData(leaf, value)));
  };
}

export const binDataComparisonFixes = {
  $eq,
  $ne,
  $in,
  $nin,
  $gt: rangeOperator(queryOperators.$gt, (order) => order > 0),
  $gte: rangeOperator(queryOperators.$gte, (order) => order >= 0),
  $lt: rangeOperator(queryOperators.$lt, (order) => order < 0),
  $lte: rangeOperator(queryOperators.$lte, (order) => order <= 0),
};
