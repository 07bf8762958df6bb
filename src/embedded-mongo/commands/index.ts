import type { Document } from '../bson-values.js';
import { CommandError, toCommandError } from '../errors.js';
import { commandName } from './arguments.js';
import type { CommandContext, CommandHandler, ServerState } from './context.js';
import { diagnosticCommands } from './diagnostics.js';
import { assertNoTransaction } from './envelope.js';
import { findAndModifyCommands } from './find-and-modify.js';
import { indexCommands } from './indexes.js';
import { namespaceCommands } from './namespaces.js';
import { readCommands } from './reads.js';
import { serverInfoCommands } from './server-info.js';
import { writeCommands } from './writes.js';

export type { ServerState } from './context.js';

const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map(
  Object.entries({
    ...serverInfoCommands,
    ...diagnosticCommands,
    ...readCommands,
    ...writeCommands,
    ...findAndModifyCommands,
    ...indexCommands,
    ...namespaceCommands,
  }),
);

export type CommandRequest = { command: Document; database: string; connectionId: number };

/**
 * Runs one command and returns its reply. Never throws: every failure becomes the
 * `{ ok: 0, errmsg, code, codeName }` document MongoDB would send, and an unknown command fails
 * loudly with CommandNotFound instead of pretending to succeed.
 */
export function executeCommand(state: ServerState, request: CommandRequest): Document {
  const name = commandName(request.command);
  try {
    const handler = COMMANDS.get(name);
    if (!handler) {
      throw new CommandError('CommandNotFound', `no such command: '${name}' (the embedded database does not support it)`);
    }
    assertNoTransaction(request.command);
    const context: CommandContext = { state, database: request.database, connectionId: request.connectionId };
    return handler(request.command, context);
  } catch (error) {
    return toCommandError(error).toResponse();
  }
}
