import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { authScopesFor, unauthorizedError, type AuthScopes } from './auth-scopes.js';
import type { Context } from './context.js';
import { badUserInput } from './errors.js';

/**
 * The one schema builder. Each domain module (a folder beside this file) adds its types and its
 * root fields to it; `schema.ts` imports the modules and builds the schema once.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Order matters: scope-auth wraps every resolver first, so that nothing (not even a DataLoader)
  // runs for a caller who may not see the field; errors comes before dataloader, so that a field's
  // `errors` option also catches failures to load the objects it returns.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, DataloaderPlugin, RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: authScopesFor,
    unauthorizedError: (_parent, context) => unauthorizedError(context),
  },
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // `node(id)` is the one lookup by global ID; a second one (`nodes`) would only be a second door to guard.
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
  validation: { validationError: (failure) => badUserInput(failure.issues) },
});

builder.queryType({ authScopes: { authenticated: true } });
builder.mutationType({ authScopes: { authenticated: true } });

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
// Sums over history (usage summaries) outgrow Int, which every balance fits: they are 53-bit integers.
builder.addScalarType('SafeInt', SafeIntResolver);
