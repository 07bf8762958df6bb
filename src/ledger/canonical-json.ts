import { createHash } from 'node:crypto';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * JSON with object keys sorted at every depth, so equal values always give equal text. Dates
 * become ISO strings and `undefined` properties are left out, as JSON.stringify would. Values
 * JSON cannot hold (NaN, an invalid Date) are tagged, so a fingerprint never fails on bad input.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // NaN and the infinities have no JSON form; tagged, they stay distinct from every JSON value.
    return Number.isFinite(value) ? value : { $number: String(value) };
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? { $date: 'invalid' } : value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object') {
    const sorted: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      const property = (value as Record<string, unknown>)[key];
      if (property !== undefined) sorted[key] = normalize(property);
    }
    return sorted;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
