import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from './test-database.js';

/**
 * The ledger relies on each command being atomic. A pool of 20 connections makes the requests
 * really arrive concurrently on different sockets.
 */
const database = useTestDatabase({ maxPoolSize: 20 });
const db = () => database.client.db('concurrency');

describe('concurrent commands', () => {
  it('lets exactly one of 100 concurrent inserts of the same unique key win', async () => {
    const collection = db().collection('unique-race');
    await collection.createIndex({ key: 1 }, { unique: true });
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => collection.insertOne({ key: 'same', attempt: i })));
    const failures = results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason as unknown);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(failures).toHaveLength(99);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(MongoServerError);
      expect((failure as MongoServerError).code).toBe(11000);
    }
    expect(await collection.countDocuments()).toBe(1);
  });

  it('never lets 100 concurrent guarded decrements take a counter of 50 below zero', async () => {
    const collection = db().collection<{ _id: string; n: number }>('guarded');
    await collection.insertOne({ _id: 'counter', n: 50 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => collection.findOneAndUpdate({ _id: 'counter', n: { $gte: 1 } }, { $inc: { n: -1 } })),
    );
    expect(results.filter((result) => result !== null)).toHaveLength(50);
    expect(results.filter((result) => result === null)).toHaveLength(50);
    // Every successful decrement saw a distinct value: none interleaved.
    expect(new Set(results.flatMap((result) => (result ? [result.n] : []))).size).toBe(50);
    expect(await collection.findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 0 });
  });

  it('lets exactly one concurrent compare-and-set per version succeed', async () => {
    const collection = db().collection<{ _id: string; version: number; owner?: number }>('cas');
    await collection.insertOne({ _id: 'doc', version: 7 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => collection.updateOne({ _id: 'doc', version: 7 }, { $set: { owner: i }, $inc: { version: 1 } })),
    );
    expect(results.filter((result) => result.modifiedCount === 1)).toHaveLength(1);
    expect(await collection.findOne({ _id: 'doc' })).toMatchObject({ version: 8 });
  });

  it('leaves no trace of a multi-document ordered insert past its failing document', async () => {
    const collection = db().collection<{ key: string }>('partial');
    await collection.createIndex({ key: 1 }, { unique: true });
    await collection.insertOne({ key: 'taken' });
    await collection.insertMany([{ key: 'a' }, { key: 'taken' }, { key: 'b' }]).catch(() => undefined);
    expect((await collection.find({}, { projection: { _id: 0 } }).toArray()).map((doc) => doc.key)).toEqual(['taken', 'a']);
  });

  it('stops a multi-update at a unique violation, keeping the documents updated before it', async () => {
    const collection = db().collection<{ _id: number; slot: number }>('multi');
    await collection.createIndex({ slot: 1 }, { unique: true });
    await collection.insertMany([{ _id: 1, slot: 1 }, { _id: 2, slot: 2 }, { _id: 3, slot: 3 }]);
    // Setting every slot to 9: the first document takes it, the second collides.
    const error = await collection.updateMany({}, { $set: { slot: 9 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
    expect((await collection.find().sort({ _id: 1 }).toArray()).map((doc) => doc.slot)).toEqual([9, 2, 3]);
  });
});
