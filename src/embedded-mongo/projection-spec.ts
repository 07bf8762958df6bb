import { Decimal128, Double, Int32, Long } from 'bson';
import { OpType } from 'mingo/core';
import { type Document, isPlainObject, toNumber } from './bson-values.js';
import { CommandError, notSupported } from './errors.js';
import { bsonTypeOf } from './mingo/bson-types.js';
import { queryOptions } from './mingo/context.js';

/**
 * A find projection parsed the way MongoDB 7.0 parses one (src/mongo/db/query/projection_parser.cpp):
 * a tree of paths whose leaves say what happens at each path, and whether the whole is an
 * inclusion or an exclusion. Every refusal is MongoDB's, with its code, raised in spec order.
 */
export type ProjectionLeaf =
  | { kind: 'include' }
  | { kind: 'exclude' }
  /** An aggregation expression (`$add`, a `'$field'` string, an array), evaluated on the document. */
  | { kind: 'expression'; expression: unknown }
  /** A literal that is no expression (a date, an ObjectId, null…), returned as it is. */
  | { kind: 'constant'; value: unknown }
  /** find()'s `$slice`: `limit` elements, after `skip` when given (from the end when negative). */
  | { kind: 'slice'; skip: number | undefined; limit: number }
  /** find()'s `$elemMatch`: the first element matching `condition` (a query on the array's elements). */
  | { kind: 'elemMatch'; condition: Document }
  /** `path.$`: the element the query matched. */
  | { kind: 'positional' };

export type PathNode = { kind: 'path'; children: Map<string, ProjectionNode> };
export type ProjectionNode = PathNode | ProjectionLeaf;
export type ProjectionType = 'inclusion' | 'exclusion';
export type ParsedProjection = { type: ProjectionType; root: PathNode };

type ParseContext = {
  type: ProjectionType | undefined;
  idSpecified: boolean;
  idIncludedEntirely: boolean;
  idExcludedEntirely: boolean;
  hasPositional: boolean;
  hasElemMatch: boolean;
  hasFindSlice: boolean;
};

/** Field names MongoDB lets start with '$' in a path: DBRef's. */
const DOLLAR_FIELDS_ALLOWED = new Set(['$id', '$ref', '$db']);

/** The components of a field path, refused as MongoDB's FieldPath refuses them. */
export function fieldPathComponents(path: string): string[] {
  if (path.length === 0) throw new CommandError('Location40352', 'FieldPath cannot be constructed with empty string');
  if (path.endsWith('.')) throw new CommandError('Location40353', "FieldPath must not end with a '.'.");
  const components = path.split('.');
  for (const component of components) {
    if (component.length === 0) throw new CommandError('Location15998', 'FieldPath field names may not be empty strings.');
    if (component.startsWith('$') && !DOLLAR_FIELDS_ALLOWED.has(component)) {
      throw new CommandError('Location16410', "FieldPath field names may not start with '$'. Consider using $getField or $setField.");
    }
    if (component.includes('\0')) {
      throw new CommandError('Location16411', "FieldPath field names may not contain '\0'. Consider using $getField or $setField.");
    }
  }
  return components;
}

function newPathNode(): PathNode {
  return { kind: 'path', children: new Map() };
}

/** Adds a leaf or an inner node at `path` below `parent`, refusing paths that overlap (31249, 31250). */
function addNodeAtPath(parent: PathNode, path: string, node: ProjectionNode): void {
  const components = fieldPathComponents(path);
  let current = parent;
  for (const [index, component] of components.entries()) {
    const child = current.children.get(component);
    if (index === components.length - 1) {
      if (child) throw new CommandError('Location31250', `Path collision at ${path}`);
      current.children.set(component, node);
      return;
    }
    if (child && child.kind !== 'path') {
      throw new CommandError('Location31249', `Path collision at ${path} remaining portion ${components.slice(1).join('.')}`);
    }
    const next = child ?? newPathNode();
    current.children.set(component, next);
    current = next;
  }
}

/** The inner node already at `path` (so `{ a: { b: 1 } }` and `{ 'a.c': 1 }` share one), if any. */
function innerNodeAt(parent: PathNode, path: string): PathNode | undefined {
  let current: ProjectionNode | undefined = parent;
  for (const component of fieldPathComponents(path)) {
    current = current.kind === 'path' ? current.children.get(component) : undefined;
    if (!current) return undefined;
  }
  return current.kind === 'path' ? current : undefined;
}

function isNumberValue(value: unknown): boolean {
  return typeof value === 'number' || value instanceof Long || value instanceof Decimal128 || value instanceof Double || value instanceof Int32;
}

/** Numbers and booleans include (truthy) or exclude (zero, false); any other value is a literal. */
function isInclusionOrExclusion(value: unknown): boolean {
  return typeof value === 'boolean' || isNumberValue(value);
}

function isTruthy(value: unknown): boolean {
  return typeof value === 'boolean' ? value : toNumber(value) !== 0;
}

/** BSONElement::safeNumberInt: truncated towards zero, NaN as 0, clamped to int32. */
function safeNumberInt(value: unknown): number {
  const number = toNumber(value) ?? 0;
  if (Number.isNaN(number)) return 0;
  return Math.trunc(Math.min(Math.max(number, -0x80000000), 0x7fffffff));
}

/** MongoDB's expression names, as far as mingo evaluates them (accumulators such as `$sum` are expressions too). */
function isExpressionName(name: string): boolean {
  const context = queryOptions().context;
  return Boolean(context?.getOperator(OpType.EXPRESSION, name) ?? context?.getOperator(OpType.ACCUMULATOR, name));
}

function parseFindSlice(context: ParseContext, path: string, argument: unknown, parent: PathNode): void {
  if (isNumberValue(argument)) {
    addNodeAtPath(parent, path, { kind: 'slice', skip: undefined, limit: safeNumberInt(argument) });
  } else if (Array.isArray(argument)) {
    if (argument.length !== 2) throw new CommandError('Location31272', '$slice array argument should be of form [skip, limit]');
    const [skip, limit] = argument as [unknown, unknown];
    if (!isNumberValue(skip)) {
      throw new CommandError('Location31257', `$slice expects the skip argument to be a number, got ${bsonTypeOf(skip)}`);
    }
    if (!isNumberValue(limit)) {
      throw new CommandError('Location31258', `$slice expects the limit argument to be a number, got ${bsonTypeOf(limit)}`);
    }
    const positiveLimit = safeNumberInt(limit);
    if (positiveLimit <= 0) throw new CommandError('Location31259', `$slice limit must be positive, got ${positiveLimit}`);
    addNodeAtPath(parent, path, { kind: 'slice', skip: safeNumberInt(skip), limit: positiveLimit });
  } else {
    throw new CommandError('Location31273', '$slice only supports numbers and [skip, limit] arrays');
  }
  context.hasFindSlice = true;
}

/** `{ path: { $operator: … } }` as an aggregation expression; false when `$operator` is no expression. */
function parseGenericExpression(context: ParseContext, path: string, subObject: Document, parent: PathNode): boolean {
  const [name] = Object.keys(subObject) as [string];
  // $meta reads text and search scores, index keys and record ids, none of which exist here.
  if (name === '$meta') throw notSupported('The $meta projection');
  if (!isExpressionName(name)) return false;
  if (context.type === 'exclusion') {
    throw new CommandError('Location31252', 'Cannot use expression other than $meta in exclusion projection');
  }
  context.type = 'inclusion';
  addNodeAtPath(parent, path, { kind: 'expression', expression: subObject });
  return true;
}

/** `$slice` is find()'s when its argument fits, MongoDB's `$slice` expression otherwise. */
function parseSlice(context: ParseContext, path: string, subObject: Document, parent: PathNode): void {
  let findSyntaxError: CommandError;
  try {
    parseFindSlice(context, path, subObject.$slice, parent);
    return;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    findSyntaxError = error;
  }
  const argument = subObject.$slice;
  const count = Array.isArray(argument) ? argument.length : 1;
  const prefix = `Invalid $slice syntax. The given syntax did not match the find() syntax because :: ${findSyntaxError.codeName}: ${findSyntaxError.message} :: The given syntax did not match the expression $slice syntax. :: caused by :: `;
  if (count < 2 || count > 3) {
    throw new CommandError('Location28667', `${prefix}Expression $slice takes at least 2 arguments, and at most 3, but ${count} were passed in.`);
  }
  try {
    parseGenericExpression(context, path, subObject, parent);
  } catch (error) {
    if (error instanceof CommandError) throw new CommandError(error.codeName, `${prefix}${error.message}`, error.details);
    throw error;
  }
}

function parseElemMatch(context: ParseContext, path: string, argument: unknown, parent: PathNode, isRoot: boolean): void {
  if (!isPlainObject(argument)) {
    throw new CommandError('Location31274', `elemMatch: Invalid argument, object required, but got ${bsonTypeOf(argument)}`);
  }
  if (context.hasPositional) throw new CommandError('Location31255', 'Cannot specify positional operator and $elemMatch.');
  if (path.includes('.') || !isRoot) throw new CommandError('Location31275', 'Cannot use $elemMatch projection on a nested field.');
  addNodeAtPath(parent, path, { kind: 'elemMatch', condition: argument });
  context.hasElemMatch = true;
}

/** Whether `{ key: subObject }` is an operator (find's `$slice`/`$elemMatch` or an expression) rather than a sub-projection. */
function parseSubObjectAsExpression(context: ParseContext, path: string, subObject: Document, parent: PathNode, isRoot: boolean): boolean {
  const [name] = Object.keys(subObject) as [string];
  if (name === '$slice') {
    parseSlice(context, path, subObject, parent);
    return true;
  }
  if (name === '$elemMatch') {
    parseElemMatch(context, path, subObject.$elemMatch, parent, isRoot);
    return true;
  }
  return parseGenericExpression(context, path, subObject, parent);
}

function parseSubObject(context: ParseContext, key: string, subObject: Document, parent: PathNode, isRoot: boolean): void {
  const keys = Object.keys(subObject);
  if (keys.length === 0) throw new CommandError('Location51270', `Invalid empty sub-projection: ${key}`);
  fieldPathComponents(key);
  const [first] = keys as [string];
  if (keys.length === 1 && first.startsWith('$')) {
    if (parseSubObjectAsExpression(context, key, subObject, parent, isRoot)) return;
    // It looked like an operator; unless it is a valid path after all, it is an unknown one.
    try {
      fieldPathComponents(first.endsWith('.$') ? first.slice(0, -2) : first);
    } catch {
      throw new CommandError('Location31325', `Unknown expression ${first}`);
    }
  }
  let node = innerNodeAt(parent, key);
  if (!node) {
    node = newPathNode();
    addNodeAtPath(parent, key, node);
  }
  for (const [childKey, value] of Object.entries(subObject)) parseElement(context, childKey, value, node, false);
}

function parseInclusion(context: ParseContext, key: string, parent: PathNode, isRoot: boolean): void {
  const isTopLevelId = key === '_id' && isRoot;
  if (!key.endsWith('.$')) {
    addNodeAtPath(parent, key, { kind: 'include' });
    if (isTopLevelId) context.idIncludedEntirely = true;
  } else {
    if (context.hasPositional) throw new CommandError('Location31276', 'Cannot specify more than one positional projection per query.');
    if (context.hasElemMatch) throw new CommandError('Location31256', 'Cannot specify positional operator and $elemMatch.');
    if (key === '.$') throw new CommandError('Location5392900', `Projection on field ${key} is invalid`);
    addNodeAtPath(parent, key.slice(0, -2), { kind: 'positional' });
    context.hasPositional = true;
  }
  if (!isTopLevelId) {
    if (context.type === 'exclusion') throw new CommandError('Location31253', `Cannot do inclusion on field ${key} in exclusion projection`);
    context.type = 'inclusion';
  }
}

function parseExclusion(context: ParseContext, key: string, parent: PathNode, isRoot: boolean): void {
  addNodeAtPath(parent, key, { kind: 'exclude' });
  if (key === '_id' && isRoot) {
    context.idExcludedEntirely = true;
    return;
  }
  if (context.type === 'inclusion') throw new CommandError('Location31254', `Cannot do exclusion on field ${key} in inclusion projection`);
  context.type = 'exclusion';
}

/** A value that is neither a number, a boolean nor a document: a string (maybe a `'$path'`), an array, or a constant. */
function parseLiteral(context: ParseContext, key: string, value: unknown, parent: PathNode): void {
  const isExpression = typeof value === 'string' || Array.isArray(value);
  addNodeAtPath(parent, key, isExpression ? { kind: 'expression', expression: value } : { kind: 'constant', value });
  if (context.type === 'exclusion') throw new CommandError('Location31310', `Cannot use an expression ${key}: ${String(value)} in an exclusion projection`);
  context.type = 'inclusion';
}

function parseElement(context: ParseContext, key: string, value: unknown, parent: PathNode, isRoot: boolean): void {
  const hasPositional = key.endsWith('.$');
  if (key.includes('.$.')) {
    throw new CommandError(
      'Location31394',
      "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
    );
  }
  if (isPlainObject(value)) {
    if (hasPositional) throw new CommandError('Location31271', 'positional projection cannot be used with an expression or sub object');
    parseSubObject(context, key, value, parent, isRoot);
  } else if (isInclusionOrExclusion(value)) {
    if (isTruthy(value)) {
      parseInclusion(context, key, parent, isRoot);
    } else {
      if (hasPositional) throw new CommandError('Location31395', 'positional projection cannot be used with exclusion');
      parseExclusion(context, key, parent, isRoot);
    }
  } else {
    if (hasPositional) throw new CommandError('Location31308', 'positional projection cannot be used with a literal');
    parseLiteral(context, key, value, parent);
  }
}

/**
 * MongoDB's rules for a projection whose fields alone do not decide (only `_id` and find
 * operators): a `$slice` makes it an exclusion unless `_id: 1` is given, an `$elemMatch` an
 * inclusion, `_id: 1` an inclusion, anything else an exclusion.
 */
function defaultType(context: ParseContext): ProjectionType {
  if (context.hasFindSlice) return context.idIncludedEntirely ? 'inclusion' : 'exclusion';
  if (context.hasElemMatch) return 'inclusion';
  return context.idIncludedEntirely ? 'inclusion' : 'exclusion';
}

export function parseProjection(spec: Document): ParsedProjection {
  const root = newPathNode();
  const context: ParseContext = {
    type: undefined,
    idSpecified: false,
    idIncludedEntirely: false,
    idExcludedEntirely: false,
    hasPositional: false,
    hasElemMatch: false,
    hasFindSlice: false,
  };
  for (const [key, value] of Object.entries(spec)) {
    context.idSpecified ||= key === '_id' || key.startsWith('_id.');
    parseElement(context, key, value, root, true);
  }
  const type = context.type ?? defaultType(context);
  if (!context.idSpecified && type === 'inclusion') root.children.set('_id', { kind: 'include' });
  // `_id: 1` is allowed in an exclusion, where it changes nothing.
  if (type === 'exclusion' && context.idIncludedEntirely) root.children.delete('_id');
  return { type, root };
}
