import { toNumber } from './bson-values.js';
import { valuesAtPath } from './paths.js';
import type { Collection, Storage, StoredRecord } from './storage.js';

/** MongoDB's TTL monitor also wakes every 60 seconds, so expiry is never exact there either. */
const TTL_MONITOR_INTERVAL_MS = 60_000;

/**
 * The documents past their TTL: a document expires when an indexed date (any, for an array, so
 * the earliest counts) plus the index's expireAfterSeconds is not after `now`. Non-dates never expire.
 */
function expiredIn(collection: Collection, now: number): StoredRecord[] {
  const rules = collection.indexes.list().flatMap((index) => {
    const seconds = toNumber(index.spec.expireAfterSeconds);
    const [field] = index.fields;
    // Like MongoDB, only single-field indexes expire documents.
    return seconds === undefined || field === undefined || index.fields.length !== 1 ? [] : [{ field, ms: seconds * 1000 }];
  });
  if (rules.length === 0) return [];
  return [...collection.all()].filter((record) =>
    rules.some(({ field, ms }) => valuesAtPath(record.view, field).some((value) => value instanceof Date && value.getTime() + ms <= now)),
  );
}

/** Deletes every document whose TTL has passed at `now`; returns how many. */
export function removeExpiredDocuments(storage: Storage, now: number): number {
  let removed = 0;
  for (const database of storage.databaseNames()) {
    for (const collection of storage.collections(database)) {
      for (const record of expiredIn(collection, now)) {
        collection.remove(record);
        removed += 1;
      }
    }
  }
  return removed;
}

/** Runs TTL expiry periodically; returns the function that stops it. The timer never keeps the process alive. */
export function startTtlMonitor(storage: Storage): () => void {
  const timer = setInterval(() => removeExpiredDocuments(storage, Date.now()), TTL_MONITOR_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
