import { Long, EJSON } from 'bson';
import { ProcessingMode } from 'mingo';
import { createAggregator, queryOptions } from '../mingo/context.js';
import { type Document, toNumber, toView } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { hintedRecords } from '../hints.js';
import { valuesAtPath } from '../paths.js';
import { projectDocuments } from '../projection.js';
import { selectRecords } from '../query.js';
import {
  collectionArgument,
  cursorBatchSize,
  documentArray,
  optionalBoolean,
  optionalCount,
  optionalDocument,
  optionalInteger,
  rejectOptions,
} from './arguments.js';
import { assertSupportedPipeline } from './pipeline-stages.js';
import type { CommandContext, CommandHandler } from './context.js';

/** The records a read command selects, with the filter, skip and limit options they all share. */
function selectFor(command: Document, { state, database }: CommandContext, filterField: string) {
  const collection = state.storage.find(database, collectionArgument(command));
  const limit = optionalInteger(command, 'limit');
  return selectRecords(collection, {
    filter: optionalDocument(command, filterField) ?? {},
    sort: optionalDocument(command, 'sort'),
    skip: optionalCount(command, 'skip'),
    limit: limit === undefined ? undefined : Math.abs(limit),
    variables: optionalDocument(command, 'let'),
    hint: command.hint,
  });
}

function find(command: Document, context: CommandContext): Document {
  rejectOptions(command, ['collation', 'tailable', 'awaitData', 'min', 'max', 'returnKey', 'showRecordId']);
  const documents = projectDocuments(
    selectFor(command, context, 'filter').map((record) => record.doc),
    optionalDocument(command, 'projection'),
    { filter: optionalDocument(command, 'filter'), variables: optionalDocument(command, 'let') },
  );
  // A negative limit is the legacy way of asking for a single batch.
  const singleBatch = (optionalBoolean(command, 'singleBatch') ?? false) || (optionalInteger(command, 'limit') ?? 0) < 0;
  const namespace = `${context.database}.${collectionArgument(command)}`;
  const cursor = context.state.cursors.open(namespace, documents, { batchSize: optionalCount(command, 'batchSize'), singleBatch });
  return { cursor, ok: 1 };
}

/** Cursor ids travel as int64; a client may still send a plain number. */
function toCursorId(value: unknown): Long {
  return value instanceof Long ? value : Long.fromNumber(toNumber(value) ?? 0);
}

function getMore(command: Document, { state }: CommandContext): Document {
  return { cursor: state.cursors.getMore(toCursorId(command.getMore), optionalCount(command, 'batchSize')), ok: 1 };
}

function killCursors(command: Document, { state }: CommandContext): Document {
  const ids = (Array.isArray(command.cursors) ? command.cursors : []).map(toCursorId);
  const { killed, notFound } = state.cursors.kill(ids);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

function count(command: Document, context: CommandContext): Document {
  rejectOptions(command, ['collation']);
  return { n: selectFor(command, context, 'query').length, ok: 1 };
}

function distinct(command: Document, context: CommandContext): Document {
  // distinct takes a hint from MongoDB 7.1 on; what 7.0 does with one is not reproduced.
  rejectOptions(command, ['collation', 'hint']);
  const key = command.key;
  if (typeof key !== 'string') throw new CommandError('TypeMismatch', "BSON field 'distinct.key' must be a string");
  const values = new Map<string, unknown>();
  for (const record of selectFor(command, context, 'query')) {
    for (const value of valuesAtPath(record.doc, key)) values.set(EJSON.stringify(toView([value]), { relaxed: true }), value);
  }
  return { values: [...values.values()], ok: 1 };
}

/**
 * Aggregation runs in mingo over the documents' views. mingo mutates its input in place unless
 * told to clone it, and stored documents must never change, hence CLONE_INPUT.
 */
function aggregate(command: Document, { state, database }: CommandContext): Document {
  rejectOptions(command, ['collation', 'explain']);
  const pipeline = documentArray(command, 'pipeline');
  if (!optionalDocument(command, 'cursor')) {
    throw new CommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  assertSupportedPipeline(pipeline);
  const viewsOf = (name: string): Document[] => [...(state.storage.find(database, name)?.all() ?? [])].map((record) => record.view);
  // `aggregate: 1` is a database-level pipeline (e.g. starting with $documents): no input collection.
  const collectionName = command.aggregate === 1 ? undefined : collectionArgument(command);
  const aggregator = createAggregator(toView(pipeline), {
    ...queryOptions(optionalDocument(command, 'let')),
    processingMode: ProcessingMode.CLONE_INPUT,
    collectionResolver: viewsOf,
  });
  // The hint chooses the plan of the input collection's scan, so which documents enter and in what order.
  const collection = collectionName === undefined ? undefined : state.storage.find(database, collectionName);
  const input = collection ? (hintedRecords(collection, command.hint) ?? [...collection.all()]) : [];
  const results = aggregator.run<Document>(input.map((record) => record.view));
  const namespace = `${database}.${collectionName ?? '$cmd.aggregate'}`;
  const cursor = state.cursors.open(namespace, results, { batchSize: cursorBatchSize(command) });
  return { cursor, ok: 1 };
}

export const readCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct, aggregate };
