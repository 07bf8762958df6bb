import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/**
 * Commands clients send at connect time or commonly, pipeline validation, `create` options and
 * `hint`, as MongoDB 7.0 answers them. Every expectation outside an `embedded` branch is what a
 * real MongoDB answers, so this file runs unchanged against one through `MONGODB_URI`.
 */
const conformance = useConformanceDatabase('commands');

type Item = { _id: number; a?: number; seen?: boolean };

/** Three documents, one without `a`, inserted in `_id` order, with the indexes the hint tests name. */
async function itemsWithIndexes() {
  const collection = conformance.collection<Item>('items');
  await collection.insertMany([{ _id: 1, a: 2 }, { _id: 2 }, { _id: 3, a: 1 }]);
  await collection.createIndex({ a: 1 }, { name: 'a_sparse', sparse: true });
  await collection.createIndex({ a: -1 });
  return collection;
}

const ids = (documents: Document[]) => documents.map((document) => document._id as unknown);

describe('server commands', () => {
  it('MongoDB: serverStatus answers its host, version (the same as buildInfo), process, uptime and connections', async () => {
    const admin = conformance.db.admin();
    const [status, build] = await Promise.all([admin.command({ serverStatus: 1 }), admin.command({ buildInfo: 1 })]);
    expect(status).toMatchObject({ version: build.version, process: expect.stringMatching(/^mongod/), ok: 1 });
    expect(typeof status.host).toBe('string');
    expect(Number(status.pid)).toBeGreaterThan(0);
    expect(status.uptime).toBeGreaterThanOrEqual(0);
    expect(Number(status.uptimeMillis)).toBeGreaterThanOrEqual(0);
    expect(status.localTime).toBeInstanceOf(Date);
    expect(status.connections.current).toBeGreaterThanOrEqual(1);
    expect(status.connections.totalCreated).toBeGreaterThanOrEqual(status.connections.current);
    expect(status.connections.available).toBeGreaterThan(0);
    expect(status.mem).toMatchObject({ bits: 64 });
  });

  it('MongoDB: hostInfo describes the machine (system and os)', async () => {
    const info = await conformance.db.admin().command({ hostInfo: 1 });
    expect(info.system).toMatchObject({ cpuAddrSize: 64, hostname: expect.any(String), cpuArch: expect.any(String) });
    expect(info.system.numCores).toBeGreaterThan(0);
    expect(info.system.currentTime).toBeInstanceOf(Date);
    expect(info.os).toMatchObject({ type: expect.any(String) });
  });

  it('MongoDB: connectionStatus answers authInfo with the users and roles of the connection', async () => {
    const status = await conformance.db.command({ connectionStatus: 1 });
    expect(Array.isArray(status.authInfo.authenticatedUsers)).toBe(true);
    expect(Array.isArray(status.authInfo.authenticatedUserRoles)).toBe(true);
  });

  it('MongoDB: getParameter reads featureCompatibilityVersion (7.0) on admin, and is refused elsewhere with Unauthorized (13)', async () => {
    const reply = await conformance.db.admin().command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(reply.featureCompatibilityVersion).toEqual({ version: '7.0' });
    const error = await serverError(conformance.db.command({ getParameter: 1, featureCompatibilityVersion: 1 }));
    expect([error.code, error.codeName]).toEqual([13, 'Unauthorized']);
    expect(error.message).toContain('may only be run against the admin database');
  });

  it('MongoDB: replSetGetStatus on a standalone fails with NoReplicationEnabled (76)', async () => {
    const hello = await conformance.db.admin().command({ hello: 1 });
    if (hello.setName !== undefined) return; // a replica set member answers its status instead
    const error = await serverError(conformance.db.admin().command({ replSetGetStatus: 1 }));
    expect([error.code, error.codeName]).toEqual([76, 'NoReplicationEnabled']);
  });

  it('MongoDB: listCollections takes authorizedCollections (the driver sends it with nameOnly)', async () => {
    const collection = conformance.collection<{ _id: number }>('listed');
    await collection.insertOne({ _id: 1 });
    const names = await conformance.db.listCollections({ name: collection.collectionName }, { nameOnly: true, authorizedCollections: true }).toArray();
    expect(names.map((entry) => entry.name)).toEqual([collection.collectionName]);
  });

  it('the embedded database refuses dbStats, collStats and collMod with NotImplemented (238)', async () => {
    if (!conformance.embedded) return;
    const collection = conformance.collection<{ _id: number }>('stats');
    await collection.insertOne({ _id: 1 });
    for (const command of [{ dbStats: 1 }, { collStats: collection.collectionName }, { collMod: collection.collectionName }]) {
      const error = await serverError(conformance.db.command(command));
      expect([error.code, error.codeName]).toEqual([238, 'NotImplemented']);
    }
  });
});

describe('pipeline validation', () => {
  it("MongoDB: an unknown stage fails with 40324 \"Unrecognized pipeline stage name: '$…'\", even on a missing collection", async () => {
    const missing = conformance.collection('never_created');
    const error = await serverError(missing.aggregate([{ $creditstreamNoSuchStage: {} }]).toArray());
    expect([error.code, error.codeName]).toEqual([40324, 'Location40324']);
    expect(error.message).toBe("Unrecognized pipeline stage name: '$creditstreamNoSuchStage'");
  });

  it('MongoDB: an unknown stage inside $facet fails the same way', async () => {
    const missing = conformance.collection('never_created');
    const error = await serverError(missing.aggregate([{ $facet: { inner: [{ $creditstreamNoSuchStage: {} }] } }]).toArray());
    expect([error.code, error.codeName]).toEqual([40324, 'Location40324']);
  });

  it('MongoDB: a stage document with two fields, or none, fails with 40323', async () => {
    const missing = conformance.collection('never_created');
    for (const stage of [{ $match: {}, $limit: 1 }, {}]) {
      const error = await serverError(missing.aggregate([stage]).toArray());
      expect([error.code, error.codeName]).toEqual([40323, 'Location40323']);
      expect(error.message).toBe('A pipeline stage specification object must contain exactly one field.');
    }
  });

  it('the embedded database refuses a stage MongoDB has but it does not run ($collStats) with NotImplemented (238)', async () => {
    if (!conformance.embedded) return;
    const error = await serverError(conformance.collection('stats').aggregate([{ $collStats: {} }]).toArray());
    expect([error.code, error.codeName]).toEqual([238, 'NotImplemented']);
  });
});

describe('create options', () => {
  it("MongoDB: create refuses an unknown option with 40415 \"BSON field 'create.…' is an unknown field.\"", async () => {
    const name = conformance.collection('unknown_option').collectionName;
    const error = await serverError(conformance.db.command({ create: name, creditstreamNoSuchOption: 1 }));
    expect([error.code, error.codeName]).toEqual([40415, 'Location40415']);
    expect(error.message).toBe("BSON field 'create.creditstreamNoSuchOption' is an unknown field.");
    expect(await conformance.db.listCollections({ name }).toArray()).toEqual([]);
  });

  it('the embedded database refuses validator, capped, timeseries and clusteredIndex with NotImplemented (238) and creates nothing', async () => {
    if (!conformance.embedded) return;
    const refused: Document[] = [
      { validator: { a: { $exists: true } } },
      { validator: { $jsonSchema: { required: ['a'] } }, validationAction: 'warn' },
      { capped: true, size: 4096 },
      { timeseries: { timeField: 'at' } },
      { clusteredIndex: { key: { _id: 1 }, unique: true } },
    ];
    for (const options of refused) {
      const name = conformance.collection('refused').collectionName;
      const error = await serverError(conformance.db.command({ create: name, ...options }));
      expect([error.code, error.codeName]).toEqual([238, 'NotImplemented']);
      expect(await conformance.db.listCollections({ name }).toArray()).toEqual([]);
    }
  });
});

describe('hint', () => {
  it('MongoDB: a hint naming no index fails with BadValue (2) "hint provided does not correspond to an existing index"', async () => {
    const items = await itemsWithIndexes();
    for (const hint of ['no_such_index', { b: 1 }]) {
      const error = await serverError(items.find({}, { hint }).toArray());
      expect([error.code, error.codeName]).toEqual([2, 'BadValue']);
      expect(error.message).toContain('hint provided does not correspond to an existing index');
    }
  });

  it('MongoDB: on a collection that does not exist, a hint naming no index finds nothing (no plan is made)', async () => {
    expect(await conformance.collection('never_created').find({}, { hint: 'no_such_index' }).toArray()).toEqual([]);
  });

  it('MongoDB: a hinted sparse index returns only the documents it holds, in index order', async () => {
    const items = await itemsWithIndexes();
    expect(ids(await items.find({}, { hint: 'a_sparse' }).toArray())).toEqual([3, 1]);
    expect(ids(await items.find({}, { hint: { a: 1 } }).toArray())).toEqual([3, 1]);
  });

  it('MongoDB: a hinted index scan returns documents in its key order (a missing field is null, lowest)', async () => {
    const items = await itemsWithIndexes();
    expect(ids(await items.find({}, { hint: { a: -1 } }).toArray())).toEqual([1, 3, 2]);
    expect(ids(await items.find({}, { hint: { a: -1 }, sort: { _id: 1 } }).toArray())).toEqual([1, 2, 3]);
  });

  it('MongoDB: a `$natural: -1` hint reads the collection in reverse insertion order', async () => {
    const items = await itemsWithIndexes();
    expect(ids(await items.find({}, { hint: { $natural: -1 } }).toArray())).toEqual([3, 2, 1]);
    expect(ids(await items.find({}, { hint: { $natural: 1 } }).toArray())).toEqual([1, 2, 3]);
  });

  it('MongoDB: count and countDocuments with a sparse hint count only the indexed documents', async () => {
    const items = await itemsWithIndexes();
    expect((await conformance.db.command({ count: items.collectionName, query: {}, hint: 'a_sparse' })).n).toBe(2);
    expect(await items.countDocuments({}, { hint: 'a_sparse' })).toBe(2);
    expect(await items.countDocuments({}, { hint: { $natural: 1 } })).toBe(3);
  });

  it('MongoDB: an aggregation with a sparse hint sees only the indexed documents, in index order', async () => {
    const items = await itemsWithIndexes();
    expect(ids(await items.aggregate([{ $project: { _id: 1 } }], { hint: 'a_sparse' }).toArray())).toEqual([3, 1]);
    const error = await serverError(items.aggregate([], { hint: 'no_such_index' }).toArray());
    expect([error.code, error.codeName]).toEqual([2, 'BadValue']);
  });

  it('MongoDB: updates and deletes with a sparse hint touch only the indexed documents; a bad hint is a write error (2)', async () => {
    const items = await itemsWithIndexes();
    expect((await items.updateMany({}, { $set: { seen: true } }, { hint: 'a_sparse' })).matchedCount).toBe(2);
    expect(ids(await items.find({ seen: true }, { sort: { _id: 1 } }).toArray())).toEqual([1, 3]);
    expect((await serverError(items.updateOne({}, { $set: { seen: false } }, { hint: 'no_such_index' }))).code).toBe(2);
    expect((await serverError(items.deleteMany({}, { hint: 'no_such_index' }))).code).toBe(2);
    expect((await items.deleteMany({}, { hint: 'a_sparse' })).deletedCount).toBe(2);
    expect(ids(await items.find({}).toArray())).toEqual([2]);
  });

  it('MongoDB: findAndModify follows the hint (the first document in index order) and fails with BadValue (2) on a bad one', async () => {
    const items = await itemsWithIndexes();
    const updated = await items.findOneAndUpdate({}, { $set: { seen: true } }, { hint: { a: -1 }, returnDocument: 'after' });
    expect(updated).toEqual({ _id: 1, a: 2, seen: true });
    const removed = await items.findOneAndDelete({}, { hint: { a: 1 } });
    expect(removed).toEqual({ _id: 3, a: 1 });
    const error = await serverError(items.findOneAndUpdate({}, { $set: { seen: false } }, { hint: { no_such_field: 1 } }));
    expect([error.code, error.codeName]).toEqual([2, 'BadValue']);
  });

  it('the embedded database refuses a hint naming a partial index, and distinct with a hint, with NotImplemented (238)', async () => {
    if (!conformance.embedded) return;
    const items = await itemsWithIndexes();
    await items.createIndex({ _id: 1, a: 1 }, { name: 'partial', partialFilterExpression: { a: { $gt: 1 } } });
    const partial = await serverError(items.find({ a: { $gt: 1 } }, { hint: 'partial' }).toArray());
    expect([partial.code, partial.codeName]).toEqual([238, 'NotImplemented']);
    const distinct = await serverError(items.distinct('a', {}, { hint: 'a_sparse' }));
    expect([distinct.code, distinct.codeName]).toEqual([238, 'NotImplemented']);
  });
});
