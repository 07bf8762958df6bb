import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as maskUnexpected, type YogaServerOptions } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../../store/database.js';
import { badUserInput, unavailable } from '../errors.js';
import { InvalidInputError } from './result-errors.js';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

/**
 * The arguments Pothos checks itself (a `node(id)` that is no global id, a connection's `first`,
 * `last` and cursors), each in a sentence of ours naming the argument: Pothos's own words are not
 * passed on (they read `Argument "first" must be a non-negative integer`, and repeat an id however long).
 */
const POTHOS_PROBLEMS: readonly { readonly match: RegExp; readonly field: string; readonly problem: string }[] = [
  { match: /^Argument "first" must be/, field: 'first', problem: 'must be 0 or more (a page holds at most 100)' },
  { match: /^Argument "last" must be/, field: 'last', problem: 'must be 0 or more (a page holds at most 100)' },
  { match: /^Argument "last" can only be used/, field: 'last', problem: 'needs `first` or `before` beside it' },
  { match: /^(Invalid global ID|ID: |.* does not support loading by id$)/, field: 'id', problem: 'must be a global ID of a node' },
];

function pothosProblem(message: string): { field: string; problem: string } {
  return POTHOS_PROBLEMS.find(({ match }) => match.test(message)) ?? { field: 'cursor', problem: '`after` or `before` must be a cursor from this connection' };
}

/**
 * What a request that met an unreachable or silent database is told. A write may have applied
 * before the answer was lost, so it is never called a failure: its idempotency key makes the retry safe.
 */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable: retry shortly, a write with the same idempotency key (if it applied, the retry answers it as replayed and charges nothing more).';

/**
 * Masks unexpected errors as yoga does, except a malformed argument of a field that has no
 * result union to answer it in (a read, a subscription): that one is the caller's to fix, and
 * answers as BAD_USER_INPUT with the field at fault; and a database that cannot be reached or
 * did not answer in time, which answers UNAVAILABLE (HTTP 503, `Retry-After`) for the client to retry.
 */
export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (original instanceof InvalidInputError) return badUserInput(original.message, original.field, error as GraphQLError);
  if (original instanceof PothosValidationError) {
    const { field, problem } = pothosProblem(original.message);
    return badUserInput(`${field}: ${problem}`, field, error as GraphQLError);
  }
  return unavailableErrorOf(original ?? error) ?? maskUnexpected(error, message, isDev);
};

/**
 * `error` as the UNAVAILABLE error a client is answered, if it says a dependency cannot answer now
 * (the database, or the identity provider's keys, which `createContext` reports so already).
 */
export function unavailableErrorOf(error: unknown): GraphQLError | undefined {
  if (error instanceof GraphQLError && error.extensions.code === 'UNAVAILABLE') return error;
  return isDatabaseUnavailable(error) ? unavailable(DATABASE_UNAVAILABLE_MESSAGE) : undefined;
}
