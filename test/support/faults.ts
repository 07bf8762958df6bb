import type { Config } from '../../src/config.js';
import type { PlanCatalog } from '../../src/ledger/index.js';
import type { Logger } from '../../src/logger.js';
import { captureLogs } from './log-capture.js';

/** A logger that keeps what is logged as an error, for tests that check the log has the full story. */
export function recordingLogger(): Logger & { readonly errors: string[] } {
  const { logger, lines } = captureLogs('error');
  return Object.defineProperty(logger, 'errors', { get: () => lines.map((line) => line.msg) }) as Logger & { readonly errors: string[] };
}

/**
 * A fault behind the plans (for `useTestServer`'s `adjust`): reading the catalog's plans throws
 * `message`, so that an ordinary `plans` query meets an unexpected error.
 */
export function failingPlanCatalog(message: string): (config: Config) => Config {
  return (config) => ({
    ...config,
    catalogs: {
      ...config.catalogs,
      plans: {
        get plans(): PlanCatalog['plans'] {
          throw new Error(message);
        },
        products: config.catalogs.plans.products,
      },
    },
  });
}
