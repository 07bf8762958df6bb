import { type Document, isPlainObject, toView } from './bson-values.js';
import { CommandError } from './errors.js';
import { formatShellValue } from './indexes.js';
import { Query, queryOptions } from './mingo/context.js';

/** An update operator's field path split at its dots, positional segments (`$`, `$[]`, `$[id]`) included. */
export type FieldPath = readonly string[];

const FIRST_MATCH = '$';
const EVERY_ELEMENT = '$[]';
const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;

function filteredIdentifier(segment: string): string | undefined {
  return segment.startsWith('$[') && segment.endsWith(']') && segment !== EVERY_ELEMENT ? segment.slice(2, -1) : undefined;
}

export function isPositional(segment: string): boolean {
  return segment === FIRST_MATCH || segment === EVERY_ELEMENT || filteredIdentifier(segment) !== undefined;
}

export function isArrayIndex(segment: string): boolean {
  return /^\d+$/.test(segment);
}

/** Splits and checks one field path of an update operator, as MongoDB parses it. */
export function parseFieldPath(path: string): FieldPath {
  if (path === '') throw new CommandError('EmptyFieldName', 'An empty update path is not valid.');
  const segments = path.split('.');
  if (segments.includes('')) {
    throw new CommandError('EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  }
  if (segments[0] === FIRST_MATCH) {
    throw new CommandError('BadValue', `Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  }
  if (segments[0] !== undefined && isPositional(segments[0])) {
    throw new CommandError('BadValue', `Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`);
  }
  if (segments.filter((segment) => segment === FIRST_MATCH).length > 1) {
    throw new CommandError('BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  }
  for (const segment of segments) {
    const identifier = filteredIdentifier(segment);
    if (identifier !== undefined && identifier !== '' && !IDENTIFIER.test(identifier)) {
      throw new CommandError('BadValue', `The array filter identifier '${identifier}' in path '${path}' must be an alphanumeric string beginning with a lowercase letter`);
    }
    // A `$`-prefixed name that is no positional operator would be stored as a field name.
    if (segment.startsWith('$') && !isPositional(segment)) {
      throw new CommandError('DollarPrefixedFieldName', `The dollar ($) prefixed field '${segment}' in '${path}' is not valid for storage.`);
    }
  }
  return segments;
}

function isPrefixOf(shorter: FieldPath, longer: FieldPath): boolean {
  return shorter.length <= longer.length && shorter.every((segment, index) => segment === longer[index]);
}

/**
 * MongoDB refuses an update where one path is another or lies under it, whatever their operators
 * ('a' and 'a.b', or 'arr.$.a' and 'arr.$.a.b'); siblings under one positional segment ('arr.$.a'
 * and 'arr.$.b') are separate fields and are both applied.
 */
export function assertNoConflicts(paths: readonly { path: string; segments: FieldPath }[]): void {
  const byLength = [...paths].sort((a, b) => a.segments.length - b.segments.length);
  byLength.forEach((shorter, index) => {
    const longer = byLength.slice(index + 1).find((candidate) => isPrefixOf(shorter.segments, candidate.segments));
    if (longer) {
      throw new CommandError('ConflictingUpdateOperators', `Updating the path '${longer.path}' would create a conflict at '${shorter.path}'`);
    }
  });
}

/** MongoDB applies an update's fields in this order: names lexicographically, array indexes numerically. */
export function compareFieldPaths(a: FieldPath, b: FieldPath): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const x = a[index] as string;
    const y = b[index] as string;
    if (x === y) continue;
    if (isArrayIndex(x) && isArrayIndex(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The `arrayFilters` of an update by identifier, compiled, after MongoDB's checks. */
export type ArrayFilters = ReadonlyMap<string, Query>;

export function parseArrayFilters(arrayFilters: readonly Document[] | undefined): ArrayFilters {
  const filters = new Map<string, Query>();
  for (const filter of arrayFilters ?? []) {
    const identifiers = [...new Set(Object.keys(filter).map((key) => key.split('.')[0] as string))];
    if (identifiers.length === 0) {
      throw new CommandError('FailedToParse', 'Cannot use an expression without a top-level field name in arrayFilters');
    }
    if (identifiers.length > 1) {
      throw new CommandError('FailedToParse', `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${identifiers[0]}' and '${identifiers[1]}'`);
    }
    const identifier = identifiers[0] as string;
    if (!IDENTIFIER.test(identifier)) {
      throw new CommandError('BadValue', `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${identifier}'`);
    }
    if (filters.has(identifier)) throw new CommandError('FailedToParse', `Found multiple array filters with the same top-level field name ${identifier}`);
    filters.set(identifier, new Query(toView(filter), queryOptions()));
  }
  return filters;
}

/** MongoDB refuses a path naming an identifier no array filter defines, and an array filter no path uses. */
export function assertArrayFiltersMatchPaths(filters: ArrayFilters, paths: readonly { path: string; segments: FieldPath }[]): void {
  const used = new Set<string>();
  for (const { path, segments } of paths) {
    for (const identifier of segments.map(filteredIdentifier)) {
      if (identifier === undefined) continue;
      if (!filters.has(identifier)) throw new CommandError('BadValue', `No array filter found for identifier '${identifier}' in path '${path}'`);
      used.add(identifier);
    }
  }
  const unused = [...filters.keys()].find((identifier) => !used.has(identifier));
  if (unused !== undefined) throw new CommandError('FailedToParse', `The array filter for identifier '${unused}' was not used in the update`);
}

/** What resolves positional segments: the statement's filter for `$`, its array filters for `$[id]`. */
export type PositionalContext = {
  filter: Document;
  arrayFilters: ArrayFilters;
  /** An upsert's new document matched nothing, so `$` has no element. */
  inserting: boolean;
};

function childOf(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return isArrayIndex(segment) ? value[Number(segment)] : undefined;
  return isPlainObject(value) && Object.hasOwn(value, segment) ? value[segment] : undefined;
}

/** The filter's conditions on an array path (top level or in a top-level `$and`), which `$` resolves with. */
function conditionsOn(filter: Document, arrayPath: string): Document[] {
  return Object.entries(filter).flatMap(([key, condition]): Document[] => {
    if (key === '$and' && Array.isArray(condition)) return condition.filter(isPlainObject).flatMap((clause) => conditionsOn(clause, arrayPath));
    return key === arrayPath || key.startsWith(`${arrayPath}.`) ? [{ [key]: condition }] : [];
  });
}

function nestedUnder(segments: FieldPath, leaf: unknown): unknown {
  return segments.reduceRight<unknown>((inner, segment) => Object.fromEntries([[segment, inner]]), leaf);
}

const NO_POSITIONAL_MATCH = 'The positional operator did not find the match needed from the query.';

/** The index `$` stands for: the first element of the array that the filter's conditions on it match. */
function firstMatchIndex(array: unknown, arraySegments: FieldPath, context: PositionalContext): number {
  const conditions = context.inserting ? [] : conditionsOn(context.filter, arraySegments.join('.'));
  if (!Array.isArray(array) || conditions.length === 0) throw new CommandError('BadValue', NO_POSITIONAL_MATCH);
  const query = new Query(toView({ $and: conditions }), queryOptions());
  const index = array.findIndex((element) => query.test(nestedUnder(arraySegments, [toView(element)]) as Document));
  if (index < 0) throw new CommandError('BadValue', NO_POSITIONAL_MATCH);
  return index;
}

/**
 * The concrete paths (positional segments replaced by array indexes) that a path names in a
 * document. They are resolved on the document before the update, as MongoDB matches `$` and
 * array filters once, so changing one field of an element does not unmatch its siblings.
 */
export function concretePaths(document: Document, segments: FieldPath, context: PositionalContext): string[][] {
  const paths: string[][] = [];
  const walk = (value: unknown, index: number, taken: string[]): void => {
    const segment = segments[index];
    if (segment === undefined) {
      paths.push(taken);
      return;
    }
    if (!isPositional(segment)) {
      walk(childOf(value, segment), index + 1, [...taken, segment]);
      return;
    }
    if (segment === FIRST_MATCH) {
      const position = firstMatchIndex(value, taken, context);
      walk((value as unknown[])[position], index + 1, [...taken, String(position)]);
      return;
    }
    if (value === undefined) {
      throw new CommandError('BadValue', `The path '${taken.join('.')}' must exist in the document in order to apply array updates.`);
    }
    if (!Array.isArray(value)) {
      throw new CommandError('BadValue', `Cannot apply array updates to non-array element ${taken.at(-1) ?? ''}: ${formatShellValue(value)}`);
    }
    const identifier = filteredIdentifier(segment);
    const filter = identifier === undefined ? undefined : context.arrayFilters.get(identifier);
    value.forEach((element, position) => {
      if (!filter || filter.test({ [identifier as string]: toView(element) })) walk(element, index + 1, [...taken, String(position)]);
    });
  };
  walk(document, 0, []);
  return paths;
}
