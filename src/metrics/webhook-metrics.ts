import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryObserver } from '../webhooks/delivery-worker.js';

/** From 10 ms to the longest a receiver may take (WEBHOOK_TIMEOUT_MS is at most 60 s). */
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Webhook delivery metrics: attempts by result, retries scheduled, deliveries given up, attempt
 * latency, and the outbox's lag (how long the event or delivery most overdue has waited), read at each scrape.
 */
export function webhookMetrics(registry: Registry, lagSeconds: () => Promise<number>): DeliveryObserver {
  const registers = [registry];
  const attempts = new Counter({
    name: 'creditstream_webhook_attempts_total',
    help: 'Webhook delivery attempts, by event type and result (delivered, failed)',
    labelNames: ['type', 'result'],
    registers,
  });
  const retries = new Counter({ name: 'creditstream_webhook_retries_total', help: 'Failed webhook attempts that were scheduled again, by event type', labelNames: ['type'], registers });
  const gaveUp = new Counter({ name: 'creditstream_webhook_given_up_total', help: 'Webhook deliveries given up after their last attempt, by event type', labelNames: ['type'], registers });
  const latency = new Histogram({ name: 'creditstream_webhook_attempt_duration_seconds', help: 'Time one webhook attempt took', buckets: ATTEMPT_BUCKETS, registers });
  new Gauge({
    name: 'creditstream_webhook_outbox_lag_seconds',
    help: 'How long the oldest webhook delivery still pending has waited',
    registers,
    async collect() {
      this.set(await lagSeconds());
    },
  });
  return {
    attempted(type, outcome, willRetry) {
      attempts.inc({ type, result: outcome.ok ? 'delivered' : 'failed' });
      latency.observe(outcome.latencyMs / 1000);
      if (willRetry) retries.inc({ type });
    },
    gaveUp(type) {
      gaveUp.inc({ type });
    },
  };
}
