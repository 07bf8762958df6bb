import { MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { CommandError } from '../errors.js';
import { createAggregator, queryOptions } from './context.js';
import { sortDocuments } from './sort.js';

const ids = (documents: { _id: unknown }[]) => documents.map((document) => document._id);
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof CommandError ? error.code : error;
  }
  return undefined;
};

describe('sortDocuments', () => {
  it("orders across types in MongoDB's canonical order, null and missing tied, ties in input order", () => {
    const documents = [
      { _id: 1, v: new MaxKey() },
      { _id: 2, v: new Timestamp({ t: 1, i: 0 }) },
      { _id: 3, v: new ObjectId('64b7f0000000000000000000') },
      { _id: 4 },
      { _id: 5, v: null },
      { _id: 6, v: new MinKey() },
      { _id: 7, v: 'a' },
    ];
    expect(ids(sortDocuments(documents, { v: 1 }))).toEqual([6, 4, 5, 7, 3, 2, 1]);
    expect(ids(sortDocuments(documents, { v: -1 }))).toEqual([1, 2, 3, 7, 4, 5, 6]);
  });

  it('sorts an array by its smallest element ascending, its largest descending, an empty one before null', () => {
    const documents = [{ _id: 1, v: [3, 1] }, { _id: 2, v: 2 }, { _id: 3, v: [] }, { _id: 4 }];
    expect(ids(sortDocuments(documents, { v: 1 }))).toEqual([3, 4, 1, 2]);
    expect(ids(sortDocuments(documents, { v: -1 }))).toEqual([1, 2, 4, 3]);
  });

  it('refuses a direction other than 1 or -1 (15975) and a non-numeric one (15974)', () => {
    expect(codeOf(() => sortDocuments([], { v: 2 }))).toBe(15975);
    expect(codeOf(() => sortDocuments([], { v: 'up' }))).toBe(15974);
  });

  it('is the aggregation $sort of the context, checked when the pipeline is built', () => {
    const run = createAggregator([{ $sort: { v: 1 } }], queryOptions()).run([{ _id: 1, v: new MaxKey() }, { _id: 2, v: new MinKey() }]);
    expect(ids(run as { _id: unknown }[])).toEqual([2, 1]);
    expect(codeOf(() => createAggregator([{ $sort: {} }], queryOptions()).run([]))).toBe(15976);
  });
});
