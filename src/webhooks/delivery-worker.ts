import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AttemptOutcome, LeasedStream, WebhookOutbox } from '../store/webhook-outbox.js';
import type { WebhookEndpointStore } from '../store/webhook-endpoints.js';

/** One signed POST of an event's body to an endpoint, as `sendWebhook` makes it. */
export type SendWebhook = (request: { url: string; secrets: readonly string[]; eventId: string; timestamp: Date; body: string }) => Promise<AttemptOutcome>;

/** What the worker tells about its deliveries, for metrics: it must not throw. */
export type DeliveryObserver = {
  attempted(eventType: string, outcome: AttemptOutcome, willRetry: boolean): void;
  gaveUp(eventType: string): void;
};

export type DeliveryWorkerOptions = {
  outbox: WebhookOutbox;
  endpoints: WebhookEndpointStore;
  send: SendWebhook;
  /** The wait before the next attempt after `failedAttempts` failures of a round, or null to give up (see retry-schedule.ts). */
  retryDelay: (failedAttempts: number) => number | null;
  /** How long a process holds a stream without renewing: longer than one attempt may take. */
  leaseMs: number;
  /** How often the outbox is looked at when nothing nudges the worker (events of other processes, retries). */
  pollMs: number;
  /** How many streams this process delivers at once. */
  concurrency: number;
  now?: () => Date;
  observer?: DeliveryObserver;
  onError: (error: unknown) => void;
};

/** Events routed per look at the outbox; the rest wait for the next. */
const ROUTING_BATCH = 100;

export type DeliveryWorker = {
  /** Looks at the outbox soon (a write just recorded events). */
  nudge(): void;
  /** Stops looking; waits for the attempts under way (each bounded by the sender's timeout). */
  stop(): Promise<void>;
};

/**
 * Delivers the outbox: routes new events to the endpoints that want them, then works the due
 * (endpoint, account) streams it can lease, each one delivery at a time in seq order. Any number
 * of processes run one; the leases make each stream one process's at a time, so an event is sent
 * once unless a process dies between sending and recording it (at-least-once: receivers
 * deduplicate by `webhook-id`).
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { outbox, endpoints, leaseMs } = options;
  const now = options.now ?? (() => new Date());
  const processId = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  let claims = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let nudged = false;

  async function routeNew(): Promise<void> {
    const events = await outbox.unrouted(ROUTING_BATCH);
    if (events.length === 0) return;
    const registered = await endpoints.all();
    for (const event of events) await outbox.route(event, registered);
  }

  /**
   * Delivers a leased stream's pending events in order until it is empty, waiting out a retry, its
   * lease is lost, or the worker stops. `owner` is this claim's own: a drain that stalled past its
   * lease cannot renew it once this process claimed the stream again.
   */
  async function drain(stream: LeasedStream, owner: string): Promise<void> {
    for (;;) {
      if (stopped) return outbox.releaseStream(stream, owner, now());
      const head = await outbox.head(stream);
      if (!head) return outbox.releaseStream(stream, owner, null);
      if (head.nextAttemptAt && head.nextAttemptAt > now()) return outbox.releaseStream(stream, owner, head.nextAttemptAt);
      const target = await endpoints.deliveryTarget(stream.endpointId);
      if (!target) return outbox.forgetEndpoint(stream.endpointId);
      // A disabled endpoint keeps its pending deliveries; enabling it wakes its streams.
      if (target.disabled) return outbox.releaseStream(stream, owner, null);
      const event = await outbox.eventOf(head);
      if (!(await outbox.renewLease(stream, owner, leaseMs))) return;
      const at = now();
      const outcome: AttemptOutcome = event
        ? await options.send({ url: target.url, secrets: target.secrets, eventId: event._id, timestamp: at, body: event.payload })
        : { ok: false, statusCode: null, latencyMs: 0, error: 'EVENT_EXPIRED', responseSnippet: null };
      const delay = outcome.ok || !event ? null : options.retryDelay(head.roundFailures + 1);
      const nextAttemptAt = delay === null ? null : new Date(at.getTime() + delay);
      await outbox.recordAttempt(head, outcome, at, nextAttemptAt);
      // An event past its retention was not sent: logged, but no failure of the endpoint's.
      if (!event) continue;
      options.observer?.attempted(head.eventType, outcome, nextAttemptAt !== null);
      if (outcome.ok) {
        if (target.failing) await endpoints.setFailing(stream.endpointId, false);
        continue;
      }
      if (nextAttemptAt) return outbox.releaseStream(stream, owner, nextAttemptAt);
      // Given up: the endpoint is failing until a delivery succeeds, and the stream goes on with the next event.
      options.observer?.gaveUp(head.eventType);
      if (!target.failing) await endpoints.setFailing(stream.endpointId, true);
    }
  }

  /** Streams being drained: a slow endpoint holds one slot, never the routing or the other slots. */
  const working = new Set<Promise<void>>();

  async function lookOnce(): Promise<void> {
    await routeNew();
    while (!stopped && working.size < options.concurrency) {
      const owner = `${processId}:${(claims += 1)}`;
      const stream = await outbox.claimStream(owner, leaseMs);
      if (!stream) break;
      const drained: Promise<void> = drain(stream, owner)
        .catch(options.onError)
        .finally(() => {
          working.delete(drained);
          // A slot is free: another due stream may take it now.
          if (!stopped) run();
        });
      working.add(drained);
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
    timer.unref();
  }

  function run(): void {
    if (running) {
      nudged = true;
      return;
    }
    nudged = false;
    running = lookOnce()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        schedule(nudged ? 0 : options.pollMs);
      });
  }

  schedule(0);
  return {
    nudge() {
      if (!stopped) run();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(working);
    },
  };
}
