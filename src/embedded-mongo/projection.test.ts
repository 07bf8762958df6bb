import { Decimal128, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import type { Document } from './bson-values.js';
import { CommandError } from './errors.js';
import { compileProjection, projectDocuments } from './projection.js';

/** The code name a projection is refused with (at compile time or on a document). */
function refusedWith(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CommandError) return error.codeName;
    throw error;
  }
  throw new Error('expected a refusal');
}

const project = (document: Document, spec: Document, filter?: Document, variables?: Document) =>
  compileProjection(spec, { filter, variables })(document);

describe('compileProjection', () => {
  it('keeps BSON types of included, sliced, matched and positional values', () => {
    const document = { _id: 1, n: Long.fromNumber(5), d: Decimal128.fromString('1.5'), arr: [Long.fromNumber(1), Long.fromNumber(9)] };
    expect(project(document, { n: 1, d: 1 })).toEqual({ _id: 1, n: Long.fromNumber(5), d: Decimal128.fromString('1.5') });
    expect(project(document, { arr: { $slice: -1 } }).arr).toEqual([Long.fromNumber(9)]);
    expect(project(document, { arr: { $elemMatch: { $gt: 3 } } })).toEqual({ _id: 1, arr: [Long.fromNumber(9)] });
    expect(project(document, { 'arr.$': 1 }, { arr: { $gt: 3 } })).toEqual({ _id: 1, arr: [Long.fromNumber(9)] });
  });

  it('returns the document itself for an empty projection', () => {
    const document = { _id: 1, a: 1 };
    expect(project(document, {})).toBe(document);
  });

  it('refuses a projection before any document is seen', () => {
    expect(refusedWith(() => projectDocuments([], { a: 1, b: 0 }))).toBe('Location31254');
  });

  it('refuses what MongoDB refuses, with its codes', () => {
    const refusals: [Document, string][] = [
      [{ 'a.$.b': 1 }, 'Location31394'],
      [{ 'a.$': { $slice: 1 } }, 'Location31271'],
      [{ 'a.$': 'x' }, 'Location31308'],
      [{ '.$': 1 }, 'Location5392900'],
      [{ '': 1 }, 'Location40352'],
      [{ 'a..b': 1 }, 'Location15998'],
      [{ 'a.': 1 }, 'Location40353'],
      [{ 'a.$b': 1 }, 'Location16410'],
      [{ a: { $slice: [] } }, 'Location28667'],
      [{ a: { $elemMatch: [1] } }, 'Location31274'],
      [{ a: { b: { $elemMatch: { c: 1 } } } }, 'Location31275'],
      [{ score: { $meta: 'textScore' } }, 'NotImplemented'],
    ];
    for (const [spec, codeName] of refusals) expect({ spec, codeName: refusedWith(() => compileProjection(spec, { filter: { a: 1 } })) }).toEqual({ spec, codeName });
  });

  it('merges a sub-projection with a dotted path on the same field', () => {
    expect(project({ _id: 1, a: { b: 1, c: 2, d: 3 } }, { a: { b: 1 }, 'a.d': 1 })).toEqual({ _id: 1, a: { b: 1, d: 3 } });
  });

  it('replaces an $elemMatch field in place in an exclusion, and drops it when nothing matches', () => {
    const document = { _id: 1, arr: [1, 5], other: 2, secret: 3 };
    const projected = project(document, { secret: 0, arr: { $elemMatch: { $gt: 2 } } });
    expect(projected).toEqual({ _id: 1, arr: [5], other: 2 });
    expect(Object.keys(projected)).toEqual(['_id', 'arr', 'other']);
    expect(project(document, { secret: 0, arr: { $elemMatch: { $gt: 9 } } })).toEqual({ _id: 1, other: 2 });
  });

  it('evaluates expressions with the command\'s let variables', () => {
    expect(project({ _id: 1, a: 2 }, { scaled: { $multiply: ['$a', '$$factor'] } }, {}, { factor: 10 })).toEqual({ _id: 1, scaled: 20 });
  });

  it('keeps constants that are no expressions (null, dates) as they are', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(project({ _id: 1 }, { at, nothing: null })).toEqual({ _id: 1, at, nothing: null });
  });
});

describe('the positional projection', () => {
  const document = { _id: 1, arr: [1, 5, 8, 10], items: [{ sku: 'a', q: 1 }, { sku: 'b', q: 2 }, { sku: 'b', q: 3 }] };

  it('takes the element of the condition on the projected array, not of negations', () => {
    expect(project(document, { 'arr.$': 1 }, { arr: { $ne: 3, $gte: 6 } })).toEqual({ _id: 1, arr: [8] });
    expect(refusedWith(() => project(document, { 'arr.$': 1 }, { arr: { $ne: 3 } }))).toBe('Location51246');
  });

  it('takes the first element satisfying every condition on the array', () => {
    expect(project(document, { 'items.$': 1 }, { 'items.sku': 'b', 'items.q': { $gt: 2 } })).toEqual({ _id: 1, items: [{ sku: 'b', q: 3 }] });
    expect(project(document, { 'arr.$': 1 }, { $and: [{ arr: { $gt: 1 } }, { arr: { $lt: 9 } }] })).toEqual({ _id: 1, arr: [5] });
  });

  it('takes the condition of the $or branch that matched', () => {
    expect(project(document, { 'arr.$': 1 }, { $or: [{ arr: 99 }, { arr: { $gt: 6 } }] })).toEqual({ _id: 1, arr: [8] });
  });

  it('ignores conditions on other fields, and fails with 51246 when none is on the array', () => {
    expect(refusedWith(() => project(document, { 'arr.$': 1 }, { _id: 1, 'items.sku': 'b' }))).toBe('Location51246');
  });

  it('works below a subdocument', () => {
    expect(project({ _id: 1, a: { b: [1, 2, 3], c: 1 } }, { 'a.b.$': 1 }, { 'a.b': 2 })).toEqual({ _id: 1, a: { b: [2] } });
  });

  it('fails with 51247 when the projected array has no element at the matched index', () => {
    // The inclusion of a.x drops the scalars of a, so the matched index no longer exists.
    expect(refusedWith(() => project({ _id: 1, a: [1, 2] }, { 'a.x.$': 1 }, { a: 2 }))).toBe('Location51247');
  });
});
