import { Binary } from 'bson';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from './test-database.js';

const database = useTestDatabase();

describe('a multi-update stopped by an error', () => {
  it('reports the documents it already changed beside the write error, so no error hides a write that applied', async () => {
    const db = database.client.db('multi-update');
    await db.collection<{ _id: number; n: unknown }>('rows').insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 'text' },
      { _id: 3, n: 3 },
    ]);
    const reply = await db.command({ update: 'rows', updates: [{ q: {}, u: { $inc: { n: 1 } }, multi: true }] });
    expect(reply).toMatchObject({ n: 1, nModified: 1, writeErrors: [{ index: 0, code: 14 }] });
    expect(await db.collection('rows').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 2 },
      { _id: 2, n: 'text' },
      { _id: 3, n: 3 },
    ]);
  });

  it('stops with 17419 at a document grown past 16 MiB, however large (two 9 MiB binaries), the ones before it changed', async () => {
    const rows = database.client.db('multi-update').collection<{ _id: number; a?: Binary; b?: Binary }>('large');
    const chunk = new Binary(Buffer.alloc(9 * 1024 * 1024));
    await rows.insertMany([{ _id: 1 }, { _id: 2, a: chunk }]);
    const reply = await database.client.db('multi-update').command({ update: 'large', updates: [{ q: {}, u: { $set: { b: chunk } }, multi: true }] });
    expect(reply).toMatchObject({ n: 1, nModified: 1, writeErrors: [{ index: 0, code: 17419 }] });
    expect(await rows.find({ b: { $exists: true } }, { projection: { _id: 1 } }).toArray()).toEqual([{ _id: 1 }]);
  });
});
