import { describe, expect, it } from 'vitest';
import { assertNoConflicts, compareFieldPaths, concretePaths, parseArrayFilters, parseFieldPath } from './update-paths.js';

const paths = (...list: string[]) => list.map((path) => ({ path, segments: parseFieldPath(path) }));

describe('update paths', () => {
  it('conflicts only when one path is another or lies under it', () => {
    expect(() => assertNoConflicts(paths('arr.$.a', 'arr.$.b', 'arr.$[].a', 'arr.$[x].a'))).not.toThrow();
    expect(() => assertNoConflicts(paths('arr.$.a', 'arr.$.a.b'))).toThrow(expect.objectContaining({ code: 40 }));
    expect(() => assertNoConflicts(paths('a', 'a'))).toThrow(expect.objectContaining({ code: 40 }));
  });

  it('orders field names lexicographically and array indexes numerically', () => {
    const sorted = [['b'], ['a', '10'], ['a', '9'], ['A']].sort(compareFieldPaths);
    expect(sorted).toEqual([['A'], ['a', '9'], ['a', '10'], ['b']]);
  });

  it('refuses empty and $-prefixed field names', () => {
    expect(() => parseFieldPath('a..b')).toThrow(expect.objectContaining({ code: 56 }));
    expect(() => parseFieldPath('a.$foo')).toThrow(expect.objectContaining({ code: 52 }));
    expect(() => parseFieldPath('a.$.b.$')).toThrow(expect.objectContaining({ code: 2 }));
  });

  it('resolves $, $[] and $[id] to the indexes they name in the document', () => {
    const document = { arr: [{ k: 1 }, { k: 2 }, { k: 2 }] };
    const context = { filter: { 'arr.k': 2 }, arrayFilters: parseArrayFilters([{ 'x.k': 2 }]), inserting: false };
    expect(concretePaths(document, parseFieldPath('arr.$.v'), context)).toEqual([['arr', '1', 'v']]);
    expect(concretePaths(document, parseFieldPath('arr.$[].v'), context)).toHaveLength(3);
    expect(concretePaths(document, parseFieldPath('arr.$[x].v'), context)).toEqual([['arr', '1', 'v'], ['arr', '2', 'v']]);
    expect(() => concretePaths({ arr: 1 }, parseFieldPath('arr.$[].v'), context)).toThrow(expect.objectContaining({ code: 2 }));
    expect(() => concretePaths(document, parseFieldPath('arr.$.v'), { ...context, inserting: true })).toThrow(expect.objectContaining({ code: 2 }));
  });
});
