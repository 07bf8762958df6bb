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
  PathNotViable: 28,
  CannotBackfillArray: 34,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  NotSingleValueField: 54,
  EmptyFieldName: 56,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  NoReplicationEnabled: 76,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NotExactValueField: 111,
  NotImplemented: 238,
  UnsupportedOpQueryCommand: 352,
  DuplicateKey: 11000,
  /** Codes MongoDB raises by assertion location, with no name of their own ('Location' + code). */
  Location17419: 17419,
  Location17420: 17420,
  Location40323: 40323,
  Location40324: 40324,
  Location40415: 40415,
  /** sort specifications (mingo/sort.ts). */
  Location15974: 15974,
  Location15975: 15975,
  Location15976: 15976,
  /** find projections (projection-spec.ts, projection.ts). */
  Location15998: 15998,
  Location16410: 16410,
  Location16411: 16411,
  Location28667: 28667,
  Location31249: 31249,
  Location31250: 31250,
  Location31252: 31252,
  Location31253: 31253,
  Location31254: 31254,
  Location31255: 31255,
  Location31256: 31256,
  Location31257: 31257,
  Location31258: 31258,
  Location31259: 31259,
  Location31271: 31271,
  Location31272: 31272,
  Location31273: 31273,
  Location31274: 31274,
  Location31275: 31275,
  Location31276: 31276,
  Location31308: 31308,
  Location31310: 31310,
  Location31325: 31325,
  Location31394: 31394,
  Location31395: 31395,
  Location40352: 40352,
  Location40353: 40353,
  Location51246: 51246,
  Location51247: 51247,
  Location51270: 51270,
  Location5392900: 5392900,
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
