// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', 'dist/', 'demo/dist/', 'test-artifacts/', 'test/graphql/generated/', 'demo/src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Every mingo evaluation runs with the embedded database's one context (src/embedded-mongo/mingo/):
    // mingo's own entry points bring its stock operators back, silently undoing the fixes there.
    files: ['src/**/*.ts'],
    ignores: ['src/embedded-mongo/mingo/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'mingo',
              importNames: ['Query', 'Aggregator', 'find', 'aggregate', 'update', 'updateOne', 'updateMany', 'default'],
              message: "Use Query/createAggregator from src/embedded-mongo/mingo/context.ts: mingo's root entry points replace its fixed operators with the stock ones.",
            },
          ],
          patterns: [
            {
              group: ['mingo/query', 'mingo/aggregator', 'mingo/updater'],
              message: 'Use Query/createAggregator from src/embedded-mongo/mingo/context.ts, the one context with the fixed operators.',
            },
          ],
        },
      ],
    },
  },
  {
    // Entry points and command-line scripts talk to a person through stdout.
    files: ['scripts/**', 'src/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
