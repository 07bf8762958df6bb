import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Browser tests (`npm run test:e2e`): Chromium through playwright-core; `npm test` stays browser-free. */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/e2e/**/*.e2e.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
