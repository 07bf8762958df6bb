import * as queryOperators from 'mingo/operators/query';
import type { Any, AnyObject, Options } from 'mingo/types';
import { Rank, canonicalRank, compareValues, valuesEqual } from '../bson-order.js';
import { isPlainObject } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { leafValues } from './leaf-values.js';

type QueryOperator = typeof queryOperators.$eq;
type Predicate = (document: AnyObject) => boolean;

/**
 * MongoDB's `$eq`: some value the path reaches (the field, or an element of the array it holds)
 * equals the operand by BSON comparison (bson-order.ts), so documents are equal only field by
 * field in order, BinData only with the same subtype and bytes, a Timestamp only with a Timestamp.
 * mingo's equality ignored field order and compared class instances by their strings.
 * `null` keeps mingo's rule (it also matches a missing field).
 */
const $eq: QueryOperator = (selector, value, options) => {
  if (value === null || value === undefined) return queryOperators.$eq(selector, value, options);
  return (document) => leafValues(document, selector, 'view').some((leaf) => valuesEqual(leaf, value));
};

const $ne: QueryOperator = (selector, value, options) => {
  const equals = $eq(selector, value, options);
  return (document) => !equals(document);
};

/** A document whose first field is an operator, which `$in` refuses (a DBRef's `$ref`/`$id`/`$db` are allowed). */
function isOperatorDocument(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const [first] = Object.keys(value);
  return first !== undefined && first.startsWith('$') && !['$ref', '$id', '$db'].includes(first);
}

/** `$in`'s values as one equality (or, for a regular expression, one pattern match) each, refused as MongoDB does. */
function anyOf(operator: '$in' | '$nin', selector: string, value: Any, options: Options): Predicate {
  if (!Array.isArray(value)) throw new CommandError('BadValue', `${operator} needs an array`);
  const clauses = value.map((element: unknown) => {
    // MongoDB's parser says "$in" for $nin too.
    if (isOperatorDocument(element)) throw new CommandError('BadValue', 'cannot nest $ under $in');
    return element instanceof RegExp ? queryOperators.$regex(selector, element, options) : $eq(selector, element, options);
  });
  return (document) => clauses.some((clause) => clause(document));
}

const $in: QueryOperator = (selector, value, options) => anyOf('$in', selector, value, options);

const $nin: QueryOperator = (selector, value, options) => {
  const matchesAny = anyOf('$nin', selector, value, options);
  return (document) => !matchesAny(document);
};

/**
 * A range operator as MongoDB applies it: only to values of the operand's canonical type
 * ("type bracketing"), in BSON order, except that MinKey and MaxKey compare with every type;
 * `$gte: null` and `$lte: null` are `$eq: null`, `$gt: null` and `$lt: null` match nothing.
 */
function rangeOperator(holds: (order: number) => boolean, includesEqual: boolean): QueryOperator {
  return (selector, value, options) => {
    if (value === null) return includesEqual ? $eq(selector, value, options) : () => false;
    const rank = canonicalRank(value);
    const acrossTypes = rank === Rank.MinKey || rank === Rank.MaxKey;
    return (document) =>
      leafValues(document, selector, 'view').some((leaf) => (acrossTypes || canonicalRank(leaf) === rank) && holds(compareValues(leaf, value)));
  };
}

/** Comparison query operators that differ from mingo's, by name. */
export const comparisonOperatorFixes = {
  $eq,
  $ne,
  $in,
  $nin,
  $gt: rangeOperator((order) => order > 0, false),
  $gte: rangeOperator((order) => order >= 0, true),
  $lt: rangeOperator((order) => order < 0, false),
  $lte: rangeOperator((order) => order <= 0, true),
};
