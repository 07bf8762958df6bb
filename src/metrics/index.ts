import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Realtime } from '../realtime/index.js';
import { graphqlMetricsPlugin } from './graphql-metrics.js';
import { ledgerMetrics } from './ledger-metrics.js';
import { metricsEndpoint } from './metrics-endpoint.js';
import { countedRealtime } from './realtime-metrics.js';

export { METRICS_PATH } from './metrics-endpoint.js';

let processRegistry: Registry | undefined;

/** The process's own metrics (CPU, memory, event loop, GC), registered once however many apps a process runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;

/**
 * One app's metrics, in a registry of its own (not prom-client's global one), so that two apps in
 * one process count apart; `/metrics` serves them with the process's.
 */
export function createAppMetrics(options: { token: string | undefined }) {
  const registry = new Registry();
  return {
    registry,
    /** For `createLedgerStore`'s `observer`. */
    ledger: ledgerMetrics(registry),
    /** For yoga's plugins. */
    graphql: graphqlMetricsPlugin(registry),
    countFeeds: (realtime: Realtime) => countedRealtime(realtime, registry),
    /** How many WebSockets are open, read at each scrape. */
    countSockets(openSockets: () => number): void {
      new Gauge({
        name: 'creditstream_websockets_open',
        help: 'WebSocket connections open now',
        registers: [registry],
        collect() {
          this.set(openSockets());
        },
      });
    },
    /** The `/metrics` request handler: `false` for any other path. */
    endpoint: metricsEndpoint([processMetrics(), registry], options.token),
  };
}
