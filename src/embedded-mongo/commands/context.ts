import type { Document } from '../bson-values.js';
import type { CursorRegistry } from '../cursors.js';
import type { ServerProcess } from '../server-process.js';
import type { Storage } from '../storage.js';

/** Everything one embedded server shares between its connections. */
export type ServerState = { readonly storage: Storage; readonly cursors: CursorRegistry; readonly process: ServerProcess };

export type CommandContext = {
  readonly state: ServerState;
  /** The `$db` the command was sent to. */
  readonly database: string;
  readonly connectionId: number;
};

/**
 * A command handler is synchronous on purpose: a command runs start to finish in one event-loop
 * turn, which is what makes each command atomic with respect to every other one.
 */
export type CommandHandler = (command: Document, context: CommandContext) => Document;
