import type { Document } from '../bson-values.js';
import { CommandError } from '../errors.js';

/**
 * Fields drivers add to every command (sessions, cluster time, read/write concerns, API version,
 * comments, time limits). A single in-process server has nothing to do with them, so they are
 * accepted and ignored.
 */
export const ENVELOPE_FIELDS = new Set([
  '$db',
  'lsid',
  '$clusterTime',
  '$readPreference',
  'txnNumber',
  'writeConcern',
  'readConcern',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'comment',
  'maxTimeMS',
]);

/**
 * The server says it is a standalone, so drivers should never start a transaction; if one is
 * attempted anyway it must fail loudly rather than run without transactional guarantees.
 */
export function assertNoTransaction(command: Document): void {
  if (command.startTransaction !== undefined || command.autocommit !== undefined) {
    throw new CommandError('IllegalOperation', 'transactions are not supported by the embedded database');
  }
}
