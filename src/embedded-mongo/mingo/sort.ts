import { Lazy } from 'mingo/lazy';
import type { Iterator } from 'mingo/lazy';
import type { AnyObject, Options } from 'mingo/types';
import { compareValues } from '../bson-order.js';
import { type Document, isPlainObject, toNumber } from '../bson-values.js';
import { CommandError, notSupported } from '../errors.js';
import { formatShellValue } from '../indexes.js';

type SortKey = { path: string; direction: 1 | -1 };

/** A sort specification's keys, refused as MongoDB refuses them (15974, 15975). */
function sortKeys(spec: Document): SortKey[] {
  return Object.entries(spec).map(([path, value]) => {
    if (isPlainObject(value)) throw notSupported(`sorting by ${JSON.stringify(value)}`);
    const direction = toNumber(value);
    if (direction === undefined) throw new CommandError('Location15974', `Illegal key in $sort specification: ${path}: ${formatShellValue(value)}`);
    if (direction !== 1 && direction !== -1) {
      throw new CommandError('Location15975', '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    return { path, direction };
  });
}

/**
 * The values a document offers to sort on a path, as MongoDB's sort keys read it: a missing field
 * (also in an element of an array of documents) is null, an array contributes its elements (an
 * empty array contributes `undefined`, which sorts before null).
 */
function sortCandidates(value: unknown, segments: readonly string[]): unknown[] {
  const [head, ...rest] = segments;
  if (head === undefined) {
    if (!Array.isArray(value)) return [value];
    return value.length === 0 ? [undefined] : value;
  }
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head) && Number(head) < value.length) return sortCandidates(value[Number(head)], rest);
    return value.length === 0 ? [undefined] : value.flatMap((item) => sortCandidates(item, segments));
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, head)) return [null];
  return sortCandidates(value[head], rest);
}

/** A document's key on one path: its smallest candidate ascending, its largest descending. */
function sortKeyOf(document: AnyObject, { path, direction }: SortKey): unknown {
  const candidates = sortCandidates(document, path.split('.'));
  return candidates.reduce((best, candidate) => (compareValues(candidate, best) * direction < 0 ? candidate : best));
}

/**
 * Documents in MongoDB's sort order: key by key, each value in canonical BSON order (bson-order.ts:
 * MinKey, null and missing alike, numbers, strings, documents, arrays, BinData, ObjectId, booleans,
 * dates, Timestamps, regexes, MaxKey), an array by its smallest element ascending and its largest
 * descending; ties keep their input order. mingo's sort put ObjectId, BinData, Timestamp and
 * MinKey/MaxKey after everything, null before missing, and an array by its sorted contents.
 */
export function sortDocuments<T extends AnyObject>(documents: readonly T[], spec: Document): T[] {
  const keys = sortKeys(spec);
  const keyed = documents.map((document) => ({ document, values: keys.map((key) => sortKeyOf(document, key)) }));
  keyed.sort((a, b) => {
    for (const [index, key] of keys.entries()) {
      const order = compareValues(a.values[index], b.values[index]);
      if (order !== 0) return order * key.direction;
    }
    return 0;
  });
  return keyed.map(({ document }) => document);
}

/** The aggregation `$sort` stage with that order; its specification is checked when the pipeline is parsed. */
function $sort(collection: Iterator, spec: AnyObject, _options: Options): Iterator {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) throw new CommandError('Location15976', '$sort stage must have at least one sort key');
  sortKeys(spec);
  return collection.transform((documents) => Lazy(sortDocuments(documents as AnyObject[], spec)));
}

/** Pipeline stages that differ from mingo's, by name. */
export const pipelineOperatorFixes = { $sort };
