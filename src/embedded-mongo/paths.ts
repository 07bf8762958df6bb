import { isPlainObject } from './bson-values.js';

/**
 * Every value a dotted path reaches, descending into arrays the way MongoDB does for index keys
 * and `distinct`: `a.b` over `{ a: [{ b: 1 }, { b: [2, 3] }] }` yields 1, 2 and 3.
 * A missing path yields nothing; callers decide whether that means null.
 */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  return collect(value, path.split('.'));
}

function collect(value: unknown, segments: readonly string[]): unknown[] {
  const [head, ...rest] = segments;
  if (head === undefined) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) {
    // A numeric segment addresses one element; otherwise the path applies to every element.
    const index = /^\d+$/.test(head) ? Number(head) : -1;
    const byIndex = index >= 0 && index < value.length ? collect(value[index], rest) : [];
    return [...byIndex, ...value.flatMap((item) => (isPlainObject(item) ? collect(item, segments) : []))];
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, head)) return [];
  return collect(value[head], rest);
}
