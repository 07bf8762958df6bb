import { type Document, isPlainObject, toNumber } from '../bson-values.js';
import { CommandError, notSupported } from '../errors.js';

/**
 * Typed access to command fields, failing with MongoDB's TypeMismatch wording so a client bug is
 * reported at the field that caused it.
 */
function typeMismatch(command: Document, field: string, expected: string): CommandError {
  const value = command[field];
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return new CommandError(
    'TypeMismatch',
    `BSON field '${commandName(command)}.${field}' is the wrong type '${actual}', expected type '${expected}'`,
  );
}

export function commandName(command: Document): string {
  return Object.keys(command)[0] ?? '';
}

/** The collection a collection-level command targets: the value of the command's own key. */
export function collectionArgument(command: Document): string {
  const name = command[commandName(command)];
  if (typeof name !== 'string' || name.length === 0) {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  return name;
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw typeMismatch(command, field, 'object');
  return value;
}

export function optionalInteger(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  const number = toNumber(value);
  if (number === undefined || !Number.isInteger(number)) throw typeMismatch(command, field, 'int');
  return number;
}

/** A non-negative integer option such as skip or batchSize. */
export function optionalCount(command: Document, field: string): number | undefined {
  const value = optionalInteger(command, field);
  if (value !== undefined && value < 0) {
    throw new CommandError('BadValue', `BSON field '${field}' value must be >= 0, actual value '${value}'`);
  }
  return value;
}

export function optionalBoolean(command: Document, field: string): boolean | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const number = toNumber(value);
  if (number === undefined) throw typeMismatch(command, field, 'bool');
  return number !== 0;
}

export function documentArray(command: Document, field: string): Document[] {
  const value = command[field];
  if (!Array.isArray(value) || !value.every(isPlainObject)) throw typeMismatch(command, field, 'array of objects');
  return value;
}

export function optionalDocumentArray(command: Document, field: string): Document[] | undefined {
  return command[field] === undefined || command[field] === null ? undefined : documentArray(command, field);
}

/**
 * Options that would change results if silently ignored are refused instead (an explicit false is
 * harmless). `source` is a command, or a statement of one named by `label`.
 */
export function rejectOptions(source: Document, fields: readonly string[], label = commandName(source)): void {
  for (const field of fields) {
    if (source[field] !== undefined && source[field] !== null && source[field] !== false) {
      throw notSupported(`The '${field}' option of ${label}`);
    }
  }
}

/** The `cursor: { batchSize }` option of aggregate and the list commands. */
export function cursorBatchSize(command: Document): number | undefined {
  const cursor = optionalDocument(command, 'cursor');
  return cursor ? optionalCount(cursor, 'batchSize') : undefined;
}
