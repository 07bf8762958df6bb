import { serialize } from 'bson';
import { cloneDeep, isEqual, setValue } from 'mingo/util';
import { type Document, isPlainObject, restoreTypes, toView } from './bson-values.js';
import { assertSupportedPipeline } from './commands/pipeline-stages.js';
import { CommandError } from './errors.js';
import { createAggregator, queryOptions } from './mingo/context.js';
import { applyOperators } from './update-operators.js';
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

/** The stages MongoDB allows in a pipeline-style update (every other one is refused with 72). */
const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** A pipeline update is checked when parsed, as MongoDB does, so a bad one fails even when nothing matches. */
function parsePipelineUpdate(stages: unknown[]): UpdateSpec {
  if (!stages.every(isPlainObject)) throw new CommandError('FailedToParse', 'Each update pipeline stage must be a document');
  assertSupportedPipeline(stages);
  for (const stage of stages) {
    const name = Object.keys(stage)[0] as string;
    if (!UPDATE_PIPELINE_STAGES.has(name)) throw new CommandError('InvalidOptions', `${name} is not allowed to be used within an update`);
  }
  return { kind: 'pipeline', stages };
}

export function parseUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update)) return parsePipelineUpdate(update);
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

/** Runs a pipeline update on a copy of the document's view; the original is never mutated. */
function applyPipeline(view: Document, stages: Document[]): Document {
  const [updated] = createAggregator(toView(stages), queryOptions()).run<Document>([cloneDeep(view)]);
  if (!isPlainObject(updated)) throw new CommandError('InternalError', 'embedded database internal error: an update pipeline produced no document');
  return updated;
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
  if (spec.kind === 'operators') {
    return withIdFirst(applyOperators(doc, spec.operators, { filter: context.filter, arrayFilters: context.arrayFilters, inserting }));
  }
  const view = toView(doc);
  const updatedView = applyPipeline(view, spec.stages);
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
