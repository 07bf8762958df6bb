import { Double, Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { decodeDocument, toView } from '../bson-values.js';
import { leafValues } from './leaf-values.js';

describe('leafValues', () => {
  const typed = decodeDocument(serialize({ a: [{ b: Long.fromNumber(1) }, { b: [new Double(2), 3] }, 4], c: { d: null } }));
  const view = toView(typed);

  it("walks a path as MongoDB does: through arrays of documents, an ending array as itself and its elements", () => {
    expect(leafValues(view, 'a.b', 'view')).toEqual([1, [2, 3], 2, 3]);
    expect(leafValues(view, 'a.1.b', 'view')).toEqual([[2, 3], 2, 3]);
    expect(leafValues(view, 'c.d', 'view')).toEqual([null]);
    expect(leafValues(view, 'c.x', 'view')).toEqual([]);
    expect(leafValues(view, 'a.b.c', 'view')).toEqual([]);
  });

  it('reads the typed form behind a view, from the document or any part of it', () => {
    expect(leafValues(view, 'a.b', 'typed')).toEqual([Long.fromNumber(1), [new Double(2), 3], new Double(2), 3]);
    const element = (view.a as unknown[])[1];
    expect(leafValues({ wrapper: element }, 'wrapper.b', 'typed')).toEqual([[new Double(2), 3], new Double(2), 3]);
  });
});
