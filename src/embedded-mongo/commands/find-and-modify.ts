import type { Document } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { deleteDocuments, updateDocuments } from '../modify.js';
import { compileProjection } from '../projection.js';
import { parseUpdate } from '../update-engine.js';
import {
  collectionArgument,
  optionalBoolean,
  optionalDocument,
  optionalDocumentArray,
  rejectOptions,
} from './arguments.js';
import type { CommandContext, CommandHandler } from './context.js';

/**
 * findAndModify finds one document (first in `sort` order), then removes or updates it, all in
 * the same synchronous step: this is what makes guarded decrements and compare-and-set safe.
 * Unlike insert/update, a duplicate key here is a command error (code 11000).
 */
function findAndModify(command: Document, { state, database }: CommandContext): Document {
  rejectOptions(command, ['collation']);
  const name = collectionArgument(command);
  const filter = optionalDocument(command, 'query') ?? {};
  const sort = optionalDocument(command, 'sort');
  const fields = optionalDocument(command, 'fields') ?? optionalDocument(command, 'projection');
  // Compiled before the write, so a projection MongoDB refuses leaves the document as it was.
  const projected = compileProjection(fields, { filter, variables: optionalDocument(command, 'let') });
  const returned = (doc: Document | undefined): Document | null => (doc ? projected(doc) : null);

  if (optionalBoolean(command, 'remove')) {
    if (command.update !== undefined) throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
    const [removed] = deleteDocuments(state.storage, database, name, { filter, sort, limit: 1, hint: command.hint });
    return { lastErrorObject: { n: removed ? 1 : 0 }, value: returned(removed?.doc), ok: 1 };
  }
  if (command.update === undefined) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  const returnNew = optionalBoolean(command, 'new') ?? false;
  let value: Document | null = null;
  const outcome = updateDocuments(state.storage, database, name, {
    filter,
    sort,
    update: parseUpdate(command.update),
    multi: false,
    upsert: optionalBoolean(command, 'upsert') ?? false,
    arrayFilters: optionalDocumentArray(command, 'arrayFilters'),
    hint: command.hint,
    beforeWrite: (before, after) => {
      value = returned(returnNew ? after : before);
    },
  });
  const lastErrorObject = outcome.upserted
    ? { n: 1, updatedExisting: false, upserted: outcome.upserted.doc._id }
    : { n: outcome.matched, updatedExisting: outcome.matched > 0 };
  return { lastErrorObject, value, ok: 1 };
}

export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify, findandmodify: findAndModify };
