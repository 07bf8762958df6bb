import { describe, expect, it } from 'vitest';
import { serverError, useTestDatabase } from './test-database.js';

const database = useTestDatabase();

describe('findAndModify', () => {
  it('answers a projection that fails on the new version with nothing written, never after a write that applied', async () => {
    const collection = database.client.db('find-and-modify').collection<{ _id: number; tags: string[] }>('fails');
    await collection.insertOne({ _id: 1, tags: ['a', 'b'] });
    // The new version no longer holds the element the filter matched, so 'tags.$' has nothing to return.
    const refusal = await serverError(
      collection.findOneAndUpdate({ _id: 1, tags: 'a' }, { $set: { tags: [] } }, { returnDocument: 'after', projection: { 'tags.$': 1 } }),
    );
    expect(refusal.code).toBe(51246);
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, tags: ['a', 'b'] });
  });

  it('projects the new version of an upserted document, generated _id included', async () => {
    const collection = database.client.db('find-and-modify').collection<{ n: number; secret?: string }>('upserts');
    const value = await collection.findOneAndUpdate({ n: 1 }, { $set: { secret: 'x' } }, { upsert: true, returnDocument: 'after', projection: { secret: 0 } });
    expect(value).toEqual({ _id: expect.anything(), n: 1 });
    expect(await collection.findOne({ n: 1 })).toEqual({ ...value, secret: 'x' });
  });
});
