import { GraphQLError } from 'graphql';

/**
 * The closed set of `extensions.code` values this API puts on GraphQL errors. Expected failures of
 * an operation (insufficient credits, a failed generation) are typed results, not errors; anything
 * else is unexpected and masked by the server.
 */
export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FORBIDDEN_MESSAGE = 'Your access token does not allow this.';

function apiError(code: ErrorCode, message: string, http?: { status: number; headers?: Record<string, string> }): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(http ? { http } : {}) } });
}

/** A field that needs a caller, asked for without a token: the rest of the request still runs. */
export function unauthenticated(message: string): GraphQLError {
  return apiError('UNAUTHENTICATED', message);
}

/** A token that was sent but is not valid: the whole request is refused with HTTP 401. */
export function invalidCredentials(message: string): GraphQLError {
  return apiError('UNAUTHENTICATED', message, { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
}

/** A caller whose token does not grant what it asked for; says nothing about what exists. */
export function forbidden(): GraphQLError {
  return apiError('FORBIDDEN', FORBIDDEN_MESSAGE);
}

type Issue = { readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined };

/** Arguments that a validation schema refused: each problem with the path of the input it is about. */
export function badUserInput(issues: readonly Issue[]): GraphQLError {
  const describe = ({ message, path = [] }: Issue) => {
    const at = path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
    return at ? `${at}: ${message}` : message;
  };
  return apiError('BAD_USER_INPUT', issues.map(describe).join('; '));
}
