import { WEBHOOK_RETENTION_SECONDS } from '../../store/webhook-models.js';
import type { WebhookEndpoint } from '../../store/webhook-endpoints.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { webhookEndpointIdOf } from '../inputs/index.js';
import { InvalidInputError, WebhookEndpointNotFoundError } from '../results/index.js';
import { services } from './endpoint-fields.js';
import { WebhookEndpointRef } from './endpoint-node.js';

const EVENT_ID = /^evt_[0-9a-f]{32}$/;
const RETENTION_DAYS = WEBHOOK_RETENTION_SECONDS / 86_400;

type Redelivery = { readonly endpoint: WebhookEndpoint; readonly queued: number };

const RedeliveryPayloadRef = builder.objectRef<Redelivery>('WebhookRedeliveryPayload').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: ({ endpoint }) => endpoint }),
    queued: t.exposeInt('queued', {
      description: 'How many deliveries were queued again: 0 when the endpoint was given no such event in the retention period.',
    }),
  }),
});

const RedeliverWebhookEventInput = builder.inputType('RedeliverWebhookEventInput', {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    eventId: t.string({ required: true, description: 'The event id (`evt_…`): `WebhookEvent.id`, the `webhook-id` header.' }),
  }),
});

const RedeliverWebhookEventsInput = builder.inputType('RedeliverWebhookEventsInput', {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    since: t.field({ type: 'DateTime', required: true, description: `Every event given to the endpoint since then (inclusive): not in the future, at most ${RETENTION_DAYS} days ago.` }),
  }),
});

/** The endpoint a redelivery is for, once the caller may manage webhooks; WEBHOOK_ENDPOINT_NOT_FOUND when none has the id. */
async function endpointOf(context: Context, globalId: string | number): Promise<WebhookEndpoint> {
  const endpoint = await services(context).get(webhookEndpointIdOf(String(globalId), 'endpointId'));
  if (!endpoint) throw new WebhookEndpointNotFoundError({});
  return endpoint;
}

function sinceOf(context: Context, since: Date): Date {
  const now = context.services.store.now().getTime();
  if (since.getTime() > now) throw new InvalidInputError({ field: 'since', problem: 'must not be in the future' });
  if (since.getTime() < now - WEBHOOK_RETENTION_SECONDS * 1000) {
    throw new InvalidInputError({ field: 'since', problem: `must be at most ${RETENTION_DAYS} days ago: older events are no longer kept` });
  }
  return since;
}

const ERRORS = [InvalidInputError, WebhookEndpointNotFoundError];

builder.mutationField('redeliverWebhookEvent', (t) =>
  t.field({
    type: RedeliveryPayloadRef,
    nullable: true,
    description: 'Services only: sends one event to an endpoint again, with its same id, whatever became of it before.',
    args: { input: t.arg({ type: RedeliverWebhookEventInput, required: true }) },
    errors: { types: ERRORS, directResult: true, union: { name: 'RedeliverWebhookEventResult' } },
    resolve: async (_root, { input }, context) => {
      const endpoint = await endpointOf(context, input.endpointId);
      if (!EVENT_ID.test(input.eventId)) throw new InvalidInputError({ field: 'eventId', problem: 'must be an event id (evt_ and 32 hex digits)' });
      return { endpoint, queued: await context.services.webhookDeliveries.redeliver(endpoint.id, { eventId: input.eventId }) };
    },
  }),
);

builder.mutationField('redeliverWebhookEvents', (t) =>
  t.field({
    type: RedeliveryPayloadRef,
    nullable: true,
    description: 'Services only: sends again every event an endpoint was given since a time, in seq order per account, each with its same id.',
    args: { input: t.arg({ type: RedeliverWebhookEventsInput, required: true }) },
    errors: { types: ERRORS, directResult: true, union: { name: 'RedeliverWebhookEventsResult' } },
    resolve: async (_root, { input }, context) => {
      const endpoint = await endpointOf(context, input.endpointId);
      return { endpoint, queued: await context.services.webhookDeliveries.redeliver(endpoint.id, { since: sinceOf(context, input.since) }) };
    },
  }),
);
