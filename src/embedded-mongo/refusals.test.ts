import { type Document, type IndexSpecification, type MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useTestDatabase } from './test-database.js';

/**
 * The README's "What it does not support — and fails loudly on", item by item, through the
 * official driver: each is refused with its code instead of being ignored or answered wrongly.
 * These are the embedded database's own refusals (MongoDB would run them), so they live here and
 * not in test/conformance/.
 */
const database = useTestDatabase();
let counter = 0;
const db = () => database.client.db('refusals');
/** Tests use numbers as _id, which the driver's default schema type forbids. */
type Row = Document & { _id: number };
/** A collection of its own for one test, holding one document. */
async function seeded(name: string) {
  counter += 1;
  const collection = db().collection<Row>(`${name}_${counter}`);
  await collection.insertOne({ _id: 1, a: 1, at: new Date(0) });
  return collection;
}

async function expectNotImplemented(promise: Promise<unknown>, what: string | RegExp): Promise<void> {
  const error = await serverError(promise);
  expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 238, codeName: 'NotImplemented' });
  expect(error.message).toMatch(/is not supported by the embedded database$/);
  expect(error.message).toMatch(what);
}

describe('transactions', () => {
  it('fail with 20 IllegalOperation, as on a standalone server', async () => {
    const collection = await seeded('transactions');
    const session = database.client.startSession();
    try {
      session.startTransaction();
      const read = await serverError(collection.find({}, { session }).toArray());
      expect({ code: read.code, codeName: read.codeName }).toEqual({ code: 20, codeName: 'IllegalOperation' });
      await session.abortTransaction().catch(() => undefined);
      session.startTransaction();
      const write = await serverError(collection.insertOne({ _id: 2 }, { session }));
      // For a write the driver wraps our answer in its "does not support retryable writes" hint.
      const original = (write as MongoServerError & { originalError?: MongoServerError }).originalError ?? write;
      expect(original.code).toBe(20);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await collection.countDocuments()).toBe(1);
  });
});

describe('collation', () => {
  it('is refused on every command that takes it', async () => {
    const collection = await seeded('collation');
    const collation = { locale: 'fr' };
    await expectNotImplemented(collection.find({}, { collation }).toArray(), /'collation' option of find/);
    await expectNotImplemented(collection.countDocuments({}, { collation }), /'collation' option of aggregate/);
    await expectNotImplemented(db().command({ count: collection.collectionName, collation }), /'collation' option of count/);
    await expectNotImplemented(collection.distinct('a', {}, { collation }), /'collation' option of distinct/);
    await expectNotImplemented(collection.aggregate([], { collation }).toArray(), /'collation' option of aggregate/);
    await expectNotImplemented(collection.updateOne({}, { $set: { b: 1 } }, { collation }), /'collation' option of update/);
    await expectNotImplemented(collection.deleteOne({}, { collation }), /'collation' option of delete/);
    await expectNotImplemented(collection.findOneAndUpdate({}, { $set: { b: 1 } }, { collation }), /'collation' option of findAndModify/);
    await expectNotImplemented(collection.createIndex({ a: 1 }, { collation }), /Index collation/);
    expect(await collection.findOne({})).toEqual({ _id: 1, a: 1, at: new Date(0) });
    expect(await collection.listIndexes().toArray()).toHaveLength(1);
  });
});

describe('index kinds', () => {
  it.each([
    ['text', { a: 'text' }],
    ['2dsphere', { a: '2dsphere' }],
    ['2d', { a: '2d' }],
    ['hashed', { a: 'hashed' }],
    ['wildcard', { '$**': 1 }],
    ['wildcard on a path', { 'a.$**': 1 }],
  ] as [string, IndexSpecification][])('a %s index fails with 67 CannotCreateIndex naming its key', async (_kind, key) => {
    const collection = await seeded('index_kinds');
    const error = await serverError(collection.createIndex(key));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 67, codeName: 'CannotCreateIndex' });
    expect(error.message).toContain(`Index key '${Object.keys(key as Document)[0]}:`);
    expect(await collection.listIndexes().toArray()).toHaveLength(1);
  });
});

describe('create', () => {
  it.each([
    ['capped', { capped: true, size: 4096 }],
    ['timeseries', { timeseries: { timeField: 'at' } }],
    ['clusteredIndex', { clusteredIndex: { key: { _id: 1 }, unique: true } }],
    ['viewOn', { viewOn: 'source', pipeline: [] }],
    ['validator', { validator: { a: { $type: 'int' } } }],
    ['expireAfterSeconds', { expireAfterSeconds: 60 }],
    ['changeStreamPreAndPostImages', { changeStreamPreAndPostImages: { enabled: true } }],
    ['encryptedFields', { encryptedFields: { fields: [] } }],
    ['idIndex', { idIndex: { key: { _id: 1 }, name: '_id_' } }],
    ['collation', { collation: { locale: 'fr' } }],
  ])("refuses the '%s' option with 238 NotImplemented and creates nothing", async (option, options) => {
    counter += 1;
    const name = `create_${counter}`;
    await expectNotImplemented(db().command({ create: name, ...options }), `'${option}' option of create`);
    expect(await db().listCollections({ name }).toArray()).toEqual([]);
  });
});

describe('aggregation stages', () => {
  it.each([
    ['$collStats', { $collStats: {} }],
    ['$currentOp', { $currentOp: {} }],
    ['$geoNear', { $geoNear: { near: [0, 0], distanceField: 'd' } }],
    ['$indexStats', { $indexStats: {} }],
    ['$listSessions', { $listSessions: {} }],
    ['$planCacheStats', { $planCacheStats: {} }],
    ['$search', { $search: {} }],
    ['$vectorSearch', { $vectorSearch: {} }],
    ['$changeStream', { $changeStream: {} }],
    ['$out', { $out: 'elsewhere' }],
    ['$merge', { $merge: { into: 'elsewhere' } }],
  ])('refuses %s with 238 NotImplemented', async (stage, spec) => {
    const collection = await seeded('stages');
    await expectNotImplemented(collection.aggregate([spec]).toArray(), `The ${stage} aggregation stage`);
    expect(await db().listCollections({ name: 'elsewhere' }).toArray()).toEqual([]);
  });

  it('refuses them inside $facet and $lookup pipelines too', async () => {
    const collection = await seeded('nested_stages');
    await expectNotImplemented(collection.aggregate([{ $facet: { f: [{ $indexStats: {} }] } }]).toArray(), /\$indexStats/);
    const lookup = { $lookup: { from: collection.collectionName, pipeline: [{ $out: 'x' }], as: 'joined' } };
    await expectNotImplemented(collection.aggregate([lookup]).toArray(), /\$out/);
  });
});

describe('scripts', () => {
  it('$where, $function and $accumulator fail with 2 BadValue (scripting is disabled)', async () => {
    const collection = await seeded('scripts');
    const where = await serverError(collection.find({ $where: 'this.a > 0' }).toArray());
    const fn = { $function: { body: 'function (a) { return a; }', args: ['$a'], lang: 'js' } };
    const func = await serverError(collection.aggregate([{ $project: { x: fn } }]).toArray());
    const accumulator = {
      $accumulator: { init: 'function () { return 0; }', accumulate: 'function (s) { return s; }', accumulateArgs: [], merge: 'function (a) { return a; }', lang: 'js' },
    };
    const acc = await serverError(collection.aggregate([{ $group: { _id: null, x: accumulator } }]).toArray());
    for (const error of [where, func, acc]) expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 2, codeName: 'BadValue' });
  });
});

describe('$meta', () => {
  it('is refused in projections and as a sort key with 238 NotImplemented', async () => {
    const collection = await seeded('meta');
    await expectNotImplemented(collection.find({}, { projection: { score: { $meta: 'textScore' } } }).toArray(), /\$meta projection/);
    await expectNotImplemented(collection.find({}).sort({ score: { $meta: 'textScore' } }).toArray(), /sorting by/);
    await expectNotImplemented(collection.aggregate([{ $sort: { score: { $meta: 'textScore' } } }]).toArray(), /sorting by/);
  });
});

describe('find options', () => {
  it.each([
    ['tailable', { tailable: true }],
    ['awaitData', { awaitData: true }],
    ['min', { min: { a: 0 }, hint: { a: 1 } }],
    ['max', { max: { a: 5 }, hint: { a: 1 } }],
    ['returnKey', { returnKey: true }],
    ['showRecordId', { showRecordId: true }],
  ])("refuses '%s' with 238 NotImplemented", async (option, options) => {
    const collection = await seeded('find_options');
    await expectNotImplemented(db().command({ find: collection.collectionName, filter: {}, ...options }), `'${option}' option of find`);
  });
});

describe('hints the embedded database cannot follow', () => {
  it('refuses a hint naming a partial index, and distinct with a hint', async () => {
    const collection = await seeded('hints');
    await collection.createIndex({ a: 1 }, { name: 'partial_a', partialFilterExpression: { a: { $gt: 0 } } });
    await expectNotImplemented(collection.find({}).hint('partial_a').toArray(), /partial index 'partial_a'/);
    await expectNotImplemented(db().command({ distinct: collection.collectionName, key: 'a', hint: { _id: 1 } }), /'hint' option of distinct/);
  });
});

describe('getParameter', () => {
  it("answers only featureCompatibilityVersion: other parameters, '*' and showDetails are refused with 238", async () => {
    const admin = database.client.db('admin');
    await expectNotImplemented(admin.command({ getParameter: 1, authenticationMechanisms: 1 }), /authenticationMechanisms/);
    await expectNotImplemented(admin.command({ getParameter: '*' }), /getParameter '\*' and showDetails/);
    await expectNotImplemented(admin.command({ getParameter: { showDetails: true }, featureCompatibilityVersion: 1 }), /showDetails/);
  });
});

describe('commands MongoDB has and the embedded database does not', () => {
  const adminCommands = ['currentOp', 'killOp', 'top', 'getLog', 'getCmdLineOpts', 'setParameter', 'fsync'];
  it.each([
    'collStats', 'dbStats', 'dataSize', 'collMod', 'validate', 'explain', 'renameCollection', 'convertToCapped',
    'cloneCollectionAsCapped', 'mapReduce', 'currentOp', 'killOp', 'top', 'getLog', 'getCmdLineOpts', 'setParameter',
    'fsync', 'compact', 'reIndex', 'saslStart', 'authenticate', 'createUser', 'usersInfo', 'createRole', 'rolesInfo',
  ])('%s fails with 238 NotImplemented', async (name) => {
    const target = database.client.db(adminCommands.includes(name) ? 'admin' : 'refusals');
    await expectNotImplemented(target.command({ [name]: 'c' }), `The ${name} command`);
  });

  it("a command MongoDB lacks fails with 59 CommandNotFound: no such command: 'x' (the embedded database does not support it)", async () => {
    const error = await serverError(db().command({ frobnicate: 1 }));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 59, codeName: 'CommandNotFound' });
    expect(error.message).toBe("no such command: 'frobnicate' (the embedded database does not support it)");
  });
});

describe('a filter naming __proto__', () => {
  it('is refused with 238 as a path or inside a value, while such a field is stored and returned', async () => {
    const collection = await seeded('proto');
    await collection.insertOne(JSON.parse('{ "_id": 2, "__proto__": 5 }') as Row);
    await expectNotImplemented(collection.find(JSON.parse('{ "__proto__": 5 }') as Document).toArray(), /__proto__/);
    await expectNotImplemented(collection.find(JSON.parse('{ "a": { "$eq": { "__proto__": 1 } } }') as Document).toArray(), /__proto__/);
    const stored = await collection.findOne({ _id: 2 });
    expect(Object.hasOwn(stored ?? {}, '__proto__')).toBe(true);
  });
});
