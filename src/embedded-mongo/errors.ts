import { BSONError } from 'bson';
import { MingoError } from 'mingo/util';
import type { Document } from './bson-values.js';

/**
 * MongoDB server error codes used by the embedded database. The driver and mongoose branch on
 * `code`/`codeName` (e.g. 11000 for duplicates, 26 to tolerate dropping a missing collection),
 * so these must be the real server values.
 */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NotImplemented: 238,
  UnsupportedOpQueryCommand: 352,
  DuplicateKey: 11000,
  /** Codes MongoDB raises by assertion location, with no name of their own ('Location' + code). */
  Location17419: 17419,
  Location17420: 17420,
  Location40323: 40323,
  Location40324: 40324,
  Location40415: 40415,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** A failure that is reported to the client as `{ ok: 0, errmsg, code, codeName }` or as a write error. */
export class CommandError extends Error {
  readonly code: number;

  constructor(
    readonly codeName: ErrorCodeName,
    message: string,
    /** Extra fields MongoDB puts beside errmsg, such as keyPattern/keyValue for duplicates. */
    readonly details: Document = {},
  ) {
    super(message);
    this.name = 'CommandError';
    this.code = ErrorCode[codeName];
  }

  toResponse(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.details };
  }

  /** The shape of one entry of `writeErrors` in insert/update/delete replies. */
  toWriteError(index: number): Document {
    return { index, code: this.code, codeName: this.codeName, errmsg: this.message, ...this.details };
  }
}

/** Used wherever the embedded database meets a feature it deliberately does not implement. */
export function notSupported(what: string): CommandError {
  return new CommandError('NotImplemented', `${what} is not supported by the embedded database`);
}

/** A mingo message in MongoDB's words where the two word the same mistake differently. */
function inMongoWords(message: string): string {
  // An unknown operator in a filter: MongoDB says "unknown operator: $foo".
  return message.replace(/^unknown query operator (\S+)$/, 'unknown operator: $1');
}

/**
 * Maps anything thrown while running a command to the error the client sees. mingo and bson
 * errors come from malformed queries, updates or pipelines, so they are the client's BadValue.
 */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (error instanceof MingoError) return new CommandError('BadValue', inMongoWords(error.message));
  if (error instanceof BSONError) return new CommandError('BadValue', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new CommandError('InternalError', `embedded database internal error: ${message}`);
}
