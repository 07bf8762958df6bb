import { serialize } from 'bson';
import { update, updateOne } from 'mingo';
import { MingoError, cloneDeep, isEqual, setValue } from 'mingo/util';
import type { Modifier, PipelineStage } from 'mingo/updater';
import { type Document, isPlainObject, restoreTypes, toView } from './bson-values.js';
import { CommandError } from './errors.js';
import { queryOptions } from './mingo/context.js';
import { withIdFirst } from './storage.js';

/** The three forms of the `u` field of an update statement. */
export type UpdateSpec =
  | { kind: 'replacement'; document: Document }
  | { kind: 'operators'; operators: Document }
  | { kind: 'pipeline'; stages: Document[] };

export type UpdateContext = {
  /** The statement's filter, which resolves the positional `$` operator. */
  filter: Document;
  arrayFilters?: Document[] | undefined;
};

/** Operators whose arguments are values to store, so they keep their BSON types; the rest are compared or computed. */
const STORING_OPERATORS = new Set(['$set', '$push', '$addToSet']);

export function parseUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update)) {
    if (!update.every(isPlainObject)) throw new CommandError('FailedToParse', 'Each update pipeline stage must be a document');
    return { kind: 'pipeline', stages: update };
  }
  if (!isPlainObject(update)) throw new CommandError('FailedToParse', 'Update must be a document or a pipeline');
  const keys = Object.keys(update);
  const operatorKeys = keys.filter((key) => key.startsWith('$'));
  if (operatorKeys.length === 0) return { kind: 'replacement', document: update };
  if (operatorKeys.length !== keys.length) {
    const plain = keys.find((key) => !key.startsWith('$'));
    throw new CommandError(
      'FailedToParse',
      `Unknown modifier: ${String(plain)}. Expected a valid update modifier or pipeline-style update specified as an array`,
    );
  }
  return { kind: 'operators', operators: update };
}

function immutableIdError(): CommandError {
  return new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}

/**
 * mingo does not know `$setOnInsert`: it is dropped for updates of existing documents and folded
 * into `$set` when the update inserts (upsert).
 */
function modifierFor(operators: Document, inserting: boolean): Modifier<Document> {
  const { $setOnInsert, ...rest } = operators;
  const modifier: Document = inserting && isPlainObject($setOnInsert)
    ? { ...rest, $set: { ...(isPlainObject(rest.$set) ? rest.$set : {}), ...$setOnInsert } }
    : rest;
  return Object.fromEntries(
    Object.entries(modifier).map(([operator, argument]) => [operator, STORING_OPERATORS.has(operator) ? argument : toView(argument)]),
  );
}

/** Runs operators or a pipeline on a copy of the document's view; the original is never mutated. */
function applyWithMingo(view: Document, spec: Exclude<UpdateSpec, { kind: 'replacement' }>, context: UpdateContext, inserting: boolean): Document {
  const target = cloneDeep(view);
  if (spec.kind === 'pipeline') {
    const documents = [target];
    updateOne(documents, {}, toView(spec.stages) as PipelineStage[], {}, queryOptions());
    return documents[0] as Document;
  }
  // On insert the filter need not match the seed document, and there is no positional `$` to resolve.
  const condition = inserting ? undefined : toView(context.filter);
  try {
    update(target, modifierFor(spec.operators, inserting), toView(context.arrayFilters), condition, {
      queryOptions: queryOptions(),
    });
  } catch (error) {
    // mingo refuses `_id` changes itself, with MongoDB's wording but not its error code.
    if (error instanceof MingoError && error.message.includes("immutable field '_id'")) throw immutableIdError();
    throw error;
  }
  return target;
}

/**
 * The document that results from applying `spec` to `doc`, with BSON types restored and `_id`
 * first. `inserting` is true for the document an upsert creates.
 */
export function applyUpdate(doc: Document, spec: UpdateSpec, context: UpdateContext, inserting = false): Document {
  if (spec.kind === 'replacement') {
    if (Object.hasOwn(spec.document, '_id') && Object.hasOwn(doc, '_id') && !isEqual(toView(spec.document._id), toView(doc._id))) {
      throw immutableIdError();
    }
    return withIdFirst(spec.document, Object.hasOwn(doc, '_id') ? doc._id : spec.document._id);
  }
  const view = toView(doc);
  const updatedView = applyWithMingo(view, spec, context, inserting);
  const updated = view === doc ? updatedView : (restoreTypes(doc, updatedView) as Document);
  if (Object.hasOwn(doc, '_id')) {
    if (!isEqual(toView(updated._id), toView(doc._id))) throw immutableIdError();
    return withIdFirst(updated, doc._id);
  }
  return withIdFirst(updated);
}

/** The equality conditions of a filter, which MongoDB copies into the document an upsert inserts. */
function equalityFields(filter: Document, into: Document): Document {
  for (const [path, condition] of Object.entries(filter)) {
    if (path === '$and' && Array.isArray(condition)) {
      condition.filter(isPlainObject).forEach((clause) => equalityFields(clause, into));
    } else if (path.startsWith('$') || condition instanceof RegExp) {
      continue;
    } else if (isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith('$'))) {
      if (Object.hasOwn(condition, '$eq')) setValue(into, path, condition.$eq);
    } else {
      setValue(into, path, condition);
    }
  }
  return into;
}

/** The document an upsert inserts when nothing matched. */
export function buildUpsertDocument(spec: UpdateSpec, context: UpdateContext): Document {
  const seed = equalityFields(context.filter, {});
  // A replacement keeps only the filter's _id; operator and pipeline updates start from all equalities.
  const base = spec.kind === 'replacement' ? (Object.hasOwn(seed, '_id') ? { _id: seed._id } : {}) : seed;
  return applyUpdate(base, spec, context, true);
}

/** Whether an update changed anything, comparing exact BSON (so 1 → 1.0 counts as a change). */
export function sameDocument(a: Document, b: Document): boolean {
  return Buffer.from(serialize(a)).equals(Buffer.from(serialize(b)));
}
