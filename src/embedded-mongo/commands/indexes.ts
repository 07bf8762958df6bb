import type { Document } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { IndexCatalog } from '../indexes.js';
import { collectionArgument, cursorBatchSize, documentArray } from './arguments.js';
import type { CommandContext, CommandHandler } from './context.js';

function createIndexes(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  // Validate every spec before touching anything, so a bad request creates nothing.
  const specs = documentArray(command, 'indexes').map((spec) => IndexCatalog.normalizeSpec(spec));
  const createdCollectionAutomatically = !state.storage.find(database, name);
  const collection = state.storage.getOrCreate(database, name);
  const numIndexesBefore = collection.indexes.list().length;
  const created = specs.filter((spec) => collection.indexes.create(spec, collection.all())).length;
  return {
    numIndexesBefore,
    numIndexesAfter: collection.indexes.list().length,
    createdCollectionAutomatically,
    ...(created === 0 ? { note: 'all indexes already exist' } : {}),
    ok: 1,
  };
}

function listIndexes(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  const collection = state.storage.find(database, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${database}.${name}`);
  const specs = collection.indexes.list().map((index) => index.spec);
  return { cursor: state.cursors.open(collection.namespace, specs, { batchSize: cursorBatchSize(command) }), ok: 1 };
}

/** `index` is '*' (all but _id_), a name, a key pattern, or a list of names. */
function dropIndexes(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  const collection = state.storage.find(database, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns not found ${database}.${name}`);
  const nIndexesWas = collection.indexes.list().length;
  const target = command.index;
  if (target === '*') collection.indexes.dropAllButId();
  else (Array.isArray(target) ? target : [target]).forEach((index) => collection.indexes.drop(index));
  return { nIndexesWas, ok: 1 };
}

export const indexCommands: Record<string, CommandHandler> = { createIndexes, listIndexes, dropIndexes, deleteIndexes: dropIndexes };
