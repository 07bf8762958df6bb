import { Query } from 'mingo/query';
import type { Any, AnyObject, Options } from 'mingo/types';
import { isPlainObject } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { bitwiseOperatorFixes } from './bitwise-operators.js';
import { comparisonOperatorFixes } from './comparison-operators.js';
import { $type } from './type-operator.js';

/** The operators MongoDB accepts on a path, which `$all` refuses among its values. */
const PATH_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$all', '$elemMatch', '$size', '$exists', '$type', '$mod',
  '$regex', '$options', '$bitsAllSet', '$bitsAllClear', '$bitsAnySet', '$bitsAnyClear', '$near', '$nearSphere',
  '$geoWithin', '$within', '$geoIntersects',
]);

const firstKey = (value: unknown): string | undefined => (isPlainObject(value) ? Object.keys(value)[0] : undefined);

/**
 * MongoDB's `$all`: the `$and` of one clause per value, each an equality (a regular expression
 * matches as one), or all of them `$elemMatch` clauses; `$all: []` matches nothing. mingo required
 * the field to be an array, so `{ tags: { $all: ['a'] } }` missed `{ tags: 'a' }`.
 */
function $all(selector: string, value: Any, options: Options): (document: AnyObject) => boolean {
  if (!Array.isArray(value)) throw new CommandError('BadValue', '$all needs an array');
  const elemMatches = firstKey(value[0]) === '$elemMatch';
  const clauses = value.map((element: unknown) => {
    // The first value decides: all `$elemMatch` clauses, or values in which no operator may appear.
    if (elemMatches && firstKey(element) !== '$elemMatch') throw new CommandError('BadValue', '$all/$elemMatch has to be consistent');
    if (!elemMatches && PATH_OPERATORS.has(firstKey(element) ?? '')) throw new CommandError('BadValue', 'no $ expressions in $all');
    const condition = elemMatches || element instanceof RegExp ? element : { $eq: element };
    return new Query({ [selector]: condition }, options);
  });
  return (document) => clauses.length > 0 && clauses.every((clause) => clause.test(document));
}

/** Query operators that differ from mingo's, by name (each explained where it is defined). */
export const queryOperatorFixes = { $all, $type, ...comparisonOperatorFixes, ...bitwiseOperatorFixes };
