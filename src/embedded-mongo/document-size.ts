import { calculateObjectSize, serialize } from 'bson';
import type { Document } from './bson-values.js';
import { CommandError } from './errors.js';

/** MongoDB's BSONObjMaxUserSize: no stored document may be larger (hello's maxBsonObjectSize). */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/**
 * How each write path refuses a document over the limit, as mongod 7.0 does: an insert is checked
 * as it arrives (fixDocumentForInsert, BadValue), an update's result by the update stage (17419)
 * and an upsert's new document by the upsert stage (17420).
 */
const REFUSALS = {
  insert: (size: number) =>
    new CommandError('BadValue', `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`),
  update: () => new CommandError('Location17419', `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`),
  upsert: () => new CommandError('Location17420', `Document to upsert is larger than ${MAX_BSON_OBJECT_SIZE}`),
} as const;

export type WriteKind = keyof typeof REFUSALS;

/** Throws MongoDB's error for `kind` when `document` is larger than 16 MiB of BSON. */
export function assertDocumentSize(document: Document, kind: WriteKind): void {
  const size = calculateObjectSize(document);
  if (size > MAX_BSON_OBJECT_SIZE) throw REFUSALS[kind](size);
}

/**
 * The BSON of a document about to be written, or MongoDB's error for `kind` when it is larger
 * than 16 MiB: one serialization serves as the size check and as the bytes to compare. bson
 * serializes into a buffer of 17 MiB, past whose end it cuts a document short (or throws a
 * RangeError), so output of at most 16 MiB is always the whole document (document-size.test.ts
 * holds this for bson's upgrades).
 */
export function serializeWithinLimit(document: Document, kind: WriteKind): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = serialize(document);
  } catch (error) {
    if (!(error instanceof RangeError) || calculateObjectSize(document) <= MAX_BSON_OBJECT_SIZE) throw error;
  }
  if (bytes !== undefined && bytes.length <= MAX_BSON_OBJECT_SIZE) return bytes;
  throw REFUSALS[kind](calculateObjectSize(document));
}
