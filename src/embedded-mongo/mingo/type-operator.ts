import type { Any, AnyObject, Options } from 'mingo/types';
import { CommandError } from '../errors.js';
import { BSON_TYPE_CODES, type BsonTypeAlias, bsonTypeOf } from './bson-types.js';
import { leafValues } from './leaf-values.js';

const ALIAS_BY_CODE = new Map<number, BsonTypeAlias>(
  Object.entries(BSON_TYPE_CODES).map(([alias, code]) => [code, alias as BsonTypeAlias]),
);
/** `'number'` is the one alias that stands for several types. */
const NUMBER_TYPES: readonly BsonTypeAlias[] = ['double', 'int', 'long', 'decimal'];

function isAlias(name: string): name is BsonTypeAlias {
  return Object.hasOwn(BSON_TYPE_CODES, name);
}

/** One `$type` argument as the types it stands for, refused with MongoDB's codes and messages. */
function typesOf(argument: unknown): readonly BsonTypeAlias[] {
  if (typeof argument === 'string') {
    if (argument === 'number') return NUMBER_TYPES;
    if (isAlias(argument)) return [argument];
    throw new CommandError('BadValue', `Unknown type name alias: ${argument}`);
  }
  if (typeof argument !== 'number') {
    throw new CommandError('TypeMismatch', 'type must be represented as a number or a string');
  }
  if (argument === 0) {
    throw new CommandError('BadValue', `Invalid numerical type code: ${argument}. Instead use {$exists:false}.`);
  }
  const alias = Number.isInteger(argument) ? ALIAS_BY_CODE.get(argument) : undefined;
  if (!alias) throw new CommandError('BadValue', `Invalid numerical type code: ${argument}`);
  return [alias];
}

/**
 * MongoDB's `$type`: a value matches when its stored BSON type is one of those asked for (an alias,
 * a numeric code, `'number'`, or an array of them); a field holding an array matches `'array'` and
 * every type one of its elements has. mingo reads types from the view, where every number is a JS
 * number, so it could not tell a double from an int or see ObjectId, BinData or UUID at all.
 */
export function $type(selector: string, value: Any, _options: Options): (document: AnyObject) => boolean {
  const wanted = new Set((Array.isArray(value) ? value : [value]).flatMap(typesOf));
  if (wanted.size === 0) throw new CommandError('FailedToParse', `${selector} must match at least one type`);
  return (document) => leafValues(document, selector, 'typed').some((leaf) => wanted.has(bsonTypeOf(leaf)));
}
