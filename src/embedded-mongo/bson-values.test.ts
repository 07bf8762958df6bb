import { Binary, Decimal128, Double, Int32, Long, ObjectId, serialize } from 'bson';
import fc from 'fast-check';
import { cloneDeep } from 'mingo/util';
import { describe, expect, it } from 'vitest';
import { type Document, decodeDocument, restoreTypes, toView } from './bson-values.js';

const scalar = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((n) => new Int32(n)),
  fc.double({ noNaN: true }).map((n) => new Double(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.integer().map((n) => Decimal128.fromString(`${n}.25`)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => new Binary(bytes, 0)),
  fc.date({ noInvalidDate: true }),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.stringMatching(/^[a-z]{1,5}$/);
const { document } = fc.letrec<{ value: unknown; document: Document }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), tie('document')),
  document: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));

const bytes = (doc: Document) => Buffer.from(serialize(doc));

describe('typed BSON values', () => {
  it('decode into a form that re-encodes to the very same bytes', () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(bytes(decodeDocument(serialize(doc)))).toEqual(bytes(doc));
      }),
    );
  });

  it('recover their exact types from an unchanged copy of the view, as updates make', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const typed = decodeDocument(serialize(doc));
        expect(bytes(restoreTypes(typed, cloneDeep(toView(typed))) as Document)).toEqual(bytes(typed));
      }),
    );
  });

  it('give mingo plain numbers and share documents that need no conversion', () => {
    const typed = decodeDocument(serialize({ a: Long.fromNumber(5), b: [new Double(2)], c: Decimal128.fromString('1.5') }));
    expect(toView(typed)).toEqual({ a: 5, b: [2], c: 1.5 });
    const plain = { a: 1, b: 'x' };
    expect(toView(plain)).toBe(plain);
  });
});
