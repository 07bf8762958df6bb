import { GraphQLError } from 'graphql';

/**
 * The closed set of `extensions.code` values this API puts on GraphQL errors: no caller, a caller
 * without the right, a malformed argument of a field that has no result union (a read, a
 * subscription: see results/mask-error.ts), and a WebSocket operation over a cap (see
 * websocket-caps.ts). Expected failures of a write (insufficient credits, a failed generation) are
 * typed results, not errors; anything else is unexpected and masked.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'SUBSCRIPTION_LIMIT' | 'UNAVAILABLE';

export const FORBIDDEN_MESSAGE = 'Your access token does not allow this.';

function apiError(code: ErrorCode, message: string, http?: { status: number; headers?: Record<string, string> }): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(http ? { http } : {}) } });
}

/** An operation refused on a WebSocket because its socket or its principal has the most open it may (`scope`), `limit`. */
export function subscriptionLimit(message: string, scope: 'SOCKET' | 'PRINCIPAL', limit: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_LIMIT' satisfies ErrorCode, scope, limit } });
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

/**
 * An argument the caller must fix (see `maskError`), at `at`'s place in the operation: the message
 * says what is wrong, `extensions.field` which argument or input field.
 */
export function badUserInput(message: string, field: string, at?: GraphQLError): GraphQLError {
  return new GraphQLError(message, { nodes: at?.nodes, source: at?.source, positions: at?.positions, path: at?.path, extensions: { code: 'BAD_USER_INPUT', field } });
}

/** How long a client should wait before retrying what met an unavailable dependency. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * A dependency cannot answer now (the database, the identity provider's keys): HTTP 503 with `Retry-After`, for the
 * client to send the same request again later (a write with the same idempotency key, which
 * replays the first answer if it did apply).
 */
export function unavailable(message: string): GraphQLError {
  return apiError('UNAVAILABLE', message, { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
}
