import { type Socket, connect } from 'node:net';
import { type Document, deserialize, serialize } from 'bson';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from './index.js';
import { MessageFramer, WireProtocolError } from './wire.js';

/**
 * A minimal raw client, so the framing is tested byte for byte rather than through a driver
 * (which would never send, say, a checksum or a malformed frame).
 */
class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Array<(frame: Buffer) => void> = [];
  private nextRequestId = 1;
  readonly closed: Promise<void>;

  constructor(private readonly socket: Socket) {
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // The server resets connections it refuses; that is the behaviour under test, not a failure.
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= this.buffered.readInt32LE(0)) {
        const length = this.buffered.readInt32LE(0);
        this.waiting.shift()?.(this.buffered.subarray(0, length));
        this.buffered = this.buffered.subarray(length);
      }
    });
  }

  static async open(server: EmbeddedMongo): Promise<RawClient> {
    const socket = connect(server.port, server.host);
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawClient(socket);
  }

  send(opCode: number, payload: Buffer): { requestId: number; reply: Promise<Buffer> } {
    const requestId = this.nextRequestId++;
    const reply = new Promise<Buffer>((resolve) => this.waiting.push(resolve));
    this.socket.write(frame(opCode, requestId, payload));
    return { requestId, reply };
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** OP_MSG with a kind-0 body and optional kind-1 document sequences. */
  async msg(body: Document, options: { sequences?: Record<string, Document[]>; checksum?: boolean } = {}): Promise<Document> {
    const { reply } = this.send(2013, msgPayload(body, options));
    return parseMsgReply(await reply);
  }

  close(): void {
    this.socket.destroy();
  }
}

function frame(opCode: number, requestId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

function msgPayload(body: Document, options: { sequences?: Record<string, Document[]>; checksum?: boolean; moreToCome?: boolean }): Buffer {
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE((options.checksum ? 1 : 0) | (options.moreToCome ? 2 : 0));
  const sections: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [identifier, documents] of Object.entries(options.sequences ?? {})) {
    const content = Buffer.concat([Buffer.from(`${identifier}\0`), ...documents.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + content.length);
    sections.push(Buffer.from([1]), size, content);
  }
  // The server skips the CRC-32C, so any four bytes exercise the flag.
  const checksum = options.checksum ? [Buffer.from([0xde, 0xad, 0xbe, 0xef])] : [];
  return Buffer.concat([flags, ...sections, ...checksum]);
}

function parseMsgReply(reply: Buffer): Document {
  expect(reply.readInt32LE(12)).toBe(2013);
  expect(reply.readUInt32LE(16)).toBe(0);
  expect(reply[20]).toBe(0);
  return deserialize(reply.subarray(21));
}

function legacyQuery(collection: string, query: Document): Buffer {
  const fixed = Buffer.alloc(4);
  const skipAndReturn = Buffer.alloc(8);
  skipAndReturn.writeInt32LE(-1, 4);
  return Buffer.concat([fixed, Buffer.from(`${collection}\0`), skipAndReturn, Buffer.from(serialize(query))]);
}

describe('wire protocol', () => {
  let server: EmbeddedMongo;
  let client: RawClient;

  beforeAll(async () => {
    server = await startEmbeddedMongo();
    client = await RawClient.open(server);
  });

  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('answers the legacy OP_QUERY isMaster handshake with an OP_REPLY', async () => {
    const { requestId, reply } = client.send(2004, legacyQuery('admin.$cmd', { isMaster: 1, helloOk: true, compression: ['zlib'] }));
    const legacyReply = await reply;
    expect(legacyReply.readInt32LE(8)).toBe(requestId);
    expect(legacyReply.readInt32LE(12)).toBe(1);
    expect(legacyReply.readInt32LE(32)).toBe(1); // numberReturned
    const hello = deserialize(legacyReply.subarray(36));
    expect(hello).toMatchObject({
      ok: 1,
      ismaster: true,
      isWritablePrimary: true,
      helloOk: true,
      maxBsonObjectSize: 16_777_216,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      logicalSessionTimeoutMinutes: 30,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
    });
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(typeof hello.connectionId).toBe('number');
    // Not a replica set (no transactions) and no compression offered.
    expect(hello.setName).toBeUndefined();
    expect(hello.compression).toBeUndefined();
  });

  it('refuses legacy OP_QUERY reads of a collection with a query failure', async () => {
    const legacyReply = await client.send(2004, legacyQuery('db.coll', {})).reply;
    expect(legacyReply.readInt32LE(16) & 2).toBe(2);
    expect(deserialize(legacyReply.subarray(36))).toMatchObject({ ok: 0, code: 352 });
  });

  it('merges kind-1 document sequences into the command and skips a trailing checksum', async () => {
    const inserted = await client.msg(
      { insert: 'raw', $db: 'wire_seq' },
      { sequences: { documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] }, checksum: true },
    );
    expect(inserted).toEqual({ n: 3, ok: 1 });
    const found = await client.msg({ find: 'raw', filter: {}, $db: 'wire_seq' });
    expect(found.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });

  it('does not reply to a moreToCome message but still runs it', async () => {
    const payload = msgPayload({ insert: 'quiet', documents: [{ _id: 'silent' }], $db: 'wire_more' }, { moreToCome: true });
    client.sendRaw(frame(2013, 999, payload));
    // The next reply must belong to the next request, proving nothing was sent for the first.
    const found = await client.msg({ find: 'quiet', filter: {}, $db: 'wire_more' });
    expect(found.cursor.firstBatch).toEqual([{ _id: 'silent' }]);
  });

  it('fails an unknown command with CommandNotFound naming it', async () => {
    expect(await client.msg({ fooBar: 1, $db: 'admin' })).toEqual({
      ok: 0,
      errmsg: "no such command: 'fooBar' (the embedded database does not support it)",
      code: 59,
      codeName: 'CommandNotFound',
    });
  });

  it('shapes errors as MongoDB does and refuses transactions', async () => {
    expect(await client.msg({ drop: 'missing', $db: 'wire_err' })).toEqual({
      ok: 0,
      errmsg: 'ns not found',
      code: 26,
      codeName: 'NamespaceNotFound',
    });
    expect(await client.msg({ getMore: 12345n, collection: 'x', $db: 'wire_err' })).toMatchObject({
      ok: 0,
      code: 43,
      codeName: 'CursorNotFound',
    });
    expect(await client.msg({ find: 'x', startTransaction: true, autocommit: false, txnNumber: 1n, $db: 'wire_err' })).toEqual({
      ok: 0,
      errmsg: 'transactions are not supported by the embedded database',
      code: 20,
      codeName: 'IllegalOperation',
    });
    expect(await client.msg({ ping: 1 })).toMatchObject({ ok: 0, code: 2, errmsg: 'OP_MSG requests require a $db argument' });
  });

  it('reports write errors per statement with ok: 1', async () => {
    const reply = await client.msg({
      insert: 'dups',
      documents: [{ _id: 1 }, { _id: 1 }, { _id: 2 }],
      ordered: false,
      $db: 'wire_writes',
    });
    expect(reply).toMatchObject({
      n: 2,
      ok: 1,
      writeErrors: [
        {
          index: 1,
          code: 11000,
          errmsg: 'E11000 duplicate key error collection: wire_writes.dups index: _id_ dup key: { _id: 1 }',
          keyPattern: { _id: 1 },
          keyValue: { _id: 1 },
        },
      ],
    });
  });

  it('closes the connection on a malformed frame', async () => {
    const victim = await RawClient.open(server);
    const bogus = Buffer.alloc(8);
    bogus.writeInt32LE(3, 0); // shorter than a header
    victim.sendRaw(bogus);
    await victim.closed;
    // The server itself keeps serving others.
    expect(await client.msg({ ping: 1, $db: 'admin' })).toEqual({ ok: 1 });
  });

  it('closes the connection on an opcode it does not speak', async () => {
    const victim = await RawClient.open(server);
    victim.send(2012, Buffer.alloc(16)); // OP_COMPRESSED is never negotiated
    await victim.closed;
  });
});

describe('stop()', () => {
  it('resolves promptly even while a client keeps its connection open', async () => {
    const server = await startEmbeddedMongo();
    const idle = await RawClient.open(server);
    expect(await idle.msg({ ping: 1, $db: 'admin' })).toEqual({ ok: 1 });
    const started = Date.now();
    await server.stop();
    await idle.closed;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('MessageFramer', () => {
  const messages = [{ ping: 1 }, { insert: 'x', documents: [{ a: 'b'.repeat(300) }] }, {}].map((body, i) =>
    frame(2013, i, Buffer.concat([Buffer.alloc(5), Buffer.from(serialize(body))])),
  );
  const stream = Buffer.concat(messages);

  it('yields the same messages however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        const framer = new MessageFramer(1024 * 1024);
        const frames = bounds.slice(1).flatMap((end, i) => framer.push(stream.subarray(bounds[i], end)));
        expect(frames).toEqual(messages);
      }),
    );
  });

  it('rejects a length outside the protocol limits', () => {
    const tooLong = Buffer.alloc(4);
    tooLong.writeInt32LE(2048);
    expect(() => new MessageFramer(1024).push(tooLong)).toThrow(WireProtocolError);
  });
});
