import { type Document, defineField, isPlainObject, isRegex } from './bson-values.js';
import { CommandError } from './errors.js';

/**
 * The fields an upsert copies from its filter into the document it inserts, as MongoDB 7.0 finds
 * them (UpdateDriver::populateDocumentWithQueryFields, pathsupport::extractFullEqualityMatches):
 * the equality conditions of the optimized filter — `{ a: v }`, `{ a: { $eq: v } }`, a one-element
 * `$in` or `$all`, each clause of an `$and`, the only clause of an `$or` — but no regular
 * expression, no other operator, nothing under `$nor`/`$not`. Two equalities on one path, or on a
 * path and a path below it, cannot both be set, and fail with 54 NotSingleValueField.
 * jstests/core/write/update/upsert_fields.js records these answers.
 */
type Equality = { path: string; value: unknown };

/** A one-element `$in`'s value, or `$all`'s values: the equalities MongoDB's optimizer rewrites them to. */
function operatorEqualities(path: string, operators: Document): Equality[] {
  return Object.entries(operators).flatMap(([operator, operand]): Equality[] => {
    if (operator === '$eq') return [{ path, value: operand }];
    if (operator === '$in' && Array.isArray(operand) && operand.length === 1 && !isRegex(operand[0])) return [{ path, value: operand[0] }];
    if (operator === '$all' && Array.isArray(operand)) {
      return operand.filter((value) => !isRegex(value) && !(isPlainObject(value) && Object.hasOwn(value, '$elemMatch'))).map((value) => ({ path, value }));
    }
    return [];
  });
}

function filterEqualities(filter: Document): Equality[] {
  return Object.entries(filter).flatMap(([key, condition]): Equality[] => {
    if (key === '$and' && Array.isArray(condition)) return condition.filter(isPlainObject).flatMap(filterEqualities);
    if (key === '$or' && Array.isArray(condition) && condition.length === 1 && isPlainObject(condition[0])) return filterEqualities(condition[0]);
    if (key.startsWith('$') || isRegex(condition)) return [];
    const first = isPlainObject(condition) ? Object.keys(condition)[0] : undefined;
    if (first?.startsWith('$')) return operatorEqualities(key, condition as Document);
    return [{ path: key, value: condition }];
  });
}

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`);
}

/** MongoDB's checkEqualityConflicts: no path may be matched twice, nor below another matched path. */
function assertNoConflicts(equalities: readonly Equality[]): void {
  equalities.forEach(({ path }, index) => {
    for (const other of equalities.slice(0, index)) {
      if (path === other.path) throw new CommandError('NotSingleValueField', `cannot infer query fields to set, path '${path}' is matched twice`);
      const [longer, shorter] = path.length > other.path.length ? [path, other.path] : [other.path, path];
      if (isUnder(longer, shorter)) throw new CommandError('NotSingleValueField', `cannot infer query fields to set, both paths '${longer}' and '${shorter}' are matched`);
    }
  });
}

function setAtPath(document: Document, path: string, value: unknown): void {
  const segments = path.split('.');
  let container = document;
  for (const segment of segments.slice(0, -1)) {
    if (!isPlainObject(container[segment])) container[segment] = {};
    container = container[segment] as Document;
  }
  defineField(container, segments.at(-1) as string, value);
}

/**
 * The document an upsert starts from. An operator update takes every equality; a replacement
 * only `_id`'s (other paths are ignored, even conflicting ones), which must name `_id` itself:
 * MongoDB refuses `{ '_id.x': 1 }` there with 111 NotExactValueField.
 */
export function upsertSeed(filter: Document, replacement: boolean): Document {
  let equalities = filterEqualities(filter);
  if (replacement) {
    equalities = equalities.filter(({ path }) => isUnder(path, '_id'));
    const nested = equalities.find(({ path }) => path !== '_id');
    if (nested) throw new CommandError('NotExactValueField', `field at '_id' must be exactly specified, field at sub-path '${nested.path}'found`);
  }
  assertNoConflicts(equalities);
  const seed: Document = {};
  for (const { path, value } of equalities) setAtPath(seed, path, value);
  return seed;
}
