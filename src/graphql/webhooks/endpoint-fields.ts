import { encodeGlobalID, resolveArrayConnection } from '@pothos/plugin-relay';
import { MAX_WEBHOOK_ENDPOINTS } from '../../store/webhook-endpoints.js';
import {
  MAX_PREVIOUS_SECRET_GRACE_SECONDS,
  PREVIOUS_SECRET_GRACE_SECONDS,
  type EndpointRefusal,
  type EndpointResult,
  type EndpointWithSecret,
} from '../../webhooks/endpoint-service.js';
import { authorize, canManageWebhooks } from '../accounts/access.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { webhookEndpointIdOf } from '../inputs/index.js';
import {
  InvalidInputError,
  InvalidWebhookUrlError,
  TooManyWebhookEndpointsError,
  WebhookDestinationRefusedError,
  WebhookEndpointNotFoundError,
  type ResultError,
} from '../results/index.js';
import { WebhookEndpointRef, WebhookEventTypeEnum } from './endpoint-node.js';

function refusalError(refusal: EndpointRefusal): ResultError {
  switch (refusal.code) {
    case 'INVALID_INPUT':
      return new InvalidInputError({ field: refusal.field, problem: refusal.problem });
    case 'INVALID_WEBHOOK_URL':
      return new InvalidWebhookUrlError({ problem: refusal.problem });
    case 'WEBHOOK_DESTINATION_REFUSED':
      return new WebhookDestinationRefusedError({ reason: refusal.reason });
    case 'TOO_MANY_WEBHOOK_ENDPOINTS':
      return new TooManyWebhookEndpointsError({ max: refusal.max });
    case 'WEBHOOK_ENDPOINT_NOT_FOUND':
      return new WebhookEndpointNotFoundError({});
  }
}

function unwrapped<T>(result: EndpointResult<T>): T {
  if (!result.ok) throw refusalError(result.error);
  return result;
}

/** The endpoint service, for a service principal; FORBIDDEN to anyone else. */
export const services = (context: Context) => {
  authorize(context, canManageWebhooks);
  return context.services.webhookEndpoints;
};

builder.queryField('webhookEndpoints', (t) =>
  t.connection(
    {
      type: WebhookEndpointRef,
      nullable: true,
      description: `Services only: the registered webhook endpoints (at most ${MAX_WEBHOOK_ENDPOINTS}), in id order.`,
      resolve: async (_root, args, context) => resolveArrayConnection({ args }, await services(context).list({ first: MAX_WEBHOOK_ENDPOINTS })),
    },
    { name: 'WebhookEndpointConnection' },
    { name: 'WebhookEndpointEdge' },
  ),
);

const WebhookEndpointPayloadRef = builder.objectRef<Pick<EndpointWithSecret, 'endpoint'>>('WebhookEndpointPayload').implement({
  fields: (t) => ({ endpoint: t.field({ type: WebhookEndpointRef, resolve: ({ endpoint }) => endpoint }) }),
});

const WebhookEndpointWithSecretRef = builder.objectRef<EndpointWithSecret>('WebhookEndpointWithSecretPayload').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: ({ endpoint }) => endpoint }),
    signingSecret: t.exposeString('signingSecret', {
      description: 'The Standard Webhooks secret (`whsec_…`) deliveries are signed with: shown this once, never readable again.',
    }),
  }),
});

const DeletedWebhookEndpointRef = builder.objectRef<{ readonly id: string }>('DeleteWebhookEndpointPayload').implement({
  fields: (t) => ({ deletedId: t.id({ resolve: ({ id }) => encodeGlobalID('WebhookEndpoint', id) }) }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'An http(s) URL, without credentials.' }),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], required: true, description: 'The events it receives; at least one.' }),
    description: t.string({ required: false, description: 'For people, at most 500 characters.' }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string({ required: false }),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], required: false }),
    description: t.string({ required: false }),
  }),
});

const FIELD_ERRORS = [InvalidInputError, InvalidWebhookUrlError, WebhookDestinationRefusedError];

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointWithSecretRef,
    nullable: true,
    description: 'Services only: registers a webhook endpoint and returns its signing secret, shown this once.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    errors: { types: [...FIELD_ERRORS, TooManyWebhookEndpointsError], directResult: true, union: { name: 'CreateWebhookEndpointResult' } },
    resolve: async (_root, { input }, context) =>
      unwrapped(await services(context).create({ url: input.url, eventTypes: input.eventTypes, description: input.description ?? '' })),
  }),
);

builder.mutationField('updateWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointPayloadRef,
    nullable: true,
    description: 'Services only: changes what is given of an endpoint; the URL is checked again.',
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    errors: { types: [...FIELD_ERRORS, WebhookEndpointNotFoundError], directResult: true, union: { name: 'UpdateWebhookEndpointResult' } },
    resolve: async (_root, { input }, context) => {
      const endpoints = services(context);
      const id = webhookEndpointIdOf(input.id);
      return unwrapped(
        await endpoints.update(id, {
          ...(typeof input.url === 'string' && { url: input.url }),
          ...(input.eventTypes && { eventTypes: input.eventTypes }),
          ...(typeof input.description === 'string' && { description: input.description }),
        }),
      );
    },
  }),
);

const WebhookEndpointIdInput = builder.inputType('WebhookEndpointIdInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const BY_ID_ERRORS = [InvalidInputError, WebhookEndpointNotFoundError];
const byId = (input: { id: string | number }, context: Context) => {
  const endpoints = services(context);
  return { endpoints, id: webhookEndpointIdOf(String(input.id)) };
};

// Disabling keeps the endpoint and its secret; enabling resumes deliveries.
for (const [name, resultName, disabled, description] of [
  ['disableWebhookEndpoint', 'DisableWebhookEndpointResult', true, 'Services only: stops deliveries to an endpoint, keeping it and its secret.'],
  ['enableWebhookEndpoint', 'EnableWebhookEndpointResult', false, 'Services only: resumes deliveries to a disabled endpoint.'],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: WebhookEndpointPayloadRef,
      nullable: true,
      description,
      args: { input: t.arg({ type: WebhookEndpointIdInput, required: true }) },
      errors: { types: BY_ID_ERRORS, directResult: true, union: { name: resultName } },
      resolve: async (_root, { input }, context) => {
        const { endpoints, id } = byId(input, context);
        return unwrapped(await endpoints.setDisabled(id, disabled));
      },
    }),
  );
}

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.field({
    type: DeletedWebhookEndpointRef,
    nullable: true,
    description: 'Services only: removes an endpoint and its secret for good.',
    args: { input: t.arg({ type: WebhookEndpointIdInput, required: true }) },
    errors: { types: BY_ID_ERRORS, directResult: true, union: { name: 'DeleteWebhookEndpointResult' } },
    resolve: async (_root, { input }, context) => {
      const { endpoints, id } = byId(input, context);
      return unwrapped(await endpoints.delete(id));
    },
  }),
);

const RotateWebhookEndpointSecretInput = builder.inputType('RotateWebhookEndpointSecretInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    previousSecretValidForSeconds: t.int({
      required: false,
      description: `How long deliveries are still signed with the secret replaced too, 0 to ${MAX_PREVIOUS_SECRET_GRACE_SECONDS} (7 days); ${PREVIOUS_SECRET_GRACE_SECONDS} (a day) unless given. 0 revokes it at once (a leaked secret).`,
    }),
  }),
});

builder.mutationField('rotateWebhookEndpointSecret', (t) =>
  t.field({
    type: WebhookEndpointWithSecretRef,
    nullable: true,
    description:
      'Services only: gives an endpoint a new signing secret and returns it, shown this once. Until `previousSecretValidForSeconds` have passed, each delivery carries a signature with the old secret besides the new one, so a receiver verifies throughout its switch to the new one.',
    args: { input: t.arg({ type: RotateWebhookEndpointSecretInput, required: true }) },
    errors: { types: BY_ID_ERRORS, directResult: true, union: { name: 'RotateWebhookEndpointSecretResult' } },
    resolve: async (_root, { input }, context) => {
      const { endpoints, id } = byId(input, context);
      return unwrapped(await endpoints.rotateSecret(id, input.previousSecretValidForSeconds ?? undefined));
    },
  }),
);
