import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests and the demo card, which are real typed clients of the API: every
 * operation under test/graphql/operations/ becomes a TypedDocumentNode in test/graphql/generated/,
 * and every one under demo/src/operations/ a typed document string in demo/src/generated/
 * (committed; `npm run codegen` after changing an operation or the schema, and
 * test/graphql/schema.test.ts fails while the output is out of date). Beside them, for every
 * client: schema/possible-types.json, the members of each union and interface.
 */
const typedDocuments = {
  useTypeImports: true,
  emitLegacyCommonJSImports: false,
  enumsAsTypes: true,
  strictScalars: true,
  scalars: { DateTime: 'string', JSON: 'unknown', SafeInt: 'number' },
};

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'test/graphql/generated/': {
      // With the live usage client's documents (its `/* GraphQL */` strings): its types are checked against what they select.
      documents: ['test/graphql/operations/**/*.graphql', 'src/client/live-usage.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
    // The demo card's operations as strings (`documentMode: 'string'`): sent as they are over
    // fetch and graphql-ws, so the page bundles no GraphQL parser or printer.
    'demo/src/generated/': {
      documents: 'demo/src/operations/**/*.graphql',
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...typedDocuments, documentMode: 'string' },
    },
    // What Apollo Client's cache needs as `possibleTypes` to match `... on Error { code message }`
    // on a union result: without it, such fragments are silently dropped. Shipped for clients to import.
    'schema/possible-types.json': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3 },
    },
  },
};

export default config;
