import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../webhooks/event-types.js';
import type { WebhookEndpoint } from '../../store/webhook-endpoints.js';
import { canManageWebhooks } from '../accounts/access.js';
import { builder } from '../builder.js';

/** GraphQL enum values cannot hold dots: `credits.threshold_crossed` is CREDITS_THRESHOLD_CROSSED. */
const enumName = (type: WebhookEventType) => type.toUpperCase().replaceAll('.', '_');

export const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'An event a webhook endpoint may receive; its wire name is the lower-case dotted form (`credits.granted`).',
  values: Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [enumName(type), { value: type, description: `\`${type}\`` }])) as Record<
    string,
    { value: WebhookEventType; description: string }
  >,
});

export const WebhookEndpointRef = builder.node(builder.objectRef<WebhookEndpoint>('WebhookEndpoint'), {
  description: 'A receiver of webhooks, registered by a service. Its signing secret is shown only when it is created or rotated.',
  id: { resolve: ({ id }) => id },
  // Anyone but a service learns nothing of an endpoint, not even that the id exists.
  loadOne: async (id, context) => (context.viewer && canManageWebhooks(context.viewer) ? ((await context.services.webhookEndpoints.get(id)) ?? null) : null),
  fields: (t) => ({
    url: t.exposeString('url'),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], resolve: ({ eventTypes }) => eventTypes as WebhookEventType[] }),
    description: t.exposeString('description'),
    enabled: t.boolean({ description: 'False once disabled: no event is delivered to it until it is enabled again.', resolve: ({ disabled }) => !disabled }),
    createdAt: t.field({ type: 'DateTime', resolve: ({ createdAt }) => createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: ({ updatedAt }) => updatedAt }),
  }),
});
