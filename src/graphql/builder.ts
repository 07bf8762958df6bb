import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { viewerOf, type Context } from './context.js';

/**
 * The one schema builder. Each domain module (a folder beside this file) adds its types and its
 * root fields to it; `schema.ts` imports the modules and builds the schema once.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Order matters: errors comes before dataloader, so that a field's `errors` option also catches
  // failures to load the objects it returns. Authorization is the resolvers' (see accounts/access.ts),
  // and so is checking arguments (see inputs/).
  plugins: [ErrorsPlugin, DataloaderPlugin, RelayPlugin],
  defaultFieldNullability: false,
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // `node(id)` is the one lookup by global ID; a second one (`nodes`) would only be a second door to guard.
    nodesQueryOptions: false,
    // `node` needs a caller, though plans and features need none: it reaches accounts too, and a node
    // type whose loader forgot its own rule must still leak nothing to strangers.
    nodeQueryOptions: {
      resolve: (_root, { id }, context, _info, resolveNode) => {
        viewerOf(context);
        return resolveNode(id);
      },
    },
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.queryType({});
builder.mutationType({});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
// Sums over history (usage summaries) outgrow Int, which every balance fits: they are 53-bit integers.
builder.addScalarType('SafeInt', SafeIntResolver);
