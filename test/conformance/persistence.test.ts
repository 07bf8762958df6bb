import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mongoose, { Schema, type Model } from 'mongoose';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase } from '../support/test-database.js';

/**
 * The persistence behaviour creditstream relies on, written once and run against whichever
 * database `MONGODB_URI` selects (the embedded one when unset). If a real MongoDB and the embedded
 * database ever disagree, one of these fails.
 */

type Wallet = { owner: string; credits: number; version: number; tags: string[]; history: { at: number; note: string }[] };

let database: Database;
let Wallets: Model<Wallet>;

beforeAll(async () => {
  database = await openTestDatabase('conformance');
  Wallets = database.connection.model<Wallet>(
    'Wallet',
    new Schema<Wallet>({
      owner: { type: String, required: true, unique: true },
      credits: { type: Number, required: true },
      version: { type: Number, default: 0 },
      tags: [String],
      history: [{ _id: false, at: Number, note: String }],
    }),
  );
  await Wallets.init();
});

afterAll(async () => {
  await database?.close();
});

describe('documents', () => {
  it('round-trips BSON types exactly', async () => {
    const raw = database.connection.db!.collection('bson_types');
    const document = {
      _id: new mongoose.Types.ObjectId(),
      at: new Date('2026-02-28T23:59:59.999Z'),
      int: 7,
      double: 0.5,
      long: mongoose.mongo.Long.fromString('9007199254740993'),
      decimal: mongoose.mongo.Decimal128.fromString('12.345'),
      binary: new mongoose.mongo.Binary(Buffer.from([1, 2, 3])),
      nothing: null,
      nested: { list: [[1, 2], { deep: 'yes' }] },
    };
    await raw.insertOne(document);
    const found = await raw.findOne({ _id: new mongoose.Types.ObjectId(document._id.toHexString()) }, { promoteLongs: false });
    expect(found).toEqual(document);
  });

  it('creates, finds and counts through mongoose', async () => {
    await Wallets.create([
      { owner: 'ada', credits: 10, tags: ['pro'] },
      { owner: 'bob', credits: 3, tags: ['free'] },
    ]);
    expect(await Wallets.countDocuments({ credits: { $gte: 3 } })).toBe(2);
    const ada = await Wallets.findOne({ owner: 'ada' }).lean();
    expect(ada).toMatchObject({ owner: 'ada', credits: 10, version: 0, tags: ['pro'] });
    expect(await Wallets.find({ tags: 'free' }).distinct('owner')).toEqual(['bob']);
  });

  it('applies update operators: $inc, $set, $push with $each/$slice, $pull', async () => {
    await Wallets.updateOne(
      { owner: 'ada' },
      { $inc: { credits: -4 }, $set: { tags: ['pro', 'beta', 'team'] }, $push: { history: { $each: [{ at: 1, note: 'a' }, { at: 2, note: 'b' }, { at: 3, note: 'c' }], $slice: -2 } } },
    );
    await Wallets.updateOne({ owner: 'ada' }, { $pull: { tags: 'beta' } });
    const ada = await Wallets.findOne({ owner: 'ada' }).lean();
    expect(ada).toMatchObject({ credits: 6, tags: ['pro', 'team'], history: [{ at: 2, note: 'b' }, { at: 3, note: 'c' }] });
  });

  it('upserts with $setOnInsert applied only on insert', async () => {
    const created = await Wallets.findOneAndUpdate(
      { owner: 'cy' },
      { $setOnInsert: { credits: 5 }, $inc: { version: 1 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(created).toMatchObject({ owner: 'cy', credits: 5, version: 1 });
    const updated = await Wallets.findOneAndUpdate(
      { owner: 'cy' },
      { $setOnInsert: { credits: 999 }, $inc: { version: 1 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(updated).toMatchObject({ owner: 'cy', credits: 5, version: 2 });
  });

  it('deletes one and many', async () => {
    await Wallets.create([{ owner: 'tmp1', credits: 0 }, { owner: 'tmp2', credits: 0 }, { owner: 'tmp3', credits: 0 }]);
    expect((await Wallets.deleteOne({ owner: 'tmp1' })).deletedCount).toBe(1);
    expect((await Wallets.deleteMany({ owner: /^tmp/ })).deletedCount).toBe(2);
  });
});

describe('unique indexes', () => {
  it('lists the unique index mongoose created', async () => {
    const indexes = await Wallets.listIndexes();
    expect(indexes.map((index) => index.name).sort()).toEqual(['_id_', 'owner_1']);
    expect(indexes.find((index) => index.name === 'owner_1')).toMatchObject({ unique: true, key: { owner: 1 } });
  });

  it('refuses a duplicate key with code 11000 and writes nothing', async () => {
    await expect(Wallets.create({ owner: 'ada', credits: 1 })).rejects.toMatchObject({ code: 11000 });
    expect(await Wallets.countDocuments({ owner: 'ada' })).toBe(1);
  });

  it('lets exactly one of 100 concurrent inserts of the same key win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => Wallets.create({ owner: 'racer', credits: 1 })),
    );
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(99);
    for (const failure of rejected) expect((failure as PromiseRejectedResult).reason).toMatchObject({ code: 11000 });
    expect(await Wallets.countDocuments({ owner: 'racer' })).toBe(1);
  });
});

describe('atomic single-document writes', () => {
  it('lets exactly 50 of 100 concurrent guarded decrements on a counter of 50 win', async () => {
    await Wallets.create({ owner: 'counter', credits: 50 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        Wallets.findOneAndUpdate({ owner: 'counter', credits: { $gte: 1 } }, { $inc: { credits: -1 } }, { returnDocument: 'after' }).lean(),
      ),
    );
    expect(results.filter((result) => result !== null)).toHaveLength(50);
    expect((await Wallets.findOne({ owner: 'counter' }).lean())?.credits).toBe(0);
  });

  it('lets exactly one compare-and-set on a version win', async () => {
    await Wallets.create({ owner: 'cas', credits: 10, version: 7 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        Wallets.updateOne({ owner: 'cas', version: 7 }, { $set: { credits: index }, $inc: { version: 1 } }),
      ),
    );
    expect(results.filter((result) => result.modifiedCount === 1)).toHaveLength(1);
    expect((await Wallets.findOne({ owner: 'cas' }).lean())?.version).toBe(8);
  });
});

describe('cursors and aggregation', () => {
  it('streams 1000 documents across many batches exactly once, in order', async () => {
    const raw = database.connection.db!.collection<{ n: number }>('many');
    await raw.insertMany(Array.from({ length: 1000 }, (_, n) => ({ n })));
    const seen: number[] = [];
    for await (const document of raw.find({}, { batchSize: 7, sort: { n: 1 } })) seen.push(document.n);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, n) => n));
  });

  it('closes a cursor early without leaking it', async () => {
    const raw = database.connection.db!.collection<{ n: number }>('many');
    const cursor = raw.find({}, { batchSize: 5 });
    expect(await cursor.next()).not.toBeNull();
    const cursorId = cursor.id!;
    expect(cursorId.isZero()).toBe(false);
    await cursor.close();
    // The server forgot it: asking for more now fails as MongoDB does, with CursorNotFound.
    await expect(database.connection.db!.command({ getMore: cursorId, collection: 'many' })).rejects.toMatchObject({ code: 43 });
  });

  it('groups with an aggregation pipeline', async () => {
    const raw = database.connection.db!.collection<{ n: number }>('many');
    const groups = await raw
      .aggregate<{ _id: number; count: number; total: number }>(
        [{ $match: { n: { $lt: 10 } } }, { $group: { _id: { $mod: ['$n', 2] }, count: { $sum: 1 }, total: { $sum: '$n' } } }, { $sort: { _id: 1 } }],
        { batchSize: 1 },
      )
      .toArray();
    expect(groups).toEqual([
      { _id: 0, count: 5, total: 20 },
      { _id: 1, count: 5, total: 25 },
    ]);
  });

  it('formats dates in any IANA time zone, at the offset it has on that date', async () => {
    const raw = database.connection.db!.collection<{ at: Date }>('instants');
    // Around the start of daylight saving time in New York (2025-03-09, 07:00 UTC).
    await raw.insertMany([{ at: new Date('2025-03-09T06:30:00Z') }, { at: new Date('2025-03-09T07:30:00Z') }]);
    const formatted = async (timezone: string) => {
      const rows = await raw
        .aggregate<{ local: string }>([
          { $sort: { at: 1 } },
          { $project: { _id: 0, local: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone } } } },
        ])
        .toArray();
      return rows.map((row) => row.local);
    };
    expect(await formatted('UTC')).toEqual(['2025-03-09 06:30', '2025-03-09 07:30']);
    expect(await formatted('America/New_York')).toEqual(['2025-03-09 01:30', '2025-03-09 03:30']);
    expect(await formatted('America/Argentina/Buenos_Aires')).toEqual(['2025-03-09 03:30', '2025-03-09 04:30']);
    expect(await formatted('Asia/Kathmandu')).toEqual(['2025-03-09 12:15', '2025-03-09 13:15']);
    expect(await formatted('+02:00')).toEqual(['2025-03-09 08:30', '2025-03-09 09:30']);
  });
});

describe('collections', () => {
  it('creates, lists and drops collections', async () => {
    const db = database.connection.db!;
    await db.createCollection('scratch');
    expect((await db.listCollections({ name: 'scratch' }).toArray()).map((collection) => collection.name)).toEqual(['scratch']);
    await db.dropCollection('scratch');
    expect(await db.listCollections({ name: 'scratch' }).toArray()).toEqual([]);
  });

  it('reports an unknown command as an error naming it', async () => {
    await expect(database.connection.db!.command({ creditstreamNoSuchCommand: 1 })).rejects.toThrow(/creditstreamNoSuchCommand/);
  });
});
