import { Long, serialize } from 'bson';
import { Query as RootQuery } from 'mingo';
import { describe, expect, it } from 'vitest';
import { type Document, decodeDocument, toView } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { Query, createAggregator, queryOptions } from './context.js';

const matches = (filter: Document, document: Document) => new Query(filter, queryOptions()).test(document);
const refusal = (filter: Document) => {
  try {
    new Query(filter, queryOptions());
  } catch (error) {
    return error instanceof CommandError ? { code: error.code, message: error.message } : error;
  }
  return undefined;
};

describe('the mingo context', () => {
  it("runs the replaced operators through its Query, which mingo's root Query would not", () => {
    expect(matches({ tags: { $all: ['a'] } }, { tags: 'a' })).toBe(true);
    // The pitfall the context's Query avoids: 'mingo' merges its stock operators over ours.
    expect(new RootQuery({ tags: { $all: ['a'] } }, queryOptions()).test({ tags: 'a' })).toBe(false);
  });

  it('ignores a top-level $comment, as MongoDB does', () => {
    expect(matches({ a: 1, $comment: 'why' }, { a: 1 })).toBe(true);
    expect(matches({ a: 1, $comment: 'why' }, { a: 2 })).toBe(false);
  });

  it("runs a pipeline's leading $match stages on the documents themselves, before mingo copies them", () => {
    const views = [{ v: Long.fromNumber(1), n: 1 }, { v: 2, n: 2 }].map((document) => toView(decodeDocument(serialize(document))));
    const pipeline = [{ $match: { v: { $type: 'long' } } }, { $match: { n: { $gte: 0 } } }, { $project: { _id: 0, n: 1 } }];
    expect(createAggregator(pipeline, queryOptions()).run(views)).toEqual([{ n: 1 }]);
    expect(createAggregator([{ $match: { v: { $type: 'int' } } }], queryOptions()).run(views)).toEqual([views[1]]);
    expect(createAggregator([], queryOptions()).run(views)).toEqual(views);
  });
});

describe('$all', () => {
  it('is the $and of equalities, so a scalar field matches, and an array value matches the array or an element', () => {
    expect(matches({ tags: { $all: ['a'] } }, { tags: 'a' })).toBe(true);
    expect(matches({ tags: { $all: ['a', 'b'] } }, { tags: ['b', 'c', 'a'] })).toBe(true);
    expect(matches({ tags: { $all: ['a', 'b'] } }, { tags: ['a'] })).toBe(false);
    expect(matches({ tags: { $all: [['a', 'b']] } }, { tags: [['a', 'b'], 'c'] })).toBe(true);
    expect(matches({ tags: { $all: [['a', 'b']] } }, { tags: ['a', 'b'] })).toBe(true);
    expect(matches({ tags: { $all: [{ x: 1 }] } }, { tags: [{ x: 1 }] })).toBe(true);
  });

  it('matches nothing when empty, even an empty array', () => {
    expect(matches({ tags: { $all: [] } }, { tags: [] })).toBe(false);
  });

  it('takes regular expressions and $elemMatch clauses', () => {
    expect(matches({ tags: { $all: [/^a/, /an/] } }, { tags: ['apple', 'banana'] })).toBe(true);
    expect(matches({ tags: { $all: [/^a/, /an/] } }, { tags: ['apple'] })).toBe(false);
    const items = { items: [{ n: 1, ok: false }, { n: 9, ok: true }] };
    expect(matches({ items: { $all: [{ $elemMatch: { n: { $lt: 5 } } }, { $elemMatch: { ok: true } }] } }, items)).toBe(true);
    expect(matches({ items: { $all: [{ $elemMatch: { n: { $lt: 5 }, ok: true } }] } }, items)).toBe(false);
  });

  it('refuses what MongoDB refuses, with BadValue', () => {
    expect(refusal({ tags: { $all: 'a' } })).toEqual({ code: 2, message: '$all needs an array' });
    expect(refusal({ tags: { $all: [{ $elemMatch: { n: 1 } }, 5] } })).toEqual({ code: 2, message: '$all/$elemMatch has to be consistent' });
    expect(refusal({ tags: { $all: [5, { $elemMatch: { n: 1 } }] } })).toEqual({ code: 2, message: 'no $ expressions in $all' });
    expect(refusal({ tags: { $all: [{ $gt: 1 }] } })).toEqual({ code: 2, message: 'no $ expressions in $all' });
  });
});
