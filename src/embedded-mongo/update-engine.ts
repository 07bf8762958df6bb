import { serialize } from 'bson';
import { cloneDeep } from 'mingo/util';
import { bsonEquals } from './bson-equality.js';
import { type Document, isPlainObject, restoreTypes, toView } from './bson-values.js';
import { assertSupportedPipeline } from './commands/pipeline-stages.js';
import { CommandError } from './errors.js';
import { formatShellValue } from './indexes.js';
import { createAggregator, queryOptions } from './mingo/context.js';
import { type ParsedOperators, applyOperators, parseOperators } from './update-operators.js';
import { withIdFirst } from './storage.js';
import { upsertSeed } from './upsert-seed.js';

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

/**
 * A replacement or a pipeline may not change `_id`: MongoDB compares the new one with the old by
 * BSON value (ObjectReplaceExecutor: int 1, Long 1 and 1.0 are the same `_id`, and the new type is
 * stored), so only another value fails.
 */
function assertSameId(original: Document, replaced: Document): void {
  if (!Object.hasOwn(original, '_id') || !Object.hasOwn(replaced, '_id') || bsonEquals(original._id, replaced._id)) return;
  throw new CommandError('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatShellValue(replaced._id)}`);
}

/** Runs a pipeline update on a copy of the document's view; the original is never mutated. */
function applyPipeline(view: Document, stages: Document[]): Document {
  const [updated] = createAggregator(toView(stages), queryOptions()).run<Document>([cloneDeep(view)]);
  if (!isPlainObject(updated)) throw new CommandError('InternalError', 'embedded database internal error: an update pipeline produced no document');
  return updated;
}

/** A replacement's or a pipeline's result for `doc`, with BSON types restored and `_id` first. */
function replaceDocument(doc: Document, spec: Exclude<UpdateSpec, { kind: 'operators' }>): Document {
  if (spec.kind === 'replacement') {
    assertSameId(doc, spec.document);
    return withIdFirst(spec.document, Object.hasOwn(spec.document, '_id') ? spec.document._id : doc._id);
  }
  const view = toView(doc);
  const updatedView = applyPipeline(view, spec.stages);
  const updated = view === doc ? updatedView : (restoreTypes(doc, updatedView) as Document);
  if (Object.hasOwn(doc, '_id')) {
    // A pipeline that drops `_id` keeps it; the view's `_id` carries no BSON type of its own to store.
    assertSameId(doc, updated);
    return withIdFirst(updated, doc._id);
  }
  return withIdFirst(updated);
}

/** One update statement's update, ready for every document it matches. */
export type PreparedUpdate = {
  /** The document that results from updating `doc`, with `_id` first. */
  apply(doc: Document): Document;
  /** The document an upsert inserts when nothing matched. */
  upsertDocument(): Document;
};

/**
 * Prepares `spec` for the documents of one statement. An operator update is parsed once, at the
 * first document it applies to, and that parsed form serves every other document of an updateMany.
 * Parsing waits for a document because an operator update that matches nothing has never been
 * checked here (MongoDB would refuse a bad one even then).
 */
export function prepareUpdate(spec: UpdateSpec, context: UpdateContext): PreparedUpdate {
  let parsed: ParsedOperators | undefined;
  const applyTo = (doc: Document, inserting: boolean): Document => {
    if (spec.kind !== 'operators') return replaceDocument(doc, spec);
    parsed ??= parseOperators(spec.operators, context.arrayFilters);
    return withIdFirst(applyOperators(doc, parsed, { filter: context.filter, inserting }));
  };
  return {
    apply: (doc) => applyTo(doc, false),
    upsertDocument: () => applyTo(upsertSeed(context.filter, spec.kind === 'replacement'), true),
  };
}

/** Whether an update changed anything, comparing exact BSON (so 1 → 1.0 counts as a change). */
export function serializesTo(doc: Document, bytes: Uint8Array): boolean {
  return Buffer.compare(serialize(doc), bytes) === 0;
}
