import { BSONRegExp, Decimal128, Double, Int32, Long, Timestamp, deserialize } from 'bson';

export type Document = Record<string, unknown>;

/**
 * Stored documents keep the exact BSON type of every value, but mingo only understands plain JS
 * numbers. So we keep two representations:
 *
 * - the *typed* form (what is stored and sent back): int32 and non-integral doubles are plain
 *   numbers (bson re-encodes them with the same type), while Long, Decimal128 and doubles holding an
 *   integral value stay wrapped so they round-trip exactly;
 * - the *view* form (what mingo filters, sorts and updates): every numeric wrapper is a number.
 *
 * Documents without numeric wrappers (the common case) are their own view, so no copy is made.
 */
type NumericWrapper = Long | Decimal128 | Double;

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets a document's field as its own, even one named `__proto__` (assigning that would set the prototype). */
export function defineField(document: Document, key: string, value: unknown): void {
  Object.defineProperty(document, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A regular expression in either typed form: a JS RegExp, or bson's BSONRegExp (flags JS lacks). */
export function isRegex(value: unknown): value is RegExp | BSONRegExp {
  return value instanceof RegExp || value instanceof BSONRegExp;
}

function isNumericWrapper(value: unknown): value is NumericWrapper {
  // bson's Timestamp extends Long, but it is no number: it stays itself, so `{ ts: 5 }` never matches it.
  return (value instanceof Long && !(value instanceof Timestamp)) || value instanceof Decimal128 || value instanceof Double;
}

/** A JS number that bson would encode as int32, so a double of that value needs its wrapper. */
export function encodesAsInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && !Object.is(value, -0);
}

/** The numeric value of any BSON number, for arithmetic and option parsing. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Timestamp) return undefined; // a Long to bson, no number to MongoDB
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (value instanceof Double || value instanceof Int32) return value.valueOf();
  return undefined;
}

function mapValues(value: unknown, leaf: (value: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapValues(item, leaf));
  // fromEntries defines each key, so an own `__proto__` field stays a field (assigning it would set the prototype).
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapValues(item, leaf)]));
  return leaf(value);
}

function toTyped(value: unknown): unknown {
  if (value instanceof Int32) return value.valueOf();
  if (value instanceof Double && !encodesAsInt32(value.valueOf())) return value.valueOf();
  return value;
}

/**
 * Decodes one BSON document into the typed form. `promoteValues: false` is what lets us tell
 * an int32 from a double and keep Longs as Longs.
 */
export function decodeDocument(bytes: Uint8Array): Document {
  const raw = deserialize(bytes, { promoteValues: false, promoteLongs: false, promoteBuffers: false });
  return mapValues(raw, toTyped) as Document;
}

function containsNumericWrapper(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsNumericWrapper);
  if (isPlainObject(value)) return Object.values(value).some(containsNumericWrapper);
  return isNumericWrapper(value);
}

/** Each document or array of a view that is a copy, to the typed document or array it was made from. */
const typedForms = new WeakMap<object, object>();

/**
 * The typed form of a value reached in a view, so an operator that depends on the stored BSON type
 * (`$type`, the bitwise operators) sees a Long as a Long. A value that is its own view is returned as is.
 */
export function typedFormOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (typedForms.get(value) ?? value) : value;
}

function viewOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    const view = value.map(viewOf);
    typedForms.set(view, value);
    return view;
  }
  if (isPlainObject(value)) {
    const view: Document = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, viewOf(item)]));
    typedForms.set(view, value);
    return view;
  }
  return isNumericWrapper(value) ? toNumber(value) : value;
}

/** The mingo-friendly form of a typed value (filters, update arguments and documents alike). */
export function toView<T>(value: T): T {
  if (!containsNumericWrapper(value)) return value;
  return viewOf(value) as T;
}

function rewrap(original: NumericWrapper, value: number): unknown {
  if (original instanceof Long) return Number.isInteger(value) ? Long.fromNumber(value) : value;
  if (original instanceof Decimal128) return Decimal128.fromString(String(value));
  return encodesAsInt32(value) ? new Double(value) : value;
}

/**
 * Restores the BSON types of a document that mingo updated in view form: a number that sits where
 * the original document had a Long/Decimal128/Double keeps that wrapper type (so `$inc` on a Long
 * stays a Long), unchanged values get their original wrapper back, everything else is as updated.
 * Arrays are matched by position, which is right for in-place changes and for homogeneous arrays.
 */
export function restoreTypes(original: unknown, updated: unknown): unknown {
  if (typeof updated === 'number') {
    if (!isNumericWrapper(original)) return updated;
    return toNumber(original) === updated ? original : rewrap(original, updated);
  }
  if (Array.isArray(updated)) {
    const originals: unknown[] = Array.isArray(original) ? original : [];
    return updated.map((item, index) => restoreTypes(originals[index], item));
  }
  if (isPlainObject(updated)) {
    const originals: Document = isPlainObject(original) ? original : {};
    return Object.fromEntries(Object.entries(updated).map(([key, item]) => [key, restoreTypes(Object.hasOwn(originals, key) ? originals[key] : undefined, item)]));
  }
  return updated;
}
