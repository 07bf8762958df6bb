import type { Document } from '../bson-values.js';
import { assertDocumentSize } from '../document-size.js';
import { CommandError, toCommandError } from '../errors.js';
import { type UpdateOutcome, deleteDocuments, updateDocuments } from '../modify.js';
import { parseUpdate } from '../update-engine.js';
import {
  collectionArgument,
  documentArray,
  optionalBoolean,
  optionalDocument,
  optionalDocumentArray,
  optionalInteger,
  rejectOptions,
} from './arguments.js';
import type { CommandContext, CommandHandler } from './context.js';

/**
 * Runs the statements of an insert/update/delete. A failing statement becomes a write error (the
 * command itself still answers ok: 1); `ordered` (the default) stops at the first failure.
 */
function runStatements(command: Document, field: string, apply: (statement: Document, index: number) => void): Document {
  const statements = documentArray(command, field);
  const ordered = optionalBoolean(command, 'ordered') ?? true;
  const writeErrors: Document[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      apply(statement, index);
    } catch (error) {
      writeErrors.push(toCommandError(error).toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { writeErrors } : {};
}

function insert(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  let n = 0;
  const errors = runStatements(command, 'documents', (document) => {
    assertDocumentSize(document, 'insert');
    state.storage.getOrCreate(database, name).insert(document);
    n += 1;
  });
  return { n, ...errors, ok: 1 };
}

function update(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const errors = runStatements(command, 'updates', (statement, index) => {
    rejectOptions(statement, ['collation'], 'update');
    const update = parseUpdate(statement.u);
    const multi = optionalBoolean(statement, 'multi') ?? false;
    if (multi && update.kind === 'replacement') {
      throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
    }
    const outcome: UpdateOutcome = { matched: 0, modified: 0 };
    try {
      updateDocuments(
        state.storage,
        database,
        name,
        {
          filter: optionalDocument(statement, 'q') ?? {},
          update,
          multi,
          upsert: optionalBoolean(statement, 'upsert') ?? false,
          arrayFilters: optionalDocumentArray(statement, 'arrayFilters'),
          hint: statement.hint,
        },
        outcome,
      );
    } finally {
      // A multi-update stopped by an error keeps (and reports) the documents it already changed.
      n += outcome.matched;
      nModified += outcome.modified;
    }
    if (outcome.upserted) {
      n += 1;
      upserted.push({ index, _id: outcome.upserted.doc._id });
    }
  });
  return { n, nModified, ...(upserted.length > 0 ? { upserted } : {}), ...errors, ok: 1 };
}

function remove(command: Document, { state, database }: CommandContext): Document {
  const name = collectionArgument(command);
  let n = 0;
  const errors = runStatements(command, 'deletes', (statement) => {
    rejectOptions(statement, ['collation'], 'delete');
    // limit 1 deletes one document, limit 0 all that match.
    const limit = optionalInteger(statement, 'limit') ?? 0;
    n += deleteDocuments(state.storage, database, name, { filter: optionalDocument(statement, 'q') ?? {}, limit, hint: statement.hint }).length;
  });
  return { n, ...errors, ok: 1 };
}

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove };
