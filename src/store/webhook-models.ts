import { Schema, type Connection, type Model } from 'mongoose';
import type { WebhookEvent } from '../webhooks/ledger-events.js';

/**
 * How long the outbox keeps an event (and its deliveries and attempts): longer than any retry
 * schedule may run (WEBHOOK_RETRY_SCHEDULE spans at most 50 × 7 days is refused long before), so
 * that what a service may redeliver is bounded and the collections do not grow with history.
 */
export const WEBHOOK_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * The durable outbox: one document per event, inserted beside the entries it derives from (the
 * same copy, with ids derived from them, so that copying again adds nothing). `routed` turns true
 * once a delivery exists for each endpoint that wanted the event.
 */
export type WebhookEventDocument = Omit<WebhookEvent, 'id'> & { _id: string; recordedAt: Date; routed: boolean };

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One event for one endpoint; `_id` is both ids, so routing an event twice makes one delivery. */
export type WebhookDeliveryDocument = {
  _id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  accountId: string;
  seq: number;
  ordinal: number;
  status: DeliveryStatus;
  /** Attempts made so far, and when the next is due (null once delivered or given up). */
  attempts: number;
  /**
   * How many times the delivery was queued again (a redelivery starts a new round), and the
   * failures of the current round: the retry schedule runs anew for each round.
   */
  round: number;
  roundFailures: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
};

/** One HTTP attempt of a delivery, for the delivery log. */
export type WebhookAttemptDocument = {
  _id: string;
  deliveryId: string;
  endpointId: string;
  attempt: number;
  at: Date;
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
};

/**
 * The deliveries of one endpoint for one account, delivered one at a time in seq order by the
 * process holding its lease. `dueAt` is when its first pending delivery is due (null: nothing to
 * do); `wakes` counts routings, so that a worker finding nothing left does not idle a stream
 * that was given a delivery meanwhile.
 */
export type WebhookStreamDocument = {
  _id: string;
  endpointId: string;
  accountId: string;
  dueAt: Date | null;
  leaseUntil: Date;
  leaseOwner: string | null;
  wakes: number;
};

const options = { minimize: false, versionKey: false, strict: false } as const;

const eventSchema = new Schema<WebhookEventDocument>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    accountId: { type: String, required: true },
    seq: { type: Number, required: true },
    ordinal: { type: Number, required: true },
    at: { type: Date, required: true },
    payload: { type: String, required: true },
    recordedAt: { type: Date, required: true },
    routed: { type: Boolean, required: true },
  },
  { ...options, collection: 'webhook_events' },
);
eventSchema.index({ routed: 1, recordedAt: 1 });
// An account's unrouted events in seq order.
eventSchema.index({ routed: 1, accountId: 1, seq: 1, ordinal: 1 });
eventSchema.index({ recordedAt: 1 }, { expireAfterSeconds: WEBHOOK_RETENTION_SECONDS });

const deliverySchema = new Schema<WebhookDeliveryDocument>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    accountId: { type: String, required: true },
    seq: { type: Number, required: true },
    ordinal: { type: Number, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, required: true },
    round: { type: Number, required: true },
    roundFailures: { type: Number, required: true },
    nextAttemptAt: { type: Date, default: null },
    lastAttemptAt: { type: Date, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { ...options, collection: 'webhook_deliveries' },
);
// A stream's head: its first pending delivery in seq order.
deliverySchema.index({ endpointId: 1, accountId: 1, status: 1, seq: 1, ordinal: 1 });
// The delivery log, newest first; redelivering since a time.
deliverySchema.index({ endpointId: 1, createdAt: -1 });
// Outbox lag: the delivery overdue the longest.
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
deliverySchema.index({ createdAt: 1 }, { expireAfterSeconds: WEBHOOK_RETENTION_SECONDS });

const attemptSchema = new Schema<WebhookAttemptDocument>(
  {
    _id: { type: String, required: true },
    deliveryId: { type: String, required: true },
    endpointId: { type: String, required: true },
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
    ok: { type: Boolean, required: true },
    statusCode: { type: Number, default: null },
    latencyMs: { type: Number, required: true },
    error: { type: String, default: null },
    responseSnippet: { type: String, default: null },
  },
  { ...options, collection: 'webhook_attempts' },
);
attemptSchema.index({ deliveryId: 1, attempt: 1 });
attemptSchema.index({ at: 1 }, { expireAfterSeconds: WEBHOOK_RETENTION_SECONDS });

const streamSchema = new Schema<WebhookStreamDocument>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    accountId: { type: String, required: true },
    dueAt: { type: Date, default: null },
    leaseUntil: { type: Date, required: true },
    leaseOwner: { type: String, default: null },
    wakes: { type: Number, required: true },
  },
  { ...options, collection: 'webhook_streams' },
);
streamSchema.index({ dueAt: 1 });
streamSchema.index({ endpointId: 1 });

export type WebhookModels = {
  Events: Model<WebhookEventDocument>;
  Deliveries: Model<WebhookDeliveryDocument>;
  Attempts: Model<WebhookAttemptDocument>;
  Streams: Model<WebhookStreamDocument>;
};

export async function webhookModels(connection: Connection): Promise<WebhookModels> {
  const models = {
    Events: connection.models.WebhookEvent ?? connection.model<WebhookEventDocument>('WebhookEvent', eventSchema),
    Deliveries: connection.models.WebhookDelivery ?? connection.model<WebhookDeliveryDocument>('WebhookDelivery', deliverySchema),
    Attempts: connection.models.WebhookAttempt ?? connection.model<WebhookAttemptDocument>('WebhookAttempt', attemptSchema),
    Streams: connection.models.WebhookStream ?? connection.model<WebhookStreamDocument>('WebhookStream', streamSchema),
  } as WebhookModels;
  await Promise.all(Object.values(models).map((model) => model.init()));
  return models;
}

/** The outbox documents of `events`, as a write's copy inserts them. */
export function eventDocuments(events: readonly WebhookEvent[], recordedAt: Date): WebhookEventDocument[] {
  return events.map(({ id, ...event }) => ({ _id: id, ...event, recordedAt, routed: false }));
}
