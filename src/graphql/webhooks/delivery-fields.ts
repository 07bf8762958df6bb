import type { WebhookEndpoint } from '../../store/webhook-endpoints.js';
import { builder } from '../builder.js';
import { InvalidInputError } from '../results/index.js';
import { MAX_PAGE_SIZE, sizeOf } from '../usage/seq-paging.js';
import { WebhookDeliveryRef } from './delivery-node.js';
import { WebhookEndpointRef } from './endpoint-node.js';

type EndpointStatus = 'ACTIVE' | 'DISABLED' | 'FAILING';

const WebhookEndpointStatusEnum = builder.enumType('WebhookEndpointStatus', {
  values: {
    ACTIVE: { description: 'Taking deliveries.' },
    DISABLED: { description: 'Disabled by a service: nothing is delivered until it is enabled again (whether or not it was failing).' },
    FAILING: { description: 'A delivery gave up after its last retry (`failingSince`); deliveries go on, and the next success makes it ACTIVE again.' },
  } satisfies Record<EndpointStatus, { description: string }>,
});

const statusOf = ({ disabled, failingSince }: WebhookEndpoint): EndpointStatus => (disabled ? 'DISABLED' : failingSince ? 'FAILING' : 'ACTIVE');

const WebhookDeliveryConnectionRef = builder.connectionObject({ type: WebhookDeliveryRef, name: 'WebhookDeliveryConnection' }, { name: 'WebhookDeliveryEdge' });

builder.objectFields(WebhookEndpointRef, (t) => ({
  status: t.field({ type: WebhookEndpointStatusEnum, resolve: statusOf }),
  failingSince: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'Since when a delivery gave up, until one succeeds; null while healthy.',
    resolve: ({ failingSince }) => failingSince ?? null,
  }),
  deliveries: t.field({
    type: WebhookDeliveryConnectionRef,
    description: "The delivery log: the endpoint's deliveries of the retention period, newest first. Forward only.",
    args: {
      first: t.arg.int({ required: true, defaultValue: 20, description: `At most ${MAX_PAGE_SIZE}.` }),
      after: t.arg.string({ description: "An edge's cursor: the deliveries older than it." }),
    },
    resolve: async (endpoint, args, context) => {
      const first = sizeOf('first', args.first);
      const outbox = context.services.webhookDeliveries;
      const after = args.after ?? undefined;
      // A cursor that names none of this endpoint's deliveries would silently start over from the newest.
      if (after !== undefined && !(await outbox.byIds([after])).some((delivery) => delivery.endpointId === endpoint.id)) {
        throw new InvalidInputError({ field: 'after', problem: 'must be a cursor from this connection (or the delivery is past retention)' });
      }
      const page = await outbox.deliveries(endpoint.id, { first: first + 1, ...(after !== undefined && { after }) });
      const edges = page.slice(0, first).map((delivery) => ({ cursor: delivery._id, node: delivery }));
      return {
        edges,
        pageInfo: { hasNextPage: page.length > first, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }),
}));
