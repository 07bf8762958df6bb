import { describe, expect, it } from 'vitest';
import { KeyedBatcher } from './keyed-batcher.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedBatcher', () => {
  it('runs one batch per key at a time and coalesces what waits', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const batcher = new KeyedBatcher<string, string>(async (_key, items) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push([...items]);
      await tick();
      inFlight -= 1;
      return items.map((item) => item.toUpperCase());
    });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((item) => batcher.submit('pool', item)));
    expect(results).toEqual(['A', 'B', 'C', 'D']);
    expect(maxInFlight).toBe(1);
    // The first item starts alone; the three that queued behind it go out as one batch.
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('runs different keys concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      inFlight -= 1;
      return items;
    });
    await Promise.all([batcher.submit('x', 1), batcher.submit('y', 2), batcher.submit('z', 3)]);
    expect(maxInFlight).toBe(3);
  });

  it('rejects only the failed batch and keeps serving the key', async () => {
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items.map((item) => item * 2);
    });
    await expect(batcher.submit('k', 13)).rejects.toThrow('unlucky');
    await expect(batcher.submit('k', 4)).resolves.toBe(8);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      sizes.push(items.length);
      await tick();
      return items;
    }, { maxBatchSize: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.submit('k', item)));
    expect(sizes).toEqual([1, 2, 2]);
  });
});
