import { serialize } from 'bson';
import { type Document, decodeDocument } from './bson-values.js';

/** Opcodes of the MongoDB wire protocol that this server reads or writes. */
export const OpCode = { Reply: 1, Query: 2004, Compressed: 2012, Msg: 2013 } as const;

const HEADER_SIZE = 16;
const MsgFlag = { ChecksumPresent: 1 << 0, MoreToCome: 1 << 1 } as const;
/** OP_REPLY responseFlags bit telling a legacy client its query failed. */
const QUERY_FAILURE_FLAG = 1 << 1;

/** A framing or encoding problem: the byte stream cannot be trusted any more, so the connection is closed. */
export class WireProtocolError extends Error {}

export type InboundMessage =
  /** Legacy OP_QUERY, used by drivers only for the very first hello/isMaster. */
  | { kind: 'query'; requestId: number; fullCollectionName: string; query: Document }
  /** OP_MSG with document sequences already merged into the body. */
  | { kind: 'msg'; requestId: number; body: Document; moreToCome: boolean }
  | { kind: 'unsupported'; requestId: number; opCode: number };

/**
 * Cuts a TCP byte stream into whole messages, whatever the chunking. Chunks are joined once per
 * complete message, not once per chunk, so a large insert costs linear time.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageSize: number) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = (this.chunks[0] as Buffer).length >= 4 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      const length = head.readInt32LE(0);
      if (length < HEADER_SIZE || length > this.maxMessageSize) {
        throw new WireProtocolError(`invalid message length ${length}`);
      }
      if (this.buffered < length) break;
      const joined = Buffer.concat(this.chunks, this.buffered);
      frames.push(joined.subarray(0, length));
      this.chunks = joined.length > length ? [joined.subarray(length)] : [];
      this.buffered -= length;
    }
    return frames;
  }
}

/** Reads the BSON document at `offset`, returning it with the offset just past it. */
function readDocument(frame: Buffer, offset: number, end: number): [Document, number] {
  if (offset + 4 > end) throw new WireProtocolError('truncated BSON document');
  const size = frame.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new WireProtocolError(`invalid BSON document size ${size}`);
  return [decodeDocument(frame.subarray(offset, offset + size)), offset + size];
}

function readCString(frame: Buffer, offset: number, end: number): [string, number] {
  const terminator = frame.indexOf(0, offset);
  if (terminator < 0 || terminator >= end) throw new WireProtocolError('unterminated string');
  return [frame.toString('utf8', offset, terminator), terminator + 1];
}

/**
 * OP_MSG: flag bits, one kind-0 section (the command) and any number of kind-1 document sequences
 * (how drivers send `documents`, `updates` and `deletes`), plus an optional trailing CRC-32C that
 * we skip: TCP already protects the bytes on loopback.
 */
function parseMsg(frame: Buffer, requestId: number): InboundMessage {
  const flags = frame.readUInt32LE(HEADER_SIZE);
  const end = frame.length - (flags & MsgFlag.ChecksumPresent ? 4 : 0);
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = frame.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      [body, offset] = readDocument(frame, offset, end);
    } else if (kind === 1) {
      const sectionEnd = offset + frame.readInt32LE(offset);
      if (sectionEnd > end) throw new WireProtocolError('document sequence overruns the message');
      const [identifier, documentsStart] = readCString(frame, offset + 4, sectionEnd);
      let cursor = documentsStart;
      const documents: Document[] = [];
      while (cursor < sectionEnd) {
        let document: Document;
        [document, cursor] = readDocument(frame, cursor, sectionEnd);
        documents.push(document);
      }
      sequences.push([identifier, documents]);
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new WireProtocolError('OP_MSG without a body section');
  for (const [identifier, documents] of sequences) {
    const existing = body[identifier];
    body[identifier] = [...(Array.isArray(existing) ? existing : []), ...documents];
  }
  return { kind: 'msg', requestId, body, moreToCome: (flags & MsgFlag.MoreToCome) !== 0 };
}

/** OP_QUERY: flags, full collection name, skip, limit, query document (a selector may follow). */
function parseQuery(frame: Buffer, requestId: number): InboundMessage {
  const [fullCollectionName, afterName] = readCString(frame, HEADER_SIZE + 4, frame.length);
  const [query] = readDocument(frame, afterName + 8, frame.length);
  return { kind: 'query', requestId, fullCollectionName, query };
}

export function parseMessage(frame: Buffer): InboundMessage {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  try {
    if (opCode === OpCode.Msg) return parseMsg(frame, requestId);
    if (opCode === OpCode.Query) return parseQuery(frame, requestId);
  } catch (error) {
    // Bounds are checked above, but bson can still reject the bytes of a document.
    throw error instanceof WireProtocolError ? error : new WireProtocolError(`malformed message: ${String(error)}`);
  }
  return { kind: 'unsupported', requestId, opCode };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const bytes = Buffer.alloc(HEADER_SIZE);
  bytes.writeInt32LE(length, 0);
  bytes.writeInt32LE(requestId, 4);
  bytes.writeInt32LE(responseTo, 8);
  bytes.writeInt32LE(opCode, 12);
  return bytes;
}

function encode(opCode: number, requestId: number, responseTo: number, prefix: Buffer, document: Document): Buffer {
  const body = serialize(document);
  const length = HEADER_SIZE + prefix.length + body.length;
  return Buffer.concat([header(length, requestId, responseTo, opCode), prefix, body]);
}

/** OP_MSG reply: no flags, one kind-0 section holding the reply document. */
export function encodeMsgReply(requestId: number, responseTo: number, document: Document): Buffer {
  const prefix = Buffer.alloc(5); // flagBits = 0, then section kind 0
  return encode(OpCode.Msg, requestId, responseTo, prefix, document);
}

/** OP_REPLY to a legacy OP_QUERY: one document, no cursor. */
export function encodeLegacyReply(requestId: number, responseTo: number, document: Document, failed = false): Buffer {
  const prefix = Buffer.alloc(20);
  prefix.writeInt32LE(failed ? QUERY_FAILURE_FLAG : 0, 0); // responseFlags
  // cursorID (8 bytes) and startingFrom (4 bytes) stay 0.
  prefix.writeInt32LE(1, 16); // numberReturned
  return encode(OpCode.Reply, requestId, responseTo, prefix, document);
}
