import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Browser tests (`npm run test:e2e`): Chromium through playwright-core; `npm test` stays browser-free. */
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
