import { Long, Timestamp } from 'bson';
import { applyArithmetic, zeroLike } from './bson-arithmetic.js';
import { bsonEquals, compareBson, isBsonNumber, sameBytes } from './bson-equality.js';
import { type Document, defineField, isPlainObject, isRegex, toNumber, toView } from './bson-values.js';
import { CommandError } from './errors.js';
import { formatShellValue } from './indexes.js';
import { type BsonTypeAlias, bsonTypeOf } from './mingo/bson-types.js';
import { Query, queryOptions } from './mingo/context.js';
import {
  type FieldPath,
  type ArrayFilters,
  type PositionalContext,
  assertArrayFiltersMatchPaths,
  assertNoConflicts,
  compareFieldPaths,
  concretePaths,
  isArrayIndex,
  isPositional,
  parseArrayFilters,
  parseFieldPath,
} from './update-paths.js';

/**
 * MongoDB's update operators, applied to the typed document (so every value keeps its exact BSON
 * type) instead of mingo's updater, whose operators differ from MongoDB's in ways that would be
 * silent here: a `$set` that only changes a BSON type or a BinData subtype did nothing, `$push`,
 * `$inc`… on a value of the wrong type and `$set` through an array did nothing instead of failing,
 * `$pull` read `$or` as a field, and two fields under one positional path were refused.
 */

/** Where one concrete path ends in the document being updated. */
type Slot = { container: Document | unknown[]; key: string; exists: boolean; value: unknown };

type LeafContext = { path: string; document: Document; now: Date };

/** An operator whose arguments are parsed into an `A` once per update, then applied to each document. */
type OperatorDefinition<A> = {
  /** Whether a missing path is created ($set, $inc…) or means there is nothing to do ($unset, $pull…). */
  creates: boolean;
  /** A path blocked by a scalar or an array is nothing to do for `$unset`, an error for the rest. */
  ignoresNonViablePath?: boolean;
  /** Checks an argument before any document is touched, as MongoDB parses the update first; the argument as is when absent. */
  parse?: (argument: unknown, path: string) => A;
  apply: (slot: Slot, argument: A, context: LeafContext) => void;
};

type UpdateOperator = Required<Pick<OperatorDefinition<unknown>, 'parse'>> & OperatorDefinition<unknown>;

/** Erases an operator's argument type: `apply` only ever receives what its own `parse` returned. */
function operator<A>(definition: OperatorDefinition<A>): UpdateOperator {
  const parse = definition.parse ?? ((argument: unknown) => argument);
  return { ...definition, parse, apply: definition.apply as UpdateOperator['apply'] };
}

/** A copy of a value's documents and arrays (leaves are immutable), with own `__proto__` keys kept as fields. */
function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyValue(item)]));
  return value;
}

/** MongoDB's `kMaxPaddingAllowed`: how many nulls a `$set` past an array's end may add. */
const MAX_ARRAY_PADDING = 1_500_000;

function store(slot: Slot, value: unknown): void {
  const { container, key } = slot;
  if (Array.isArray(container)) {
    // Setting past the end pads with nulls, as MongoDB does, and within its bound (so one update
    // cannot make the server allocate an array of any length before the 16 MiB check).
    const index = Number(key);
    if (index - container.length > MAX_ARRAY_PADDING) {
      throw new CommandError('CannotBackfillArray', `can't backfill more than ${MAX_ARRAY_PADDING} elements`);
    }
    while (container.length < index) container.push(null);
    container[index] = value;
  } else {
    defineField(container, key, value);
  }
}

function idOf(document: Document): string {
  return Object.hasOwn(document, '_id') ? `_id: ${formatShellValue(document._id)}` : 'no id';
}

const INTEGRAL_TYPES: ReadonlySet<BsonTypeAlias> = new Set(['int', 'long']);

/** MongoDB's parseIntegerElementToLong: a number with an integral value. */
function integerArgument(value: unknown): number | undefined {
  const number = isBsonNumber(value) ? toNumber(value) : undefined;
  return number !== undefined && Number.isInteger(number) ? number : undefined;
}

function arithmetic(name: '$inc' | '$mul', verb: string, operation: 'add' | 'multiply'): UpdateOperator {
  return operator({
    creates: true,
    parse(argument, path) {
      if (!isBsonNumber(argument)) {
        throw new CommandError('TypeMismatch', `Cannot ${verb} with non-numeric argument: {${path}: ${formatShellValue(argument)}}`);
      }
      return argument;
    },
    apply(slot, argument, { document }) {
      if (!slot.exists) {
        store(slot, operation === 'add' ? argument : zeroLike(argument));
        return;
      }
      if (!isBsonNumber(slot.value)) {
        throw new CommandError(
          'TypeMismatch',
          `Cannot apply ${name} to a value of non-numeric type. {${idOf(document)}} has the field '${slot.key}' of non-numeric type ${bsonTypeOf(slot.value)}`,
        );
      }
      const result = applyArithmetic(operation, slot.value, argument);
      if (result === undefined) {
        throw new CommandError(
          'BadValue',
          `Failed to apply ${name} operations to current value ((NumberLong)${String(slot.value)}) for document {${idOf(document)}}`,
        );
      }
      store(slot, result);
    },
  });
}

function extremum(keeps: (comparison: number) => boolean): UpdateOperator {
  return operator({
    creates: true,
    apply(slot, argument) {
      if (!slot.exists || !keeps(compareBson(argument, slot.value))) store(slot, copyValue(argument));
    },
  });
}

function existingArray(slot: Slot, refusal: () => CommandError): unknown[] | undefined {
  if (!slot.exists) return undefined;
  if (!Array.isArray(slot.value)) throw refusal();
  return slot.value;
}

type PushSpec = { each: unknown[]; slice?: number; sort?: 1 | -1 | Document; position?: number };

const PUSH_CLAUSES = new Set(['$each', '$slice', '$sort', '$position']);

/** `$push`'s argument: a value to append, or `$each` with its `$slice`, `$sort` and `$position` clauses. */
function pushSpec(argument: unknown): PushSpec {
  if (!isPlainObject(argument) || !Object.hasOwn(argument, '$each')) return { each: [argument] };
  const unknownClause = Object.keys(argument).find((clause) => !PUSH_CLAUSES.has(clause));
  if (unknownClause) throw new CommandError('BadValue', `Unrecognized clause in $push: ${unknownClause}`);
  const { $each, $slice, $sort, $position } = argument;
  if (!Array.isArray($each)) {
    throw new CommandError('BadValue', `The argument to $each in $push must be an array but it was of type: ${bsonTypeOf($each)}`);
  }
  const spec: PushSpec = { each: $each };
  if ($slice !== undefined) {
    spec.slice = integerArgument($slice);
    if (spec.slice === undefined) throw new CommandError('BadValue', `The value for $slice must be an integer value but was given type: ${bsonTypeOf($slice)}`);
  }
  if ($position !== undefined) {
    spec.position = integerArgument($position);
    if (spec.position === undefined) throw new CommandError('BadValue', `The value for $position must be an integer value, not of type: ${bsonTypeOf($position)}`);
  }
  if ($sort !== undefined) spec.sort = pushSort($sort);
  return spec;
}

function pushSort(sort: unknown): 1 | -1 | Document {
  const direction = (value: unknown): 1 | -1 | undefined => {
    const number = isBsonNumber(value) ? toNumber(value) : undefined;
    return number === 1 || number === -1 ? number : undefined;
  };
  if (isPlainObject(sort)) {
    if (Object.keys(sort).length === 0) throw new CommandError('BadValue', 'The $sort pattern is empty when it should be a set of fields.');
    if (!Object.values(sort).every((value) => direction(value) !== undefined)) {
      throw new CommandError('BadValue', 'The $sort element value must be either 1 or -1');
    }
    return sort;
  }
  const whole = direction(sort);
  if (whole !== undefined) return whole;
  if (isBsonNumber(sort)) throw new CommandError('BadValue', 'The $sort element value must be either 1 or -1');
  throw new CommandError('BadValue', 'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
}

function fieldValue(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((current, segment) => (isPlainObject(current) && Object.hasOwn(current, segment) ? current[segment] : undefined), value);
}

function sortArray(array: unknown[], sort: 1 | -1 | Document): void {
  if (typeof sort === 'number') {
    array.sort((a, b) => sort * compareBson(a, b));
    return;
  }
  const keys = Object.entries(sort).map(([path, direction]) => [path, toNumber(direction) as number] as const);
  array.sort((a, b) => {
    for (const [path, direction] of keys) {
      const order = compareBson(fieldValue(a, path), fieldValue(b, path));
      if (order !== 0) return direction * order;
    }
    return 0;
  });
}

function pushed(array: unknown[], spec: PushSpec): unknown[] {
  const values = spec.each.map(copyValue);
  const { position } = spec;
  // A negative position counts from the end; one beyond either end appends or prepends.
  const at = position === undefined || position > array.length ? array.length : position >= 0 ? position : Math.max(0, array.length + position);
  const result = [...array.slice(0, at), ...values, ...array.slice(at)];
  if (spec.sort !== undefined) sortArray(result, spec.sort);
  if (spec.slice === undefined) return result;
  return spec.slice >= 0 ? result.slice(0, spec.slice) : result.slice(Math.max(0, result.length + spec.slice));
}

const $push = operator({
  creates: true,
  parse: pushSpec,
  apply(slot, spec, { path, document }) {
    const array = existingArray(
      slot,
      () => new CommandError('BadValue', `The field '${path}' must be an array but is of type ${bsonTypeOf(slot.value)} in document {${idOf(document)}}`),
    );
    store(slot, pushed(array ?? [], spec));
  },
});

/** `$addToSet`'s values: `$each`'s elements or the argument itself, without duplicates. */
function valuesToAdd(argument: unknown): unknown[] {
  const first = isPlainObject(argument) ? Object.keys(argument)[0] : undefined;
  if (!isPlainObject(argument) || first !== '$each') return [argument];
  const { $each } = argument;
  if (!Array.isArray($each)) {
    throw new CommandError('TypeMismatch', `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeOf($each)}`);
  }
  if (Object.keys(argument).length > 1) throw new CommandError('BadValue', `Found unexpected fields after $each in $addToSet: ${formatShellValue(argument)}`);
  return $each.filter((value, index) => $each.findIndex((other) => bsonEquals(other, value)) === index);
}

const $addToSet = operator({
  creates: true,
  parse: valuesToAdd,
  apply(slot, values) {
    const array = existingArray(
      slot,
      () => new CommandError('BadValue', `Cannot apply $addToSet to non-array field. Field named '${slot.key}' has non-array type ${bsonTypeOf(slot.value)}`),
    );
    const current = array ?? [];
    const added = values.filter((value) => !current.some((existing) => bsonEquals(existing, value)));
    if (array && added.length === 0) return;
    store(slot, [...current, ...added.map(copyValue)]);
  },
});

/** Operators of a match expression that stand at the top level, not on a field. */
const TOP_LEVEL_OPERATORS = new Set(['$and', '$or', '$nor', '$expr', '$where', '$text', '$comment', '$jsonSchema', '$alwaysTrue', '$alwaysFalse']);

/**
 * `$pull`'s condition, as MongoDB reads it: a document whose first field is a field operator
 * (`{ $gte: 6 }`, `{ $in: […] }`) or a regular expression is matched against each element; any
 * other document (`{ a: 1 }`, `{ $or: […] }`) is a query each document element must match; any
 * other value must equal the element.
 */
function pullMatcher(condition: unknown): (element: unknown) => boolean {
  const first = isPlainObject(condition) ? Object.keys(condition)[0] : undefined;
  if (isPlainObject(condition) && (first === undefined || !first.startsWith('$') || TOP_LEVEL_OPERATORS.has(first))) {
    const query = new Query(toView(condition), queryOptions());
    return (element) => isPlainObject(element) && query.test(toView(element));
  }
  if (isPlainObject(condition) || isRegex(condition)) {
    const query = new Query({ element: toView(condition) }, queryOptions());
    return (element) => query.test({ element: toView(element) });
  }
  return (element) => bsonEquals(element, condition);
}

/** `$pull` and `$pullAll`, whose argument parses into a test of each element. */
function culling(matcherOf: (argument: unknown) => (element: unknown) => boolean): UpdateOperator {
  return operator({
    creates: false,
    parse: matcherOf,
    apply(slot, matches) {
      const array = existingArray(slot, () => new CommandError('BadValue', 'Cannot apply $pull to a non-array value'));
      if (!array) return;
      const kept = array.filter((element) => !matches(element));
      if (kept.length !== array.length) store(slot, kept);
    },
  });
}

function pullAllMatcher(argument: unknown): (element: unknown) => boolean {
  if (!Array.isArray(argument)) throw new CommandError('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeOf(argument)}`);
  return (element) => argument.some((value) => bsonEquals(element, value));
}

const $pop = operator({
  creates: false,
  parse(argument): 1 | -1 {
    if (!isBsonNumber(argument)) throw new CommandError('FailedToParse', `Expected a number in: ${formatShellValue(argument)}`);
    const direction = toNumber(argument);
    if (direction !== 1 && direction !== -1) throw new CommandError('FailedToParse', `$pop expects 1 or -1, found: ${formatShellValue(argument)}`);
    return direction;
  },
  apply(slot, direction, { path }) {
    const array = existingArray(slot, () => new CommandError('TypeMismatch', `Path '${path}' contains an element of non-array type '${bsonTypeOf(slot.value)}'`));
    if (!array || array.length === 0) return;
    store(slot, direction === -1 ? array.slice(1) : array.slice(0, -1));
  },
});

const BIT_OPERATIONS = { and: (a: bigint, b: bigint) => a & b, or: (a: bigint, b: bigint) => a | b, xor: (a: bigint, b: bigint) => a ^ b };

type BitOperation = keyof typeof BIT_OPERATIONS;

const $bit = operator({
  creates: true,
  parse(argument, path): [BitOperation, unknown][] {
    if (!isPlainObject(argument)) {
      throw new CommandError('BadValue', `The $bit modifier is not compatible with a ${bsonTypeOf(argument)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`);
    }
    for (const [operation, operand] of Object.entries(argument)) {
      if (!Object.hasOwn(BIT_OPERATIONS, operation)) {
        throw new CommandError('BadValue', `The $bit modifier only supports 'and', 'or', and 'xor', not '${operation}' which is an unknown operator: {${operation}: ${formatShellValue(operand)}}`);
      }
      if (!INTEGRAL_TYPES.has(bsonTypeOf(operand))) {
        throw new CommandError('BadValue', `The $bit modifier field must be an Integer(32/64 bit); a '${bsonTypeOf(operand)}' is not supported here: {${operation}: ${formatShellValue(operand)}} (in ${path})`);
      }
    }
    return Object.entries(argument) as [BitOperation, unknown][];
  },
  apply(slot, operations, { document }) {
    if (slot.exists && !INTEGRAL_TYPES.has(bsonTypeOf(slot.value))) {
      throw new CommandError(
        'BadValue',
        `Cannot apply $bit to a value of non-integral type.{${idOf(document)}} has the field ${slot.key} of non-integer type ${bsonTypeOf(slot.value)}`,
      );
    }
    let value: unknown = slot.exists ? slot.value : 0;
    for (const [operation, operand] of operations) {
      const wide = value instanceof Long || operand instanceof Long;
      const result = BIT_OPERATIONS[operation](BigInt(String(value)), BigInt(String(operand)));
      value = wide ? Long.fromBigInt(result) : Number(BigInt.asIntN(32, result));
    }
    store(slot, value);
  },
});

const $currentDate = operator({
  creates: true,
  /** Whether the field gets a timestamp rather than a date. */
  parse(argument): boolean {
    const type = isPlainObject(argument) ? argument.$type : undefined;
    const valid = typeof argument === 'boolean' || (isPlainObject(argument) && Object.keys(argument).length === 1 && (type === 'date' || type === 'timestamp'));
    if (!valid) {
      throw new CommandError('BadValue', `${formatShellValue(argument)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
    }
    return type === 'timestamp';
  },
  apply(slot, timestamp, { now }) {
    store(slot, timestamp ? new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }) : now);
  },
});

const $set = operator({ creates: true, apply: (slot, argument) => store(slot, copyValue(argument)) });

const $unset = operator({
  creates: false,
  ignoresNonViablePath: true,
  apply(slot) {
    if (!slot.exists) return;
    // An array element is replaced by null rather than removed, so the other elements keep their index.
    if (Array.isArray(slot.container)) slot.container[Number(slot.key)] = null;
    else delete slot.container[slot.key];
  },
});

const OPERATORS: Readonly<Record<string, UpdateOperator>> = {
  $set,
  $setOnInsert: $set,
  $unset,
  $inc: arithmetic('$inc', 'increment', 'add'),
  $mul: arithmetic('$mul', 'multiply', 'multiply'),
  $min: extremum((comparison) => comparison >= 0),
  $max: extremum((comparison) => comparison <= 0),
  $currentDate,
  $push,
  $addToSet,
  $pop,
  $pull: culling(pullMatcher),
  $pullAll: culling(pullAllMatcher),
  $bit,
};

function notViable(message: string): CommandError {
  return new CommandError('PathNotViable', message);
}

/** Finds (or, for creating operators, makes) where a concrete path ends; undefined when there is nothing to do. */
function locate(document: Document, segments: readonly string[], operator: UpdateOperator, path: string): Slot | undefined {
  let container: Document | unknown[] = document;
  for (const [index, key] of segments.entries()) {
    if (Array.isArray(container) && !isArrayIndex(key)) {
      if (operator.creates) throw notViable(`Cannot create field '${key}' in element {${segments[index - 1] ?? ''}: ${formatShellValue(container)}}`);
      if (operator.ignoresNonViablePath) return undefined;
      throw notViable(`Cannot use the part (${key}) of (${path}) to traverse the element ({${segments[index - 1] ?? ''}: ${formatShellValue(container)}})`);
    }
    const exists = Array.isArray(container) ? Number(key) < container.length : Object.hasOwn(container, key);
    const value: unknown = exists ? (container as Document)[key] : undefined;
    if (index === segments.length - 1) return { container, key, exists, value };
    if (!exists) {
      if (!operator.creates) return undefined;
      const created: Document = {};
      store({ container, key, exists, value }, created);
      container = created;
    } else if (Array.isArray(value) || isPlainObject(value)) {
      container = value;
    } else {
      const next = segments[index + 1] as string;
      if (operator.creates) throw notViable(`Cannot create field '${next}' in element {${key}: ${formatShellValue(value)}}`);
      if (operator.ignoresNonViablePath) return undefined;
      throw notViable(`Cannot use the part (${next}) of (${path}) to traverse the element ({${key}: ${formatShellValue(value)}})`);
    }
  }
  return undefined;
}

/** One field of one operator of the update, its argument as the operator's `parse` returned it. */
type Statement = { operator: string; path: string; segments: FieldPath; argument: unknown };

function isStrictPrefix(shorter: FieldPath, longer: FieldPath): boolean {
  return shorter.length < longer.length && shorter.every((segment, index) => segment === longer[index]);
}

function renameStatements(path: string, target: unknown): Statement[] {
  if (typeof target !== 'string') throw new CommandError('BadValue', `The 'to' field for $rename must be a string: ${path}: ${formatShellValue(target)}`);
  if (target === path) throw new CommandError('BadValue', `The source and target field for $rename must differ: ${path}: ${JSON.stringify(target)}`);
  const from = parseFieldPath(path);
  const to = parseFieldPath(target);
  // MongoDB's RenameNode::init: one path may not lie under the other ('a' to 'a.b', or back).
  if (isStrictPrefix(from, to) || isStrictPrefix(to, from)) {
    throw new CommandError('BadValue', `The source and target field for $rename must not be on the same path: ${path}: ${JSON.stringify(target)}`);
  }
  if (from.some(isPositional)) throw new CommandError('BadValue', `The source field for $rename may not be dynamic: ${path}`);
  if (to.some(isPositional)) throw new CommandError('BadValue', `The destination field for $rename may not be dynamic: ${target}`);
  return [
    { operator: '$unset', path, segments: from, argument: '' },
    { operator: '$renameTo', path: target, segments: to, argument: from },
  ];
}

function parseStatements(operators: Document): Statement[] {
  return Object.entries(operators).flatMap(([operator, fields]) => {
    if (operator !== '$rename' && !Object.hasOwn(OPERATORS, operator)) {
      throw new CommandError('FailedToParse', `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(fields)) {
      throw new CommandError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${bsonTypeOf(fields)} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${formatShellValue(fields)}}`,
      );
    }
    return Object.entries(fields).flatMap(([path, argument]): Statement[] => {
      if (operator === '$rename') return renameStatements(path, argument);
      const segments = parseFieldPath(path);
      return [{ operator, path, segments, argument: OPERATORS[operator]?.parse(argument, path) }];
    });
  });
}

/** The value `$rename` moves: the source field of the document before the update, if any. */
function renamedValue(document: Document, from: FieldPath): { value: unknown } | undefined {
  let current: unknown = document;
  for (const [index, segment] of from.entries()) {
    // A source below a scalar (or a field name below an array) is no path at all, an error as in any update.
    if (index > 0 && !isPlainObject(current) && (!Array.isArray(current) || !isArrayIndex(segment))) {
      throw new CommandError('PathNotViable', `Cannot use the part (${segment}) of (${from.join('.')}) to traverse the element ({${from[index - 1] ?? ''}: ${formatShellValue(current)}})`);
    }
    if (Array.isArray(current)) throw new CommandError('BadValue', `The source field cannot be an array element, '${from.join('.')}' in doc with ${idOf(document)}`);
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return { value: current };
}

/** `$rename` moves a field between documents; MongoDB refuses a destination inside an array. */
function assertRenameDestination(document: Document, to: FieldPath): void {
  let current: unknown = document;
  for (const segment of to.slice(0, -1)) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return;
    current = current[segment];
    if (Array.isArray(current)) throw new CommandError('BadValue', `The destination field cannot be an array element, '${to.join('.')}' in doc with ${idOf(document)}`);
  }
}

/** An operator update checked (conflicts, array filters, arguments) and ready to apply to any number of documents. */
export type ParsedOperators = { readonly statements: readonly Statement[]; readonly arrayFilters: ArrayFilters };

/** Parses an operator update with its array filters, as MongoDB does once per update statement. */
export function parseOperators(operators: Document, arrayFilters: readonly Document[] | undefined): ParsedOperators {
  const statements = parseStatements(operators);
  assertNoConflicts(statements);
  const filters = parseArrayFilters(arrayFilters);
  assertArrayFiltersMatchPaths(filters, statements);
  return { statements, arrayFilters: filters };
}

export type OperatorUpdate = {
  filter: Document;
  /** The document is the one an upsert inserts: `$setOnInsert` applies and `$` has no match. */
  inserting: boolean;
};

/**
 * Applies a parsed operator update to a typed document and returns the new document (the original
 * is never mutated): the concrete paths are applied in MongoDB's order (field names
 * lexicographically, array indexes numerically), which is also the order new fields appear in.
 */
export function applyOperators(original: Document, { statements, arrayFilters }: ParsedOperators, update: OperatorUpdate): Document {
  const positional: PositionalContext = { filter: update.filter, arrayFilters, inserting: update.inserting };
  const leaves = statements
    .filter((statement) => update.inserting || statement.operator !== '$setOnInsert')
    .flatMap((statement) => concretePaths(original, statement.segments, positional).map((concrete) => ({ ...statement, concrete })))
    .sort((a, b) => compareFieldPaths(a.concrete, b.concrete));
  const document = copyValue(original) as Document;
  const now = new Date();
  for (const leaf of leaves) {
    let operator = OPERATORS[leaf.operator];
    let argument = leaf.argument;
    if (leaf.operator === '$renameTo') {
      const moved = renamedValue(original, leaf.argument as FieldPath);
      if (!moved) continue;
      assertRenameDestination(document, leaf.segments);
      operator = $set;
      argument = moved.value;
    }
    const slot = locate(document, leaf.concrete, operator as UpdateOperator, leaf.path);
    if (slot) operator?.apply(slot, argument, { path: leaf.path, document: original, now });
  }
  assertIdUnchanged(original, document, statements);
  return document;
}

/**
 * `_id` is immutable (also the one an upsert takes from its filter): an update may set it to its
 * current value (exactly the same BSON, a no-op in MongoDB) but not change its value or type, nor
 * remove it.
 */
function assertIdUnchanged(original: Document, updated: Document, statements: readonly Statement[]): void {
  if (!Object.hasOwn(original, '_id')) return;
  if (Object.hasOwn(updated, '_id') && sameBytes(original._id, updated._id)) return;
  const path = statements.find((statement) => statement.segments[0] === '_id')?.path ?? '_id';
  throw new CommandError('ImmutableField', `Performing an update on the path '${path}' would modify the immutable field '_id'`);
}
