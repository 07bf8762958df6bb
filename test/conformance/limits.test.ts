import { calculateObjectSize } from 'bson';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * The 16 MiB document limit (BSONObjMaxUserSize, 16,777,216 bytes of BSON) on every write path, as
 * MongoDB 7.0 enforces it. Each refused document is just over the limit, which the driver still
 * sends (a command may be up to 16 MiB + 16 KiB).
 */
const conformance = useConformanceDatabase('limits');

const LIMIT = 16 * 1024 * 1024;
const MiB = 1024 * 1024;
/** The shape of every test document here (numeric ids, string payloads). */
type Sized = { _id: number; big?: string; a?: string; b?: string; small?: boolean };

/** Built once: the test documents' payloads are slices of it. */
const PAYLOAD = 'x'.repeat(LIMIT);

/** `{ _id, big }` whose BSON is exactly `size` bytes. */
function documentOfSize(_id: number, size: number): Sized & { big: string } {
  const overhead = calculateObjectSize({ _id, big: '' });
  return { _id, big: PAYLOAD.slice(0, size - overhead) };
}

describe('inserting a document over 16 MiB', () => {
  it('MongoDB: an insert of a document one byte over 16 MiB fails with BadValue (2) "object to insert too large" and stores nothing', async () => {
    const collection = conformance.collection<Sized>('insert');
    const error = await serverError(collection.insertOne(documentOfSize(1, LIMIT + 1)));
    expect(error.code).toBe(2);
    expect(error.message).toContain(`object to insert too large. size in bytes: ${LIMIT + 1}, max size: ${LIMIT}`);
    expect(await collection.countDocuments()).toBe(0);
  });

  it('MongoDB: a document of exactly 16 MiB is stored', async () => {
    const collection = conformance.collection<Sized>('insert_exact');
    await collection.insertOne(documentOfSize(1, LIMIT));
    expect(await collection.findOne({ _id: 1 }, { projection: { _id: 1 } })).toEqual({ _id: 1 });
  });
});

describe('updates that grow a document past 16 MiB', () => {
  it('MongoDB: an update whose result is over 16 MiB fails with 17419 "Resulting document after update is larger than 16777216" and leaves the document as it was', async () => {
    const collection = conformance.collection<Sized>('update');
    await collection.insertOne({ _id: 1, a: PAYLOAD.slice(0, 9 * MiB) });
    const error = await serverError(collection.updateOne({ _id: 1 }, { $set: { b: PAYLOAD.slice(0, 8 * MiB) } }));
    expect(error.code).toBe(17419);
    expect(error.message).toContain(`Resulting document after update is larger than ${LIMIT}`);
    expect(await collection.findOne({ _id: 1 }, { projection: { _id: 1, b: 1 } })).toEqual({ _id: 1 });
  });

  it('MongoDB: a replacement over 16 MiB fails with 17419 too', async () => {
    const collection = conformance.collection<Sized>('replace');
    await collection.insertOne({ _id: 1, small: true });
    const { big } = documentOfSize(1, LIMIT + 1);
    const error = await serverError(collection.replaceOne({ _id: 1 }, { big }));
    expect(error.code).toBe(17419);
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, small: true });
  });

  it('MongoDB: an upsert whose new document is over 16 MiB fails with 17420 "Document to upsert is larger than 16777216" and inserts nothing', async () => {
    const collection = conformance.collection<Sized>('upsert');
    const { big } = documentOfSize(1, LIMIT + 1);
    const error = await serverError(collection.updateOne({ _id: 1 }, { $set: { big } }, { upsert: true }));
    expect(error.code).toBe(17420);
    expect(error.message).toContain(`Document to upsert is larger than ${LIMIT}`);
    expect(await collection.countDocuments()).toBe(0);
  });

  it('MongoDB: findAndModify growing a document past 16 MiB fails as a command with 17419 (codeName Location17419)', async () => {
    const collection = conformance.collection<Sized>('find_and_modify');
    await collection.insertOne({ _id: 1, a: PAYLOAD.slice(0, 9 * MiB) });
    const error = await serverError(collection.findOneAndUpdate({ _id: 1 }, { $set: { b: PAYLOAD.slice(0, 8 * MiB) } }));
    expect(error.code).toBe(17419);
    expect(error.codeName).toBe('Location17419');
    expect(error.message).toContain(`Resulting document after update is larger than ${LIMIT}`);
  });
});
