import type { Socket } from 'node:net';
import { isPlainObject } from './bson-values.js';
import { type ServerState, executeCommand } from './commands/index.js';
import { MAX_MESSAGE_SIZE_BYTES } from './commands/server-info.js';
import { CommandError } from './errors.js';
import { type InboundMessage, MessageFramer, WireProtocolError, encodeLegacyReply, encodeMsgReply, parseMessage } from './wire.js';

/**
 * One client connection: frames the byte stream, runs each command synchronously as its message
 * arrives (so commands never interleave) and writes the reply.
 */
export function serveConnection(socket: Socket, state: ServerState, connectionId: number, onInternalError: (error: unknown) => void): void {
  const framer = new MessageFramer(MAX_MESSAGE_SIZE_BYTES);
  let nextRequestId = 1;

  const reply = (message: InboundMessage): Buffer | undefined => {
    const requestId = nextRequestId++;
    if (message.kind === 'msg') {
      const database = message.body.$db;
      const response =
        typeof database === 'string'
          ? executeCommand(state, { command: message.body, database, connectionId })
          : new CommandError('BadValue', 'OP_MSG requests require a $db argument').toResponse();
      // moreToCome: the client asked for no reply (unacknowledged write).
      return message.moreToCome ? undefined : encodeMsgReply(requestId, message.requestId, response);
    }
    if (message.kind === 'query') {
      // Drivers open every connection with a legacy OP_QUERY hello on `admin.$cmd`.
      const [database = '', collection] = message.fullCollectionName.split('.', 2);
      if (collection !== '$cmd') {
        const error = new CommandError('UnsupportedOpQueryCommand', 'the embedded database only accepts commands over OP_QUERY');
        return encodeLegacyReply(requestId, message.requestId, { $err: error.message, ...error.toResponse() }, true);
      }
      // Legacy clients may wrap the command as { $query: command, $readPreference }.
      const command = isPlainObject(message.query.$query) ? message.query.$query : message.query;
      return encodeLegacyReply(requestId, message.requestId, executeCommand(state, { command, database, connectionId }));
    }
    throw new WireProtocolError(`unsupported opcode ${message.opCode}`);
  };

  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of framer.push(chunk)) {
        const response = reply(parseMessage(frame));
        if (response) socket.write(response);
      }
    } catch (error) {
      // The stream cannot be resynchronised after a framing error; MongoDB closes it too. Anything
      // else is a bug of ours: report it, but never crash the process that embeds the server.
      if (!(error instanceof WireProtocolError)) onInternalError(error);
      socket.destroy();
    }
  });
  // A client vanishing mid-write is normal; it must not crash the process that embeds the server.
  socket.on('error', () => socket.destroy());
}
