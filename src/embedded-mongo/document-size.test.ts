import { calculateObjectSize } from 'bson';
import { describe, expect, it } from 'vitest';
import { MAX_BSON_OBJECT_SIZE, assertDocumentSize } from './document-size.js';

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
