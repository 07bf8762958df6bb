import type { GraphQLError } from 'graphql';
import { MISSING_TOKEN_MESSAGE } from '../auth/index.js';
import type { Context } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

/**
 * The scopes a field or type can require (`authScopes: { ... }`); several in one map mean any of
 * them. The Query type requires `authenticated`, so every query field needs a caller.
 */
export type AuthScopes = {
  /** Any verified caller. */
  authenticated: boolean;
  /** The product's backend: may act on any account; the only caller that grants credits or changes plans. */
  service: boolean;
  /** An admin of the organization with this id. */
  orgAdmin: string;
};

export function authScopesFor(context: Pick<Context, 'viewer'>) {
  const { viewer } = context;
  return {
    authenticated: viewer !== null,
    service: viewer?.role === 'service',
    orgAdmin: (organizationId: string) => viewer?.role === 'admin' && viewer.organizationId === organizationId,
  };
}

/** UNAUTHENTICATED when there is no caller (a token would help), FORBIDDEN when there is one (it would not). */
export function unauthorizedError(context: Pick<Context, 'viewer'>): GraphQLError {
  return context.viewer === null ? unauthenticated(MISSING_TOKEN_MESSAGE) : forbidden();
}
