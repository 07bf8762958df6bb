import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { webhookMetrics } from '../metrics/webhook-metrics.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { createWebhookEndpointStore } from '../store/webhook-endpoints.js';
import { createWebhookOutbox } from '../store/webhook-outbox.js';
import { startDeliveryWorker } from './delivery-worker.js';
import { startDueSweeper } from './due-sweeper.js';
import { createEndpointService } from './endpoint-service.js';
import { sendWebhook } from './http-sender.js';
import { nextAttemptDelay } from './retry-schedule.js';

export type Webhooks = Awaited<ReturnType<typeof startWebhooks>>;

/**
 * Webhooks of one process: the endpoints services register, the outbox the ledger store fills,
 * and this process's share of delivering it (every process delivers; leases keep them apart).
 */
export async function startWebhooks(options: {
  connection: Connection;
  store: LedgerStore;
  config: Config['webhooks'];
  /** The ledger's clock: an endpoint is dated on it, to hear of the entries made after it. */
  now?: () => Date;
  registry: Registry;
  onError: (error: unknown) => void;
}) {
  const { config } = options;
  const endpointStore = await createWebhookEndpointStore(options.connection, options.now);
  const outbox = await createWebhookOutbox(options.connection);
  const worker = startDeliveryWorker({
    outbox,
    endpoints: endpointStore,
    async send(request) {
      const result = await sendWebhook(request, config);
      const error = result.error === null ? null : [result.error, result.detail].filter(Boolean).join(': ');
      return { ok: result.ok, statusCode: result.statusCode, latencyMs: result.latencyMs, error, responseSnippet: result.responseSnippet ?? null };
    },
    retryDelay: (failedAttempts) => nextAttemptDelay(config.retrySchedule, failedAttempts, Math.random),
    leaseMs: config.leaseMs,
    pollMs: config.pollMs,
    concurrency: config.concurrency,
    observer: webhookMetrics(options.registry, async () => {
      const disabled = (await endpointStore.all()).filter((endpoint) => endpoint.disabled);
      return outbox.lagSeconds(disabled.map((endpoint) => endpoint.id));
    }),
    onError: options.onError,
  });
  const sweeper = startDueSweeper({
    store: options.store,
    wanted: async () => (await endpointStore.all()).some((endpoint) => !endpoint.disabled),
    intervalMs: config.pollMs,
    onError: options.onError,
  });
  // A write that recorded events has them delivered at once rather than at the next poll.
  const unsubscribe = options.store.onCommit((_accountId, _entries, _state, events) => {
    if (events.length > 0) worker.nudge();
  });
  return {
    endpoints: createEndpointService(endpointStore, { allowPrivate: config.allowPrivate }, outbox),
    outbox,
    async stop(): Promise<void> {
      unsubscribe();
      await Promise.all([sweeper.stop(), worker.stop()]);
    },
  };
}
