import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships a CommonJS copy (`main`, what Node loads, and so yoga and Pothos) and an ESM
    // copy (`module`, what Vite would pick for our sources). Two copies break `instanceof` between
    // them (an API error would be masked as unexpected), so tests load the one Node loads.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
