import type { Document } from '../bson-values.js';
import { MAX_BSON_OBJECT_SIZE } from '../document-size.js';
import type { CommandContext, CommandHandler } from './context.js';

export const SERVER_VERSION = '7.0.0-embedded';
/** Wire version 21 is MongoDB 7.0; the mongodb 7.x driver accepts 9 to 29. */
const MAX_WIRE_VERSION = 21;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;

/**
 * The handshake reply of a standalone server: no `setName` (so drivers use no transactions or
 * retryable writes), no `compression` (so OP_COMPRESSED never arrives) and no `topologyVersion`
 * (so the driver polls instead of streaming hello, which we do not implement).
 */
function hello(_command: Document, context: CommandContext): Document {
  return {
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

function buildInfo(): Document {
  return {
    version: SERVER_VERSION,
    versionArray: [7, 0, 0, 0],
    gitVersion: 'embedded',
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['embedded-in-memory'],
    ok: 1,
  };
}

/** Sessions carry no server state here, so ending or killing them is a plain acknowledgement. */
const acknowledge: CommandHandler = () => ({ ok: 1 });

export const serverInfoCommands: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: acknowledge,
  buildInfo,
  buildinfo: buildInfo,
  endSessions: acknowledge,
  killSessions: acknowledge,
};
