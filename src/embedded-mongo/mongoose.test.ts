import mongoose, { type Connection, Schema, type Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from './index.js';

type Account = {
  email: string;
  plan: string;
  credits: number;
  tags: string[];
  grants: Array<{ source: string; amount: number }>;
  version: number;
};

const accountSchema = new Schema<Account>({
  email: { type: String, required: true, unique: true },
  plan: { type: String, default: 'free' },
  credits: { type: Number, default: 0 },
  tags: [String],
  grants: [{ _id: false, source: String, amount: Number }],
  version: { type: Number, default: 0 },
});
accountSchema.index({ plan: 1, credits: -1 });

describe('mongoose on the embedded database', () => {
  let server: EmbeddedMongo;
  let connection: Connection;
  const Account = () => connection.model<Account>('Account', accountSchema);

  beforeAll(async () => {
    server = await startEmbeddedMongo();
    connection = await mongoose.createConnection(server.uri, { dbName: 'mongoose_suite' }).asPromise();
    await Account().init();
  });

  afterAll(async () => {
    await connection.close();
    await server.stop();
  });

  it('builds the schema indexes and keeps them in sync', async () => {
    const names = (await Account().listIndexes()).map((index) => index.name);
    expect(names).toEqual(['_id_', 'email_1', 'plan_1_credits_-1']);
    await Account().collection.createIndex({ stale: 1 });
    expect(await Account().syncIndexes()).toEqual(['stale_1']);
    expect((await Account().listIndexes()).map((index) => index.name)).toEqual(['_id_', 'email_1', 'plan_1_credits_-1']);
    await Account().createIndexes();
  });

  it('creates documents and reports duplicate keys as MongoDB does', async () => {
    const created = await Account().create({ email: 'ada@example.com', credits: 10 });
    expect(created.plan).toBe('free');
    const duplicate = await Account()
      .create({ email: 'ada@example.com' })
      .catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ name: 'MongoServerError', code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'ada@example.com' } });
  });

  it('upserts with $setOnInsert and returns the new document', async () => {
    const first = await Account().findOneAndUpdate(
      { email: 'grace@example.com' },
      { $setOnInsert: { plan: 'pro' }, $inc: { credits: 5 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(first).toMatchObject({ email: 'grace@example.com', plan: 'pro', credits: 5 });
    const second = await Account().findOneAndUpdate(
      { email: 'grace@example.com' },
      { $setOnInsert: { plan: 'enterprise' }, $inc: { credits: 5 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(second).toMatchObject({ plan: 'pro', credits: 10 });
    expect(second?._id.equals(first?._id as Types.ObjectId)).toBe(true);
  });

  it('applies $inc, $push with $each/$slice, $pull and arrayFilters', async () => {
    const { _id } = await Account().create({ email: 'linus@example.com', tags: ['a'], grants: [{ source: 'gift', amount: 1 }, { source: 'promo', amount: 2 }] });
    await Account().updateOne({ _id }, { $inc: { credits: 3 }, $push: { tags: { $each: ['b', 'c', 'd'], $slice: -3 } } });
    await Account().updateOne({ _id }, { $pull: { tags: 'c' } });
    await Account().updateOne({ _id }, { $set: { 'grants.$[g].amount': 20 } }, { arrayFilters: [{ 'g.source': 'promo' }] });
    const account = await Account().findById(_id).lean();
    expect(account).toMatchObject({ credits: 3, tags: ['b', 'd'], grants: [{ source: 'gift', amount: 1 }, { source: 'promo', amount: 20 }] });
  });

  it('compare-and-sets on a version field', async () => {
    const { _id } = await Account().create({ email: 'cas@example.com' });
    const won = await Account().updateOne({ _id, version: 0 }, { $set: { plan: 'team' }, $inc: { version: 1 } });
    const lost = await Account().updateOne({ _id, version: 0 }, { $set: { plan: 'lost' }, $inc: { version: 1 } });
    expect([won.modifiedCount, lost.modifiedCount]).toEqual([1, 0]);
    expect(await Account().findById(_id).lean()).toMatchObject({ plan: 'team', version: 1 });
  });

  it('counts, aggregates, streams with a cursor and deletes', async () => {
    await Account().insertMany(Array.from({ length: 25 }, (_, i) => ({ email: `bulk${i}@example.com`, plan: i % 2 ? 'pro' : 'free', credits: i })));
    expect(await Account().countDocuments({ email: /^bulk/ })).toBe(25);
    const perPlan = await Account().aggregate<{ _id: string; total: number }>([
      { $match: { email: /^bulk/ } },
      { $group: { _id: '$plan', total: { $sum: '$credits' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(perPlan).toEqual([
      { _id: 'free', total: 156 },
      { _id: 'pro', total: 144 },
    ]);
    const streamed: string[] = [];
    for await (const account of Account().find({ email: /^bulk/ }).sort({ credits: 1 }).batchSize(4).cursor()) streamed.push(account.email);
    expect(streamed).toEqual(Array.from({ length: 25 }, (_, i) => `bulk${i}@example.com`));
    expect((await Account().deleteMany({ email: /^bulk/ })).deletedCount).toBe(25);
    expect(await Account().countDocuments({ email: /^bulk/ })).toBe(0);
  });
});
