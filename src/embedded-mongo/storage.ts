import { ObjectId, UUID } from 'bson';
import { type Document, toView } from './bson-values.js';
import { CommandError } from './errors.js';
import { IndexCatalog } from './indexes.js';

/**
 * A stored document. Records are immutable: an update stores a new record under the same id, so
 * open cursors and in-flight results never see a document change under them.
 */
export type StoredRecord = { readonly id: number; readonly doc: Document; readonly view: Document };

/** MongoDB puts `_id` first whatever the order the client used, generating an ObjectId if missing. */
export function withIdFirst(doc: Document, id: unknown = Object.hasOwn(doc, '_id') ? doc._id : new ObjectId()): Document {
  if (Array.isArray(id)) throw new CommandError('BadValue', "can't use an array for _id");
  const { _id: _ignored, ...rest } = doc;
  return { _id: id, ...rest };
}

export class Collection {
  readonly indexes: IndexCatalog;
  readonly uuid = new UUID();
  private readonly records = new Map<number, StoredRecord>();
  private nextId = 1;

  constructor(
    readonly database: string,
    readonly name: string,
    /** The options given to `create`, reported by listCollections. */
    readonly options: Document = {},
  ) {
    this.indexes = new IndexCatalog(this.namespace);
  }

  get namespace(): string {
    return `${this.database}.${this.name}`;
  }

  get size(): number {
    return this.records.size;
  }

  all(): IterableIterator<StoredRecord> {
    return this.records.values();
  }

  /** The records that can match `filter`: one or none when a unique index pins it down, else all. */
  candidates(filter: Document): Iterable<StoredRecord> {
    const ids = this.indexes.lookup(filter);
    if (!ids) return this.all();
    return ids.flatMap((id) => this.records.get(id) ?? []);
  }

  insert(doc: Document): StoredRecord {
    return this.store(this.nextId++, withIdFirst(doc));
  }

  /** Replaces a record's document, keeping its place in natural order. */
  replace(record: StoredRecord, doc: Document): StoredRecord {
    return this.store(record.id, doc, record);
  }

  remove(record: StoredRecord): void {
    this.indexes.remove(record);
    this.records.delete(record.id);
  }

  /** All checks happen before the first change, so a rejected write leaves no trace. */
  private store(id: number, doc: Document, previous?: StoredRecord): StoredRecord {
    const record: StoredRecord = { id, doc, view: toView(doc) };
    this.indexes.assertAccepts(record, previous?.id);
    if (previous) this.indexes.remove(previous);
    this.indexes.add(record);
    this.records.set(id, record);
    return record;
  }
}

function assertValidName(kind: 'database' | 'collection', name: string): void {
  const invalid = kind === 'database' ? /[/\\. "$\0]/ : /[$\0]/;
  if (name.length === 0 || invalid.test(name)) {
    throw new CommandError('InvalidNamespace', `Invalid ${kind} name: '${name}'`);
  }
}

/** All databases of one embedded server: database name → collection name → collection. */
export class Storage {
  private readonly databases = new Map<string, Map<string, Collection>>();

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collections(database: string): Collection[] {
    return [...(this.databases.get(database)?.values() ?? [])];
  }

  find(database: string, name: string): Collection | undefined {
    return this.databases.get(database)?.get(name);
  }

  /** Like MongoDB, writes and index builds create their collection on first use. */
  getOrCreate(database: string, name: string): Collection {
    return this.find(database, name) ?? this.create(database, name);
  }

  create(database: string, name: string, options: Document = {}): Collection {
    assertValidName('database', database);
    assertValidName('collection', name);
    if (this.find(database, name)) {
      throw new CommandError('NamespaceExists', `Collection ${database}.${name} already exists.`);
    }
    const collection = new Collection(database, name, options);
    const collections = this.databases.get(database) ?? new Map<string, Collection>();
    collections.set(name, collection);
    this.databases.set(database, collections);
    return collection;
  }

  /** Returns false when there was nothing to drop. */
  drop(database: string, name: string): boolean {
    const collections = this.databases.get(database);
    const dropped = collections?.delete(name) ?? false;
    if (collections?.size === 0) this.databases.delete(database);
    return dropped;
  }

  dropDatabase(database: string): void {
    this.databases.delete(database);
  }
}
