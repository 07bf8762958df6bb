import { type CommandStartedEvent, type Document, Binary, Decimal128, Double, Int32, Long, MongoBulkWriteError, ObjectId, BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useTestDatabase } from './test-database.js';

const database = useTestDatabase({ monitorCommands: true });
const db = (name: string) => database.client.db(name);
/** Tests use numbers and strings as _id too, which the driver's default schema type forbids. */
type AnyDocument = Document & { _id?: number | string | ObjectId };
const collectionOf = (dbName: string, name: string) => db(dbName).collection<AnyDocument>(name);

/** Records the commands the driver sends while `run` executes. */
async function commandsDuring(run: () => Promise<unknown>): Promise<CommandStartedEvent[]> {
  const seen: CommandStartedEvent[] = [];
  const listener = (event: CommandStartedEvent) => seen.push(event);
  database.client.on('commandStarted', listener);
  try {
    await run();
  } finally {
    database.client.off('commandStarted', listener);
  }
  return seen;
}

describe('BSON values', () => {
  it('round-trip every type exactly', async () => {
    const id = new ObjectId();
    const sample = () => ({
      _id: id,
      date: new Date('2024-02-29T12:34:56.789Z'),
      decimal: Decimal128.fromString('12345678901234567890.123456789'),
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(7),
      int: new Int32(42),
      integralDouble: new Double(3),
      double: new Double(2.5),
      binary: new Binary(Buffer.from([1, 2, 3]), 4),
      nothing: null,
      nested: [[1, 2], [new Double(1), { deep: [Long.fromNumber(1)] }]],
      text: 'héllo',
      flag: true,
    });
    const collection = collectionOf('bson_types', 'values');
    await collection.insertOne(sample());
    const found = await collection.findOne({}, { promoteValues: false, promoteLongs: false, promoteBuffers: false });
    // Byte equality is the strictest check: every value kept its exact BSON type.
    expect(Buffer.from(BSON.serialize(found ?? {})).equals(Buffer.from(BSON.serialize(sample())))).toBe(true);
  });

  it('keep BSON types through updates that do arithmetic on them', async () => {
    const collection = collectionOf('bson_types', 'arithmetic');
    await collection.insertOne({ _id: 1, long: Long.fromNumber(10), decimal: Decimal128.fromString('1.5'), double: new Double(2), keep: Long.fromNumber(5) });
    await collection.updateOne({ _id: 1 }, { $inc: { long: 5, decimal: 1, double: 1 } });
    const found = await collection.findOne({ _id: 1 }, { promoteValues: false, promoteLongs: false });
    expect(found?.long).toEqual(Long.fromNumber(15));
    expect(found?.decimal).toEqual(Decimal128.fromString('2.5'));
    expect(found?.double).toEqual(new Double(3));
    expect(found?.keep).toEqual(Long.fromNumber(5));
  });

  it('matches ObjectIds, Dates and Longs by value, not by instance', async () => {
    const collection = collectionOf('bson_types', 'matching');
    const id = new ObjectId();
    await collection.insertOne({ _id: id, at: new Date(1000), count: Long.fromNumber(3) });
    const sameId = new ObjectId(id.toHexString());
    expect(await collection.findOne({ _id: sameId })).not.toBeNull();
    expect(await collection.countDocuments({ _id: { $in: [new ObjectId(), sameId] } })).toBe(1);
    expect(await collection.countDocuments({ _id: { $ne: sameId } })).toBe(0);
    expect(await collection.countDocuments({ at: { $gte: new Date(1000), $lt: new Date(2000) } })).toBe(1);
    expect(await collection.countDocuments({ count: { $gt: 2 } })).toBe(1);
    expect(await collection.countDocuments({ count: Long.fromNumber(3) })).toBe(1);
  });

  it('sorts numbers of mixed BSON types numerically and types in BSON order', async () => {
    const collection = collectionOf('bson_types', 'order');
    await collection.insertMany([
      { _id: 1, v: 'text' },
      { _id: 2, v: Long.fromNumber(5) },
      { _id: 3, v: 2.5 },
      { _id: 4, v: null },
      { _id: 5, v: new Int32(3) },
      { _id: 6, v: { a: 1 } },
    ]);
    const ids = (await collection.find().sort({ v: 1 }).toArray()).map((doc) => doc._id);
    expect(ids).toEqual([4, 3, 5, 2, 1, 6]);
  });
});

describe('find and cursors', () => {
  const seed = async (name: string, count: number) => {
    const collection = collectionOf('reads', name);
    await collection.insertMany(Array.from({ length: count }, (_, i) => ({ _id: i, group: i % 3, tags: [`t${i % 2}`], name: `n${i}` })));
    return collection;
  };

  it('applies filter, sort, projection, skip and limit', async () => {
    const collection = await seed('options', 20);
    const found = await collection
      .find({ group: { $in: [0, 1] }, tags: 't0' }, { projection: { name: 1 } })
      .sort({ _id: -1 })
      .skip(1)
      .limit(3)
      .toArray();
    expect(found).toEqual([
      { _id: 16, name: 'n16' },
      { _id: 12, name: 'n12' },
      { _id: 10, name: 'n10' },
    ]);
    expect(await collection.findOne({ _id: 4 }, { projection: { tags: 0, group: 0 } })).toEqual({ _id: 4, name: 'n4' });
    expect((await collection.find({ group: 2 }).sort({ $natural: -1 }).limit(2).toArray()).map((doc) => doc._id)).toEqual([17, 14]);
    expect(await collection.countDocuments({ $or: [{ _id: 1 }, { name: { $regex: '^n1' } }] })).toBe(11);
  });

  it('returns 1000 documents in order across many batches, each exactly once', async () => {
    const collection = await seed('many', 1000);
    let ids: unknown[] = [];
    const commands = await commandsDuring(async () => {
      ids = (await collection.find({}, { batchSize: 7 }).sort({ _id: 1 }).toArray()).map((doc) => doc._id);
    });
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(commands.filter((event) => event.commandName === 'getMore')).toHaveLength(Math.ceil(1000 / 7) - 1);
  });

  it('kills a cursor closed early, after which getMore fails with CursorNotFound', async () => {
    const collection = await seed('killed', 50);
    const cursor = collection.find({}, { batchSize: 5 });
    await cursor.next();
    const cursorId = cursor.id;
    const commands = await commandsDuring(() => cursor.close());
    expect(commands.map((event) => event.commandName)).toContain('killCursors');
    const error = await serverError(db('reads').command({ getMore: cursorId, collection: 'killed' }));
    expect(error.code).toBe(43);
    expect(error.codeName).toBe('CursorNotFound');
  });

  it('answers killCursors with killed and unknown ids', async () => {
    const collection = await seed('kill-reply', 20);
    const opened = await db('reads').command({ find: 'kill-reply', batchSize: 2 });
    const id = Long.fromNumber(Number(opened.cursor.id));
    expect(await collection.countDocuments()).toBe(20);
    const reply = await db('reads').command({ killCursors: 'kill-reply', cursors: [id, Long.fromNumber(987654)] });
    // The driver promotes the int64 ids of the reply to numbers.
    expect(reply.cursorsKilled).toEqual([Number(id)]);
    expect(reply.cursorsNotFound).toEqual([987654]);
  });

  it('limits a single batch and honours a negative limit', async () => {
    await seed('single', 10);
    const reply = await db('reads').command({ find: 'single', limit: -3 });
    expect(reply.cursor.firstBatch).toHaveLength(3);
    expect(Number(reply.cursor.id)).toBe(0);
    const defaultBatch = await db('reads').command({ find: 'many' });
    expect(defaultBatch.cursor.firstBatch).toHaveLength(101);
    expect(defaultBatch.cursor.ns).toBe('reads.many');
  });

  it('counts and finds distinct values, flattening arrays', async () => {
    const collection = await seed('distinct', 9);
    expect(await collection.estimatedDocumentCount()).toBe(9);
    expect((await collection.distinct('group')).sort()).toEqual([0, 1, 2]);
    expect((await collection.distinct('tags', { group: 0 })).sort()).toEqual(['t0', 't1']);
  });

  it('refuses collation and scripts clearly instead of ignoring them', async () => {
    const collection = await seed('refusals', 1);
    const collation = await serverError(collection.find({}, { collation: { locale: 'fr' } }).toArray());
    expect(collation.code).toBe(238);
    expect(collation.message).toContain("'collation'");
    const script = await serverError(collection.find({ $where: 'this.a > 1' }).toArray());
    expect(script.code).toBe(2);
  });
});

describe('writes', () => {
  it('reports duplicate keys per document, honouring ordered', async () => {
    const collection = collectionOf('writes', 'ordered');
    const unordered = await collection.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }], { ordered: false }).catch((e: unknown) => e);
    expect(unordered).toBeInstanceOf(MongoBulkWriteError);
    expect((unordered as MongoBulkWriteError).insertedCount).toBe(2);
    const ordered = await collection.insertMany([{ _id: 3 }, { _id: 1 }, { _id: 4 }]).catch((e: unknown) => e);
    expect((ordered as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(await collection.countDocuments()).toBe(3);
    const single = await serverError(collection.insertOne({ _id: 2 }));
    expect(single.code).toBe(11000);
    expect(single.keyValue).toEqual({ _id: 2 });
  });

  it('updates one or many documents with operators, counting matches and modifications', async () => {
    const collection = collectionOf('writes', 'update');
    await collection.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 1 }, { _id: 3, n: 2 }]);
    const many = await collection.updateMany({ n: 1 }, { $inc: { n: 10 } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2, upsertedCount: 0 });
    const unchanged = await collection.updateOne({ _id: 3 }, { $set: { n: 2 } });
    expect(unchanged).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    const replaced = await collection.replaceOne({ _id: 3 }, { fresh: true });
    expect(replaced.modifiedCount).toBe(1);
    expect(await collection.findOne({ _id: 3 })).toEqual({ _id: 3, fresh: true });
  });

  it('seeds upserts from the equality fields of the filter and applies $setOnInsert only on insert', async () => {
    const collection = collectionOf('writes', 'upsert');
    const filter = { tenant: 't1', 'profile.kind': { $eq: 'basic' }, $and: [{ region: 'eu' }], score: { $gt: 5 } };
    const update = { $set: { touched: true }, $setOnInsert: { createdBy: 'upsert' }, $inc: { hits: 1 } };
    const first = await collection.updateOne(filter, update, { upsert: true });
    expect(first.upsertedCount).toBe(1);
    expect(first.upsertedId).toBeInstanceOf(ObjectId);
    const inserted = await collection.findOne({ _id: first.upsertedId ?? undefined });
    expect(inserted).toEqual({ _id: first.upsertedId, tenant: 't1', profile: { kind: 'basic' }, region: 'eu', touched: true, createdBy: 'upsert', hits: 1 });
    await collection.updateOne({ _id: first.upsertedId ?? undefined }, { $setOnInsert: { createdBy: 'second' }, $inc: { hits: 1 } }, { upsert: true });
    expect(await collection.findOne({ _id: first.upsertedId ?? undefined })).toMatchObject({ createdBy: 'upsert', hits: 2 });
    const replacement = await collection.replaceOne({ _id: 'given', other: 1 }, { only: 'this' }, { upsert: true });
    expect(replacement.upsertedId).toBe('given');
    expect(await collection.findOne({ _id: 'given' })).toEqual({ _id: 'given', only: 'this' });
  });

  it('supports arrayFilters, positional updates, $push with $each/$slice, $pull and pipeline updates', async () => {
    type Order = { _id: number; items: Array<{ sku: string; qty: number; flag?: boolean }>; log: number[]; total: number; doubled?: number };
    const collection = db('writes').collection<Order>('arrays');
    await collection.insertOne({ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }], log: [1, 2], total: 3 });
    await collection.updateOne({ _id: 1 }, { $set: { 'items.$[big].flag': true } }, { arrayFilters: [{ 'big.qty': { $gte: 5 } }] });
    await collection.updateOne({ _id: 1, 'items.sku': 'a' }, { $inc: { 'items.$.qty': 2 } });
    await collection.updateOne({ _id: 1 }, { $push: { log: { $each: [3, 4, 5], $slice: -3 } } });
    await collection.updateOne({ _id: 1 }, { $pull: { items: { sku: 'b' } } });
    await collection.updateOne({ _id: 1 }, [{ $set: { doubled: { $multiply: ['$total', 2] } } }]);
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, items: [{ sku: 'a', qty: 3 }], log: [3, 4, 5], total: 3, doubled: 6 });
  });

  it('rejects changing _id and malformed updates', async () => {
    const collection = collectionOf('writes', 'invalid');
    await collection.insertOne({ _id: 1 });
    const immutable = await serverError(collection.updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(immutable.code).toBe(66);
    const unknown = await serverError(collection.updateOne({ _id: 1 }, { $frobnicate: { a: 1 } }));
    // MongoDB: an unknown update operator is 9 FailedToParse ("Unknown modifier: $frobnicate. …").
    expect(unknown.code).toBe(9);
    expect(unknown.message).toContain('Unknown modifier: $frobnicate');
    const replacingMany = await db('writes').command({ update: 'invalid', updates: [{ q: {}, u: { a: 1 }, multi: true }] });
    expect(replacingMany.writeErrors).toMatchObject([{ index: 0, code: 9, errmsg: 'multi update is not supported for replacement-style update' }]);
  });

  it('deletes one or all matching documents', async () => {
    const collection = collectionOf('writes', 'delete');
    await collection.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await collection.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await collection.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect(await collection.countDocuments()).toBe(1);
  });

  it('finds and modifies one document atomically in sort order', async () => {
    const collection = collectionOf('writes', 'fam');
    await collection.insertMany([{ _id: 1, p: 2, v: 'x' }, { _id: 2, p: 1, v: 'y' }]);
    const before = await collection.findOneAndUpdate({}, { $set: { v: 'z' } }, { sort: { p: 1 }, includeResultMetadata: true });
    expect(before.value).toEqual({ _id: 2, p: 1, v: 'y' });
    expect(before.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    const after = await collection.findOneAndUpdate({ _id: 1 }, { $inc: { p: 1 } }, { returnDocument: 'after', projection: { p: 1 } });
    expect(after).toEqual({ _id: 1, p: 3 });
    const upserted = await collection.findOneAndUpdate(
      { _id: 3 },
      { $setOnInsert: { v: 'new' } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(upserted.value).toEqual({ _id: 3, v: 'new' });
    expect(upserted.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 3 });
    expect(await collection.findOneAndUpdate({ _id: 99 }, { $set: { v: 1 } })).toBeNull();
    expect(await collection.findOneAndReplace({ _id: 3 }, { v: 'replaced' }, { returnDocument: 'after' })).toEqual({ _id: 3, v: 'replaced' });
    expect(await collection.findOneAndDelete({}, { sort: { _id: -1 } })).toEqual({ _id: 3, v: 'replaced' });
    expect(await collection.countDocuments()).toBe(2);
  });

  it('fails findAndModify with a duplicate key as a command error carrying keyPattern and keyValue', async () => {
    const collection = collectionOf('writes', 'fam-dup');
    await collection.createIndex({ email: 1 }, { unique: true });
    await collection.insertMany([{ email: 'a' }, { email: 'b' }]);
    const error = await serverError(collection.findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'a' });
    expect(await collection.countDocuments({ email: 'b' })).toBe(1);
  });
});

describe('aggregation', () => {
  it('runs $match/$group/$sort pipelines with cursors and $lookup', async () => {
    const orders = collectionOf('aggregation', 'orders');
    await orders.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i, customer: `c${i % 3}`, amount: i })));
    await collectionOf('aggregation', 'customers').insertMany([{ _id: 'c0', name: 'Ada' }]);
    const totals = await orders
      .aggregate([{ $match: { amount: { $gte: 3 } } }, { $group: { _id: '$customer', total: { $sum: '$amount' } } }, { $sort: { total: -1 } }])
      .toArray();
    expect(totals).toEqual([
      { _id: 'c2', total: 153 },
      { _id: 'c1', total: 144 },
      { _id: 'c0', total: 135 },
    ]);
    const batched = await orders.aggregate([{ $sort: { _id: -1 } }], { batchSize: 4 }).toArray();
    expect(batched.map((doc) => doc._id)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    const joined = await orders
      .aggregate([{ $match: { _id: 0 } }, { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'who' } }])
      .toArray();
    expect(joined[0]?.who).toEqual([{ _id: 'c0', name: 'Ada' }]);
  });

  it('refuses $out and $merge', async () => {
    const error = await serverError(collectionOf('aggregation', 'orders').aggregate([{ $out: 'copy' }]).toArray());
    expect(error.code).toBe(238);
    expect(error.message).toContain('$out');
  });
});

describe('indexes', () => {
  it('creates, lists and drops indexes with MongoDB names', async () => {
    const collection = collectionOf('indexes', 'people');
    expect(await collection.createIndex({ last: 1, first: -1 })).toBe('last_1_first_-1');
    expect(await collection.createIndex({ email: 1 }, { unique: true, sparse: true })).toBe('email_1');
    expect(await collection.createIndex({ email: 1 }, { unique: true, sparse: true })).toBe('email_1');
    await collection.createIndex({ at: 1 }, { expireAfterSeconds: 3600, name: 'ttl' });
    const listed = await collection.listIndexes().toArray();
    expect(listed.map((index) => index.name)).toEqual(['_id_', 'last_1_first_-1', 'email_1', 'ttl']);
    expect(listed[2]).toEqual({ v: 2, key: { email: 1 }, name: 'email_1', unique: true, sparse: true });
    expect(listed[3]?.expireAfterSeconds).toBe(3600);
    await collection.dropIndex('ttl');
    await collection.dropIndexes();
    expect((await collection.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
    expect((await serverError(collection.dropIndex('_id_'))).code).toBe(72);
    expect((await serverError(collection.dropIndex('nope'))).code).toBe(27);
  });

  it('refuses conflicting definitions under one name', async () => {
    const collection = collectionOf('indexes', 'conflicts');
    await collection.createIndex({ a: 1 }, { name: 'idx' });
    expect((await serverError(collection.createIndex({ b: 1 }, { name: 'idx' }))).code).toBe(86);
    expect((await serverError(collection.createIndex({ a: 1 }, { name: 'idx', unique: true }))).code).toBe(85);
    expect((await serverError(collection.createIndex({ text: 'text' }))).code).toBe(67);
    expect((await serverError(collection.createIndex({ '$**': 1 }))).code).toBe(67);
  });

  it('fails to build a unique index over duplicates and enforces sparse and partial indexes', async () => {
    const collection = collectionOf('indexes', 'unique');
    await collection.insertMany([{ k: 1 }, { k: 1 }, {}, {}]);
    const error = await serverError(collection.createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    await collection.deleteOne({ k: 1 });
    // Two documents without k both index as null, so a plain unique index rejects them...
    expect((await serverError(collection.createIndex({ k: 1 }, { unique: true }))).code).toBe(11000);
    // ...while a sparse one skips them.
    await collection.createIndex({ k: 1 }, { unique: true, sparse: true });
    await collection.createIndex({ code: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await collection.insertMany([{ code: 'x', active: false }, { code: 'x', active: true }]);
    expect((await serverError(collection.insertOne({ code: 'x', active: true }))).code).toBe(11000);
    const arrays = await serverError(collection.insertOne({ k: [5, 1] }));
    expect(arrays.keyValue).toEqual({ k: 1 });
  });
});

describe('namespaces', () => {
  it('creates, lists and drops collections and databases', async () => {
    const namespaces = db('namespaces');
    await namespaces.createCollection('alpha');
    await namespaces.collection('beta').insertOne({});
    expect((await serverError(namespaces.createCollection('alpha'))).code).toBe(48);
    const all = await namespaces.listCollections().toArray();
    expect(all.map((entry) => entry.name).sort()).toEqual(['alpha', 'beta']);
    expect(all[0]).toMatchObject({ type: 'collection', options: {}, info: { readOnly: false }, idIndex: { name: '_id_' } });
    expect(await namespaces.listCollections({ name: 'beta' }, { nameOnly: true }).toArray()).toEqual([{ name: 'beta', type: 'collection' }]);
    const { databases } = await database.client.db('admin').admin().listDatabases();
    expect(databases.map((entry) => entry.name)).toContain('namespaces');
    expect(await namespaces.collection('alpha').drop()).toBe(true);
    const missing = await serverError(namespaces.command({ drop: 'alpha' }));
    expect(missing.codeName).toBe('NamespaceNotFound');
    expect((await serverError(namespaces.createCollection('capped', { capped: true, size: 1000 }))).code).toBe(238);
    await namespaces.dropDatabase();
    expect(await namespaces.listCollections().toArray()).toEqual([]);
  });

  it('refuses transactions: the server is a standalone', async () => {
    const session = database.client.startSession();
    const failure = await session
      .withTransaction(() => collectionOf('namespaces', 'tx').insertOne({ a: 1 }, { session }))
      .catch((error: unknown) => error);
    await session.endSession();
    // For writes the driver replaces code 20 by its retryable-writes hint, as with a real standalone.
    expect((failure as { originalError?: unknown }).originalError).toMatchObject({
      code: 20,
      codeName: 'IllegalOperation',
      errmsg: 'transactions are not supported by the embedded database',
    });
    expect(await collectionOf('namespaces', 'tx').countDocuments()).toBe(0);
  });

  it('answers ping and buildInfo', async () => {
    const admin = database.client.db('admin');
    expect(await admin.command({ ping: 1 })).toEqual({ ok: 1 });
    const info = await admin.command({ buildInfo: 1 });
    expect(info.version).toBe('7.0.0-embedded');
    expect(info.versionArray).toEqual([7, 0, 0, 0]);
  });
});
