import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { DeliveryStatus, WebhookAttemptDocument, WebhookDeliveryDocument } from '../../store/webhook-models.js';
import type { WebhookEventType } from '../../webhooks/event-types.js';
import { AccountRef } from '../accounts/account.js';
import { canManageWebhooks } from '../accounts/access.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { WebhookEventTypeEnum } from './endpoint-node.js';

/** The most attempts a delivery shows: the latest, however many rounds of redelivery it had. */
export const MAX_SHOWN_ATTEMPTS = 50;

/** The attempts of the deliveries a request shows, in one query per request (never across requests). */
const attemptLoader = createContextCache(
  (context: Context) =>
    new DataLoader(
      async (deliveries: readonly WebhookDeliveryDocument[]) => {
        const byDelivery = await context.services.webhookDeliveries.attemptsOf(deliveries, MAX_SHOWN_ATTEMPTS);
        return deliveries.map((delivery) => byDelivery.get(delivery._id) ?? []);
      },
      { cacheKeyFn: (delivery) => delivery._id },
    ),
);

/** The events of the deliveries a request shows, batched likewise: their payloads. */
const eventLoader = createContextCache(
  (context: Context) =>
    new DataLoader(async (eventIds: readonly string[]) => {
      const found = new Map((await context.services.webhookDeliveries.eventsByIds(eventIds)).map((event) => [event._id, event]));
      return eventIds.map((id) => found.get(id) ?? null);
    }),
);

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not delivered yet: due at `nextAttemptAt` (waiting out a retry when `attemptCount` is above 0).' },
    DELIVERED: { description: 'The endpoint answered 2xx (`deliveredAt`).' },
    FAILED: { description: 'Every attempt of the retry schedule failed: given up, until redelivered.' },
  } satisfies Record<DeliveryStatus, { description: string }>,
});

const WebhookDeliveryAttemptRef = builder.objectRef<WebhookAttemptDocument>('WebhookDeliveryAttempt').implement({
  description: 'One HTTP request of a delivery and what the endpoint answered.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: 'Its number, from 1.' }),
    at: t.field({ type: 'DateTime', resolve: ({ at }) => at }),
    ok: t.exposeBoolean('ok', { description: 'True when the endpoint answered 2xx.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status; null when no answer came (see `error`).' }),
    latencyMs: t.exposeInt('latencyMs', { description: 'From sending the request to the answer (or the failure), in milliseconds.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed without an answer (a timeout, a refused connection, a refused destination…).' }),
    responseSnippet: t.exposeString('responseSnippet', { nullable: true, description: 'The beginning of what the endpoint answered.' }),
  }),
});

const WebhookEventRef = builder.objectRef<WebhookDeliveryDocument>('WebhookEvent').implement({
  description: 'What a delivery carries: one event of one account, the same for every endpoint it is delivered to.',
  fields: (t) => ({
    id: t.id({ description: 'The event id (`evt_…`), sent as the `webhook-id` header and the body\'s `id`.', resolve: ({ eventId }) => eventId }),
    type: t.field({ type: WebhookEventTypeEnum, resolve: ({ eventType }) => eventType as WebhookEventType }),
    seq: t.exposeInt('seq', { description: 'The seq of the ledger entry it derives from: events of an account are delivered in seq order.' }),
    account: t.field({ type: AccountRef, nullable: true, resolve: ({ accountId }) => accountId }),
    payload: t.string({
      nullable: true,
      description: 'The JSON body delivered, exactly; null once the event is past retention.',
      resolve: async ({ eventId }, _args, context) => (await eventLoader(context).load(eventId))?.payload ?? null,
    }),
  }),
});

/** A delivery is a service's to see: to anyone else, an id that names nothing. */
async function loadDeliveries(ids: readonly string[], context: Context): Promise<(WebhookDeliveryDocument | null)[]> {
  if (!context.viewer || !canManageWebhooks(context.viewer)) return ids.map(() => null);
  const found = new Map((await context.services.webhookDeliveries.byIds(ids)).map((delivery) => [delivery._id, delivery]));
  return ids.map((id) => found.get(id) ?? null);
}

export const WebhookDeliveryRef = builder.loadableNodeRef<WebhookDeliveryDocument | null, string, string, string, WebhookDeliveryDocument>('WebhookDelivery', {
  id: { resolve: ({ _id }) => _id },
  load: loadDeliveries,
});

WebhookDeliveryRef.implement({
  description: 'One event for one endpoint: its status and every attempt made to deliver it.',
  fields: (t) => ({
    event: t.field({ type: WebhookEventRef, resolve: (delivery) => delivery }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: ({ status }) => status }),
    attemptCount: t.exposeInt('attempts', { description: 'Attempts made so far (a redelivery counts on).' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When it is due; null once delivered or given up.', resolve: ({ nextAttemptAt }) => nextAttemptAt }),
    lastAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ lastAttemptAt }) => lastAttemptAt }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: "The last attempt's HTTP status; null before any, or when no answer came." }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, description: 'When an attempt last succeeded.', resolve: ({ deliveredAt }) => deliveredAt }),
    createdAt: t.field({ type: 'DateTime', description: 'When the event was given to the endpoint.', resolve: ({ createdAt }) => createdAt }),
    attempts: t.field({
      type: [WebhookDeliveryAttemptRef],
      description: `The attempts, oldest first: every one, or the last ${MAX_SHOWN_ATTEMPTS} of a delivery redelivered many times (\`attemptCount\` counts them all).`,
      resolve: (delivery, _args, context) => attemptLoader(context).load(delivery),
    }),
  }),
});
