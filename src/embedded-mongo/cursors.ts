import { Long, calculateObjectSize } from 'bson';
import type { Document } from './bson-values.js';
import { CommandError } from './errors.js';

/** MongoDB's first batch when the client names no batch size. */
const DEFAULT_FIRST_BATCH = 101;
/** Batches stay under the 16 MiB document limit, leaving room for the reply envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
/** Like MongoDB's cursorTimeoutMillis: abandoned cursors must not hold memory forever. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

type OpenCursor = { readonly namespace: string; readonly documents: Document[]; position: number; lastUsed: number };

/**
 * Server-side cursors. Results are computed when the cursor opens (each command runs atomically),
 * then handed out in batches by find/aggregate and getMore.
 */
export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>();
  private nextId = 1n;

  /** The `cursor` field of a find/aggregate/list reply; the cursor stays open only if documents remain. */
  open(namespace: string, documents: Document[], options: { batchSize?: number | undefined; singleBatch?: boolean }): Document {
    this.expireIdle();
    const cursor: OpenCursor = { namespace, documents, position: 0, lastUsed: Date.now() };
    const firstBatch = takeBatch(cursor, options.batchSize ?? DEFAULT_FIRST_BATCH);
    if (options.singleBatch || cursor.position >= documents.length) {
      return { firstBatch, id: Long.ZERO, ns: namespace };
    }
    const id = Long.fromBigInt(this.nextId++);
    this.cursors.set(id.toString(), cursor);
    return { firstBatch, id, ns: namespace };
  }

  getMore(id: Long, batchSize: number | undefined): Document {
    const cursor = this.cursors.get(id.toString());
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id.toString()} not found`);
    cursor.lastUsed = Date.now();
    // A getMore without batchSize returns as much as fits in one reply, like MongoDB.
    const nextBatch = takeBatch(cursor, batchSize || Number.POSITIVE_INFINITY);
    const exhausted = cursor.position >= cursor.documents.length;
    if (exhausted) this.cursors.delete(id.toString());
    return { nextBatch, id: exhausted ? Long.ZERO : id, ns: cursor.namespace };
  }

  /** Returns which of the ids were open (and are now closed) and which were unknown. */
  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed = ids.filter((id) => this.cursors.delete(id.toString()));
    return { killed, notFound: ids.filter((id) => !killed.includes(id)) };
  }

  clear(): void {
    this.cursors.clear();
  }

  private expireIdle(): void {
    const cutoff = Date.now() - IDLE_TIMEOUT_MS;
    for (const [id, cursor] of this.cursors) if (cursor.lastUsed < cutoff) this.cursors.delete(id);
  }
}

function takeBatch(cursor: OpenCursor, maxCount: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  while (cursor.position < cursor.documents.length && batch.length < maxCount) {
    const document = cursor.documents[cursor.position] as Document;
    const size = calculateObjectSize(document);
    // Always make progress, even with one document near the size limit.
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    batch.push(document);
    bytes += size;
    cursor.position += 1;
  }
  return batch;
}
