import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests, which are real typed clients of the API: every operation under
 * test/graphql/operations/ becomes a TypedDocumentNode in test/graphql/generated/ (committed;
 * `npm run codegen` after changing an operation or the schema, and test/graphql/schema.test.ts
 * fails while the output is out of date).
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'test/graphql/operations/**/*.graphql',
  generates: {
    'test/graphql/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown', SafeInt: 'number' },
      },
    },
  },
};

export default config;
