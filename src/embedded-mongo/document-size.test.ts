import { Binary, calculateObjectSize, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import type { Document } from './bson-values.js';
import { MAX_BSON_OBJECT_SIZE, assertDocumentSize, serializeWithinLimit } from './document-size.js';

/** `{ big }` whose BSON is exactly `size` bytes. */
function documentOfSize(size: number): { big: string } {
  return { big: 'x'.repeat(size - calculateObjectSize({ big: '' })) };
}

describe('assertDocumentSize', () => {
  it('accepts a document of exactly 16 MiB', () => {
    expect(() => assertDocumentSize(documentOfSize(MAX_BSON_OBJECT_SIZE), 'insert')).not.toThrow();
  });

  it("refuses one byte more with each write path's MongoDB error", () => {
    const document = documentOfSize(MAX_BSON_OBJECT_SIZE + 1);
    expect(() => assertDocumentSize(document, 'insert')).toThrow(
      expect.objectContaining({ code: 2, codeName: 'BadValue', message: `object to insert too large. size in bytes: ${MAX_BSON_OBJECT_SIZE + 1}, max size: ${MAX_BSON_OBJECT_SIZE}` }),
    );
    expect(() => assertDocumentSize(document, 'update')).toThrow(expect.objectContaining({ code: 17419, codeName: 'Location17419' }));
    expect(() => assertDocumentSize(document, 'upsert')).toThrow(expect.objectContaining({ code: 17420, codeName: 'Location17420' }));
  });
});

describe('serializeWithinLimit', () => {
  it('gives the whole BSON of a document of exactly 16 MiB', () => {
    const document = documentOfSize(MAX_BSON_OBJECT_SIZE);
    expect(Buffer.compare(serializeWithinLimit(document, 'update'), serialize(document))).toBe(0);
  });

  it("refuses one byte more, and documents past bson's 17 MiB buffer of any shape, with the write path's error", () => {
    const MiB = 1024 * 1024;
    const binaries = { a: new Binary(Buffer.alloc(9 * MiB)), b: new Binary(Buffer.alloc(9 * MiB)) };
    const oversized: Document[] = [documentOfSize(MAX_BSON_OBJECT_SIZE + 1), { big: 'x'.repeat(18 * MiB) }, binaries, { a: { x: 'x'.repeat(9 * MiB) }, b: { y: 'y'.repeat(9 * MiB) }, c: 1 }];
    for (const document of oversized) {
      expect(() => serializeWithinLimit(document, 'update')).toThrow(expect.objectContaining({ code: 17419 }));
    }
    expect(() => serializeWithinLimit(binaries, 'upsert')).toThrow(expect.objectContaining({ code: 17420 }));
  });
});
