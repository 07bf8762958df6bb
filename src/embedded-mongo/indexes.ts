import { EJSON, ObjectId } from 'bson';
import { compareValues } from './bson-order.js';
import { type Document, isPlainObject, toNumber, toView } from './bson-values.js';
import { CommandError, notSupported } from './errors.js';
import { Query, queryOptions } from './mingo/context.js';
import { valuesAtPath } from './paths.js';
import type { StoredRecord } from './storage.js';

/** Options that change what an index means; two specs with equal keys and these are the same index. */
const SIGNIFICANT_OPTIONS = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds'] as const;

export const ID_INDEX_NAME = '_id_';

/** MongoDB's generated index name: `{ a: 1, b: -1 }` becomes `a_1_b_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(toNumber(direction) ?? direction)}`)
    .join('_');
}

function validateKey(key: unknown): Document {
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new CommandError('CannotCreateIndex', "Index keys must be a non-empty document, e.g. { field: 1 }");
  }
  for (const [field, direction] of Object.entries(key)) {
    const value = toNumber(direction);
    // Wildcard keys (`$**`) look numeric but mean something else entirely.
    if (value === undefined || value === 0 || Number.isNaN(value) || field.includes('$**')) {
      throw new CommandError(
        'CannotCreateIndex',
        `Index key '${field}: ${JSON.stringify(direction)}' is not supported: the embedded database only builds ascending (1) and descending (-1) indexes`,
      );
    }
  }
  return key;
}

/** Index keys compare by value across numeric types (1, 1.0 and Long(1) collide, as in MongoDB). */
function keyOf(tuple: unknown[]): string {
  return EJSON.stringify(tuple, { relaxed: true });
}

/**
 * A value whose equality match is exactly an index key lookup. Excluded: null (matches missing
 * fields, which sparse indexes skip), arrays and documents (whole-value equality, not per element),
 * regular expressions and operator documents.
 */
function isPointValue(value: unknown): boolean {
  return value !== null && value !== undefined && !Array.isArray(value) && !isPlainObject(value) && !(value instanceof RegExp);
}

/** The values an equality or an `$in` of point values matches, each an index key lookup; undefined for anything else. */
function pointValuesOf(condition: unknown): unknown[] | undefined {
  if (isPointValue(condition)) return [condition];
  if (!isPlainObject(condition) || Object.keys(condition).length !== 1 || !Array.isArray(condition.$in)) return undefined;
  return condition.$in.every(isPointValue) ? condition.$in : undefined;
}

/** Renders a value the way the mongo shell (and so MongoDB's E11000 message) does. */
export function formatShellValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatShellValue).join(', ')} ]`;
  if (isPlainObject(value)) return formatShellDocument(value);
  if (value === null || typeof value !== 'object') return String(value);
  return EJSON.stringify(value, { relaxed: true });
}

/** Compares index key tuples field by field, each in its index direction (1 or -1). */
function compareKeys(a: unknown[], b: unknown[], directions: readonly number[]): number {
  for (const [i, direction] of directions.entries()) {
    const order = compareValues(a[i], b[i]) * direction;
    if (order !== 0) return order;
  }
  return 0;
}

function formatShellDocument(document: Document): string {
  const entries = Object.entries(document).map(([key, value]) => `${key}: ${formatShellValue(value)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** One index of a collection. Unique indexes keep a key → record id map to reject duplicates. */
export class CollectionIndex {
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
  private readonly sparse: boolean;
  private readonly partialFilter: Query | undefined;
  private readonly entries = new Map<string, number>();

  /** `spec` is exactly what listIndexes reports. `_id_` is unique without saying so, like MongoDB. */
  constructor(
    readonly spec: Document,
    private readonly namespace: string,
    isIdIndex = false,
  ) {
    this.name = String(spec.name);
    this.fields = Object.keys(spec.key as Document);
    this.unique = isIdIndex || spec.unique === true;
    this.sparse = spec.sparse === true;
    this.partialFilter = isPlainObject(spec.partialFilterExpression)
      ? new Query(toView(spec.partialFilterExpression), queryOptions())
      : undefined;
  }

  get key(): Document {
    return this.spec.key as Document;
  }

  get partial(): boolean {
    return this.partialFilter !== undefined;
  }

  /**
   * The records in this index's order, as a scan of it returns them: by key in the index's
   * directions, equal keys by record id, a multikey document once at its first key. Documents the
   * index leaves out (sparse) are not there.
   */
  scan(records: Iterable<StoredRecord>): StoredRecord[] {
    const directions = this.fields.map((field) => ((toNumber(this.key[field]) ?? 1) < 0 ? -1 : 1));
    const entries = [...records].flatMap((record) => this.tuplesOf(record.view).map((tuple) => ({ tuple, record })));
    entries.sort((a, b) => compareKeys(a.tuple, b.tuple, directions) || a.record.id - b.record.id);
    return [...new Set(entries.map((entry) => entry.record))];
  }

  /** The key tuples a document contributes (several for array values), or none if not indexed. */
  private tuplesOf(view: Document): unknown[][] {
    if (this.partialFilter && !this.partialFilter.test(view)) return [];
    const perField = this.fields.map((field) => valuesAtPath(view, field));
    if (this.sparse && perField.every((values) => values.length === 0)) return [];
    // Missing fields index as null, which is why two documents without the field collide.
    return perField.reduce<unknown[][]>(
      (tuples, values) => tuples.flatMap((tuple) => (values.length ? values : [null]).map((value) => [...tuple, value])),
      [[]],
    );
  }

  private keysOf(record: StoredRecord): Map<string, unknown[]> {
    const keys = new Map<string, unknown[]>();
    if (!this.unique) return keys;
    for (const tuple of this.tuplesOf(record.view)) keys.set(keyOf(tuple), tuple);
    return keys;
  }

  /**
   * For a filter `{ field: value }` or `{ field: { $in: [values] } }` on a unique single-field
   * index, the only records that can match (or none); undefined when this index cannot answer. A partial index is unusable: a
   * document outside its filter can still match the query without being indexed.
   */
  lookup(filter: Document): number[] | undefined {
    const [field] = this.fields;
    if (!this.unique || this.partialFilter || this.fields.length !== 1 || field === undefined) return undefined;
    if (!Object.hasOwn(filter, field)) return undefined;
    const values = pointValuesOf(filter[field]);
    if (!values) return undefined;
    const holders = new Set(values.flatMap((value) => this.entries.get(keyOf([toView(value)])) ?? []));
    // In natural order, as a scan would find them (record ids grow with insertion).
    return [...holders].sort((a, b) => a - b);
  }

  /** Throws the E11000 error MongoDB would if `record` (replacing `replacedId`) were stored. */
  assertAccepts(record: StoredRecord, replacedId?: number): void {
    for (const [key, tuple] of this.keysOf(record)) {
      const holder = this.entries.get(key);
      if (holder !== undefined && holder !== replacedId) throw this.duplicateKeyError(tuple);
    }
  }

  add(record: StoredRecord): void {
    for (const key of this.keysOf(record).keys()) this.entries.set(key, record.id);
  }

  remove(record: StoredRecord): void {
    for (const key of this.keysOf(record).keys()) {
      if (this.entries.get(key) === record.id) this.entries.delete(key);
    }
  }

  private duplicateKeyError(tuple: unknown[]): CommandError {
    const keyValue = Object.fromEntries(this.fields.map((field, i) => [field, tuple[i]]));
    return new CommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.namespace} index: ${this.name} dup key: ${formatShellDocument(keyValue)}`,
      { keyPattern: this.key, keyValue },
    );
  }

  /** Equal key pattern and significant options: creating it again is a no-op. */
  sameDefinitionAs(spec: Document): boolean {
    return this.sameKeyAs(spec) && significantOptions(this.spec) === significantOptions(spec);
  }

  sameKeyAs(spec: Document): boolean {
    return EJSON.stringify(this.key) === EJSON.stringify(spec.key);
  }
}

function significantOptions(spec: Document): string {
  return EJSON.stringify(SIGNIFICANT_OPTIONS.map((option) => spec[option] ?? null));
}

/** The indexes of one collection, always starting with the unique `_id_` index. */
export class IndexCatalog {
  private readonly indexes: CollectionIndex[];

  constructor(private readonly namespace: string) {
    this.indexes = [new CollectionIndex({ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME }, namespace, true)];
  }

  list(): readonly CollectionIndex[] {
    return this.indexes;
  }

  /** Validates a createIndexes entry into the spec listIndexes will report. */
  static normalizeSpec(requested: unknown): Document {
    if (!isPlainObject(requested)) throw new CommandError('TypeMismatch', 'Each index specification must be a document');
    const key = validateKey(requested.key);
    if (requested.collation !== undefined) throw notSupported('Index collation');
    if (requested.name !== undefined && typeof requested.name !== 'string') {
      throw new CommandError('TypeMismatch', 'The index name must be a string');
    }
    const { v: _version, ns: _legacyNamespace, key: _key, name, ...options } = requested;
    // MongoDB stores these flags as booleans whatever the client sent (e.g. `unique: 1`).
    for (const flag of ['unique', 'sparse'] as const) {
      if (options[flag] !== undefined) options[flag] = Boolean(options[flag]);
    }
    return { v: 2, key, name: name ?? defaultIndexName(key), ...options };
  }

  /**
   * Adds an index built over `records`. Returns false when an identical index already exists.
   * A unique index over data that already has duplicates fails with E11000, like MongoDB.
   */
  create(spec: Document, records: Iterable<StoredRecord>): boolean {
    const sameName = this.indexes.find((index) => index.name === spec.name);
    if (sameName?.sameDefinitionAs(spec)) return false;
    if (sameName?.sameKeyAs(spec)) {
      throw new CommandError(
        'IndexOptionsConflict',
        `An equivalent index already exists with the same name but different options. Requested index: ${EJSON.stringify(spec)}, existing index: ${EJSON.stringify(sameName.spec)}`,
      );
    }
    if (sameName) {
      throw new CommandError(
        'IndexKeySpecsConflict',
        `An existing index has the same name as the requested index. Requested index: ${EJSON.stringify(spec)}, existing index: ${EJSON.stringify(sameName.spec)}`,
      );
    }
    const sameKey = this.indexes.find((index) => index.sameKeyAs(spec));
    if (sameKey) {
      throw new CommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    const index = new CollectionIndex(spec, this.namespace);
    for (const record of records) {
      index.assertAccepts(record);
      index.add(record);
    }
    this.indexes.push(index);
    return true;
  }

  /** Removes one index by name or key pattern; `_id_` cannot be dropped. */
  drop(nameOrKey: unknown): void {
    const position = this.indexes.findIndex((index) =>
      isPlainObject(nameOrKey) ? index.sameKeyAs({ key: nameOrKey }) : index.name === nameOrKey,
    );
    if (position === 0) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (position < 0) {
      const described = typeof nameOrKey === 'string' ? nameOrKey : EJSON.stringify(nameOrKey);
      throw new CommandError('IndexNotFound', `index not found with name [${described}]`);
    }
    this.indexes.splice(position, 1);
  }

  dropAllButId(): void {
    this.indexes.splice(1);
  }

  /** Record ids that alone can match `filter` according to some unique index, if one applies. */
  lookup(filter: Document): number[] | undefined {
    for (const index of this.indexes) {
      const ids = index.lookup(filter);
      if (ids) return ids;
    }
    return undefined;
  }

  /** Checks every unique index before anything becomes visible, so a failing write leaves no trace. */
  assertAccepts(record: StoredRecord, replacedId?: number): void {
    for (const index of this.indexes) index.assertAccepts(record, replacedId);
  }

  add(record: StoredRecord): void {
    for (const index of this.indexes) index.add(record);
  }

  remove(record: StoredRecord): void {
    for (const index of this.indexes) index.remove(record);
  }
}
