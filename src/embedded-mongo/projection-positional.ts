import { type Document, isPlainObject } from './bson-values.js';
import { Query, queryOptions } from './mingo/context.js';

/**
 * Which element of an array the query matched, for the positional projection `path.$`. MongoDB
 * records it while matching (MatchDetails' elemMatchKey): the index, in the first array on a
 * condition's path, of the element that satisfied the condition. Negations (`$ne`, `$nin`, `$not`)
 * and `$size` match without an element, so they record none; `$or` records its matching branch's.
 */
type KeySource = { path: string[]; query: Query } | { branches: { branch: Query; sources: KeySource[] }[] };

/** Operators that match an array without matching one of its elements. */
const NO_ELEMENT_OPERATORS = new Set(['$ne', '$nin', '$not', '$size']);

function elementCondition(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((key) => key.startsWith('$'))) return value;
  const kept = Object.fromEntries(Object.entries(value).filter(([key]) => !NO_ELEMENT_OPERATORS.has(key)));
  return Object.keys(kept).length === 0 ? undefined : kept;
}

function keySources(filter: Document, variables: Document | undefined): KeySource[] {
  const sources: KeySource[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) sources.push(...keySources(clause, variables));
    } else if (key === '$or' && Array.isArray(value)) {
      const branches = value.filter(isPlainObject).map((clause) => ({
        branch: new Query(clause, queryOptions(variables)),
        sources: keySources(clause, variables),
      }));
      sources.push({ branches });
    } else if (!key.startsWith('$')) {
      const condition = elementCondition(value);
      if (condition !== undefined) sources.push({ path: key.split('.'), query: new Query({ [key]: condition }, queryOptions(variables)) });
    }
  }
  return sources;
}

type Condition = { path: string[]; query: Query };

/** The conditions that apply to one document: an `$or` contributes the first branch it matches. */
function conditionsFor(sources: KeySource[], view: Document): Condition[] {
  return sources.flatMap((source) => {
    if ('path' in source) return [source];
    const matched = source.branches.find(({ branch }) => branch.test(view));
    return matched ? conditionsFor(matched.sources, view) : [];
  });
}

/** How many components of `path` lead to the first array on it (through subdocuments), if any. */
export function firstArrayDepth(document: Document, path: readonly string[]): number | undefined {
  let current: unknown = document;
  for (const [index, component] of path.entries()) {
    if (!isPlainObject(current)) return undefined;
    current = current[component];
    if (Array.isArray(current)) return index + 1;
  }
  return undefined;
}

function arrayAt(document: Document, path: readonly string[]): unknown[] {
  let current: unknown = document;
  for (const component of path) current = (current as Document)[component];
  return current as unknown[];
}

/** A copy of `document` with `value` at `path` (whose parents are subdocuments). */
export function replacedAt(document: Document, path: readonly string[], value: unknown): Document {
  const [head, ...rest] = path as [string, ...string[]];
  return { ...document, [head]: rest.length === 0 ? value : replacedAt(document[head] as Document, rest, value) };
}

export type PositionalMatcher = (view: Document) => number | undefined;

/**
 * For a filter (view form) and the positional projection's path: the index of the element the
 * filter matched in the first array on that path. With several conditions on that array it is
 * the first element satisfying all of them (MongoDB's choice among them is unspecified).
 */
export function positionalMatcher(filter: Document, path: readonly string[], variables?: Document): PositionalMatcher {
  const sources = keySources(filter, variables);
  return (view) => {
    const depth = firstArrayDepth(view, path);
    if (depth === undefined) return undefined;
    const arrayPath = path.slice(0, depth);
    const conditions = conditionsFor(sources, view).filter(
      (condition) => condition.path.length >= depth && arrayPath.every((component, index) => condition.path[index] === component),
    );
    if (conditions.length === 0) return undefined;
    const array = arrayAt(view, arrayPath);
    const matchesAt = (index: number, among: Condition[]) => {
      const narrowed = replacedAt(view, arrayPath, [array[index]]);
      return among.every((condition) => condition.query.test(narrowed));
    };
    const indexes = array.map((_, index) => index);
    const all = indexes.find((index) => matchesAt(index, conditions));
    return all ?? indexes.find((index) => matchesAt(index, conditions.slice(-1)));
  };
}
