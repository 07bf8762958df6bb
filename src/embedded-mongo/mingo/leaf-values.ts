import { isPlainObject, typedFormOf } from '../bson-values.js';

/** Which form of the values to return: the stored BSON types, or the plain numbers mingo compares. */
export type ValueForm = 'typed' | 'view';

/**
 * The values a leaf operator of a filter is tested against, the way MongoDB walks a path: an array
 * met on the way applies the rest of the path to each of its documents (a numeric segment also
 * addresses that element), and a value the path ends on that is an array counts as itself and as
 * each of its elements. In the typed form, a document tested that is a stored document's view (or a
 * part of one) is read in its typed form, so `$type` tells a Long from an int.
 */
export function leafValues(document: unknown, path: string, form: ValueForm): unknown[] {
  return reach(document, path.split('.'), form);
}

function reach(value: unknown, segments: readonly string[], form: ValueForm): unknown[] {
  const current = form === 'typed' ? typedFormOf(value) : value;
  const [head, ...rest] = segments;
  if (head === undefined) return Array.isArray(current) ? [current, ...current] : [current];
  if (Array.isArray(current)) {
    const index = /^\d+$/.test(head) ? Number(head) : -1;
    const byIndex = index >= 0 && index < current.length ? reach(current[index], rest, form) : [];
    return [...byIndex, ...current.flatMap((item) => (isPlainObject(item) ? reach(item, segments, form) : []))];
  }
  if (!isPlainObject(current) || !Object.hasOwn(current, head)) return [];
  return reach(current[head], rest, form);
}
