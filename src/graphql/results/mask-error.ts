import { GraphQLError } from 'graphql';
import { maskError as maskUnexpected, type YogaServerOptions } from 'graphql-yoga';
import { badUserInput } from '../errors.js';
import { InvalidInputError } from './result-errors.js';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

/**
 * Masks unexpected errors as yoga does, except an InvalidInputError thrown by a field that has no
 * result union to answer it in (a read, a subscription): that one is the caller's to fix, and
 * answers as BAD_USER_INPUT with its message and the field at fault.
 */
export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (original instanceof InvalidInputError) return badUserInput(original.message, original.field, error as GraphQLError);
  return maskUnexpected(error, message, isDev);
};
