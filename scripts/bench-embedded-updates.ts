/**
 * Times multi-document updates on the embedded database through the official driver, to compare
 * changes to its update engine: `npx tsx scripts/bench-embedded-updates.ts [--docs N] [--rounds N]`.
 * Prints the median milliseconds of each workload (one updateMany over every document); it asserts
 * nothing, as timings depend on the machine.
 */
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../src/embedded-mongo/index.js';

const WORKLOADS: Readonly<Record<string, object>> = {
  '$inc + $set': { $inc: { n: 1 }, $set: { label: 'x' } },
  '$set to the same value (no change)': { $set: { constant: 1 } },
  '$pull (nothing to pull) + $addToSet (already there)': { $pull: { tags: { $in: ['z'] } }, $addToSet: { more: 'a' } },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { docs: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } }, strict: true });
  const docs = Number(values.docs);
  const rounds = Number(values.rounds);
  const server = await startEmbeddedMongo();
  const client = await new MongoClient(server.uri).connect();
  try {
    const collection = client.db('bench').collection<{ _id: number }>('updates');
    await collection.insertMany(Array.from({ length: docs }, (_, i) => ({ _id: i, n: 0, constant: 1, tags: ['a', 'b'], more: ['a'], nested: { x: i, y: 'y'.repeat(64) } })));
    for (const [name, update] of Object.entries(WORKLOADS)) {
      // The first (discarded) round warms up the JIT.
      const times: number[] = [];
      for (let round = 0; round <= rounds; round += 1) {
        const start = performance.now();
        await collection.updateMany({}, update);
        if (round > 0) times.push(performance.now() - start);
      }
      console.log(`${name}: ${median(times).toFixed(1)} ms per updateMany over ${docs} documents (median of ${rounds})`);
    }
  } finally {
    await client.close();
    await server.stop();
  }
}

await main();
