import { calculateObjectSize } from 'bson';
import type { Document } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { compileFilter } from '../query.js';
import type { Collection } from '../storage.js';
import { collectionArgument, cursorBatchSize, optionalBoolean, optionalDocument, rejectOptions } from './arguments.js';
import type { CommandContext, CommandHandler } from './context.js';
import { ENVELOPE_FIELDS } from './envelope.js';

/**
 * Collection kinds and rules whose behaviour we would silently get wrong (documents validated or
 * not, capped eviction, time-series buckets, clustered order), so `create` refuses them.
 */
const UNSUPPORTED_CREATE_OPTIONS = [
  'capped', 'timeseries', 'viewOn', 'pipeline', 'clusteredIndex', 'expireAfterSeconds', 'collation', 'validator',
  'changeStreamPreAndPostImages', 'encryptedFields', 'idIndex',
];
/** Options MongoDB accepts that change nothing the embedded database does; they are kept and listed. */
const STORED_CREATE_OPTIONS = ['size', 'max', 'storageEngine', 'indexOptionDefaults', 'validationLevel', 'validationAction', 'autoIndexId', 'temp', 'flags'];

function create(command: Document, { state, database }: CommandContext): Document {
  const [, ...optionEntries] = Object.entries(command).filter(([field]) => !ENVELOPE_FIELDS.has(field));
  // create's parser is strict in MongoDB: a misspelt option fails instead of being ignored.
  const unknown = optionEntries.find(([field]) => !UNSUPPORTED_CREATE_OPTIONS.includes(field) && !STORED_CREATE_OPTIONS.includes(field));
  if (unknown) throw new CommandError('Location40415', `BSON field 'create.${unknown[0]}' is an unknown field.`);
  rejectOptions(command, UNSUPPORTED_CREATE_OPTIONS);
  state.storage.create(database, collectionArgument(command), Object.fromEntries(optionEntries));
  return { ok: 1 };
}

function drop(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  const collection = state.storage.find(database, name);
  if (!collection) throw new CommandError('NamespaceNotFound', 'ns not found');
  state.storage.drop(database, name);
  return { nIndexesWas: collection.indexes.list().length, ns: collection.namespace, ok: 1 };
}

function describeCollection(collection: Collection): Document {
  return {
    name: collection.name,
    type: 'collection',
    options: collection.options,
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: collection.indexes.list()[0]?.spec,
  };
}

function listCollections(command: Document, { state, database }: CommandContext): Document {
  const filter = compileFilter(optionalDocument(command, 'filter') ?? {});
  const nameOnly = optionalBoolean(command, 'nameOnly') ?? false;
  const entries = state.storage
    .collections(database)
    .map(describeCollection)
    .filter((entry) => filter.test(entry))
    .map((entry) => (nameOnly ? { name: entry.name, type: entry.type } : entry));
  const cursor = state.cursors.open(`${database}.$cmd.listCollections`, entries, { batchSize: cursorBatchSize(command) });
  return { cursor, ok: 1 };
}

function dataSize(collections: Collection[]): number {
  let bytes = 0;
  for (const collection of collections) for (const record of collection.all()) bytes += calculateObjectSize(record.doc);
  return bytes;
}

function listDatabases(command: Document, { state, database }: CommandContext): Document {
  if (database !== 'admin') {
    throw new CommandError('Unauthorized', 'listDatabases may only be run against the admin database.');
  }
  const filter = compileFilter(optionalDocument(command, 'filter') ?? {});
  const nameOnly = optionalBoolean(command, 'nameOnly') ?? false;
  const databases = state.storage
    .databaseNames()
    .map((name) => {
      const sizeOnDisk = dataSize(state.storage.collections(name));
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    })
    .filter((entry) => filter.test(entry));
  if (nameOnly) return { databases: databases.map(({ name }) => ({ name })), ok: 1 };
  const totalSize = databases.reduce((sum, entry) => sum + entry.sizeOnDisk, 0);
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
}

function dropDatabase(_command: Document, { state, database }: CommandContext): Document {
  state.storage.dropDatabase(database);
  return { dropped: database, ok: 1 };
}

export const namespaceCommands: Record<string, CommandHandler> = {
  create,
  drop,
  listCollections,
  listDatabases,
  dropDatabase,
};
