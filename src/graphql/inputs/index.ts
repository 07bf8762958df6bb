/**
 * The one way arguments are checked: these parsers turn them into what the services take and
 * refuse a malformed one with an InvalidInputError naming its field. A field with a result union
 * answers it as data; any other field (reads, subscriptions) as a BAD_USER_INPUT error with the
 * same message and `extensions.field` (see `maskError`).
 */
export * from './global-ids.js';
export * from './idempotency-keys.js';
export * from './values.js';
