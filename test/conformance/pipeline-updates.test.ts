import { describe, expect, it } from 'vitest';
import { Long } from 'mongodb';
import { serverError, useConformanceDatabase } from './conformance-database.js';

/** Pipeline-style updates (`updateOne(filter, [stages])`) as MongoDB 7.0 runs them. */
const conformance = useConformanceDatabase('pipeline-updates');

type Row = { _id: number | string; [field: string]: unknown };

describe('pipeline-style updates', () => {
  it('MongoDB: $set, $unset, $project, $replaceWith stages compute from the document, keeping _id and stored types', async () => {
    const collection = conformance.collection<Row>('stages');
    await collection.insertOne({ _id: 1, price: 3, quantity: 4, note: 'x', big: Long.fromNumber(5) });
    const result = await collection.updateOne({ _id: 1 }, [
      { $set: { total: { $multiply: ['$price', '$quantity'] } } },
      { $unset: 'note' },
      { $project: { price: 1, total: 1, big: 1 } },
      { $replaceWith: { $mergeObjects: ['$$ROOT', { doubled: { $add: ['$total', '$total'] } }] } },
    ]);
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await collection.findOne({ _id: 1 }, { promoteLongs: false })).toEqual({ _id: 1, price: 3, big: Long.fromNumber(5), total: 12, doubled: 24 });
  });

  it('MongoDB: $dateToString takes any IANA time zone there too ("UTC", "Asia/Kolkata")', async () => {
    const collection = conformance.collection<Row>('dates');
    await collection.insertOne({ _id: 1, at: new Date('2026-03-01T20:00:00Z') });
    await collection.updateOne({ _id: 1 }, [
      {
        $set: {
          utc: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone: 'UTC' } },
          kolkata: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone: 'Asia/Kolkata' } },
        },
      },
    ]);
    expect(await collection.findOne({ _id: 1 })).toMatchObject({ utc: '2026-03-01 20:00', kolkata: '2026-03-02 01:30' });
  });

  it('MongoDB: a stage not allowed in an update fails with 72 InvalidOptions, even when nothing matches, and writes nothing', async () => {
    const collection = conformance.collection<Row>('refused');
    await collection.insertOne({ _id: 1, n: 1 });
    for (const filter of [{ _id: 1 }, { _id: 'none' }] satisfies Row[]) {
      const error = await serverError(collection.findOneAndUpdate(filter, [{ $set: { n: 2 } }, { $match: { n: 2 } }]));
      expect(error.code).toBe(72);
      expect(error.codeName).toBe('InvalidOptions');
      expect(error.message).toContain('$match is not allowed to be used within an update');
    }
    expect(await collection.findOne({ _id: 1 })).toEqual({ _id: 1, n: 1 });
  });

  it('MongoDB: an unknown stage in an update pipeline fails with 40324', async () => {
    const collection = conformance.collection<Row>('unknown');
    const error = await serverError(collection.findOneAndUpdate({ _id: 1 }, [{ $frobnicate: {} }]));
    expect(error.code).toBe(40324);
    expect(error.message).toContain("Unrecognized pipeline stage name: '$frobnicate'");
  });
});
