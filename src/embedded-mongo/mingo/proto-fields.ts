import type { AnyObject } from 'mingo/types';
import { isPlainObject } from '../bson-values.js';
import { notSupported } from '../errors.js';

const namesProto = (key: string): boolean => key.split('.').includes('__proto__');

function holdsProtoField(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsProtoField);
  return isPlainObject(value) && Object.entries(value).some(([key, item]) => namesProto(key) || holdsProtoField(item));
}

/**
 * A filter naming a `__proto__` field (as a path or inside a value) is refused with 238
 * NotImplemented: MongoDB treats it as any other field, but mingo copies filters by assignment,
 * which drops such a field, so `{ __proto__: 2 }` would silently match every document.
 */
export function refuseProtoFields(condition: AnyObject): AnyObject {
  if (holdsProtoField(condition)) throw notSupported('a filter on a field named __proto__');
  return condition;
}
