import { MAX_WEBHOOK_ENDPOINTS, type EndpointFields, type WebhookEndpoint, type WebhookEndpointStore } from '../store/webhook-endpoints.js';
import { checkDestination, parseWebhookUrl, type DestinationRefusal, type Lookup, type UrlProblem } from './destination-policy.js';
import { isWebhookEventType } from './event-types.js';
import { newSigningSecret } from './signing-secret.js';

/** What a description may say: a label for people, not a document. */
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 500;

/** How long a rotated-out secret still signs deliveries unless the rotation says otherwise: a day to deploy the new one. */
export const PREVIOUS_SECRET_GRACE_SECONDS = 24 * 60 * 60;

/** The longest a rotation may keep the previous secret: a leaked one should not outlive its rotation by more. */
export const MAX_PREVIOUS_SECRET_GRACE_SECONDS = 7 * 24 * 60 * 60;

export type EndpointRefusal =
  | { readonly code: 'INVALID_INPUT'; readonly field: string; readonly problem: string }
  | { readonly code: 'INVALID_WEBHOOK_URL'; readonly problem: UrlProblem }
  | { readonly code: 'WEBHOOK_DESTINATION_REFUSED'; readonly reason: DestinationRefusal }
  | { readonly code: 'TOO_MANY_WEBHOOK_ENDPOINTS'; readonly max: number }
  | { readonly code: 'WEBHOOK_ENDPOINT_NOT_FOUND' };

export type EndpointResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: EndpointRefusal };

/** The endpoint, and its secret when the operation made one (creation and rotation only). */
export type EndpointWithSecret = { readonly endpoint: WebhookEndpoint; readonly signingSecret: string };

export type EndpointService = {
  create(fields: EndpointFields): Promise<EndpointResult<EndpointWithSecret>>;
  update(id: string, fields: Partial<EndpointFields>): Promise<EndpointResult<{ readonly endpoint: WebhookEndpoint }>>;
  setDisabled(id: string, disabled: boolean): Promise<EndpointResult<{ readonly endpoint: WebhookEndpoint }>>;
  delete(id: string): Promise<EndpointResult<{ readonly id: string }>>;
  /** `previousSecretValidForSeconds`: 0 to `MAX_PREVIOUS_SECRET_GRACE_SECONDS`, `PREVIOUS_SECRET_GRACE_SECONDS` unless given; 0 revokes the old secret at once. */
  rotateSecret(id: string, previousSecretValidForSeconds?: number): Promise<EndpointResult<EndpointWithSecret>>;
  list: WebhookEndpointStore['list'];
  get: WebhookEndpointStore['get'];
};

const refused = (error: EndpointRefusal) => ({ ok: false, error }) as const;
const NOT_FOUND = refused({ code: 'WEBHOOK_ENDPOINT_NOT_FOUND' });

/** The first thing wrong with what a caller asked to store, checking the URL's destination too. */
async function fieldsProblem(fields: Partial<EndpointFields>, policy: { allowPrivate: boolean; lookup?: Lookup }): Promise<EndpointRefusal | undefined> {
  if (fields.eventTypes !== undefined) {
    if (fields.eventTypes.length === 0) return { code: 'INVALID_INPUT', field: 'eventTypes', problem: 'must name at least one event type' };
    const unknown = fields.eventTypes.find((type) => !isWebhookEventType(type));
    if (unknown !== undefined) return { code: 'INVALID_INPUT', field: 'eventTypes', problem: `"${unknown}" is no event type` };
  }
  if (fields.description !== undefined && fields.description.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    return { code: 'INVALID_INPUT', field: 'description', problem: `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters` };
  }
  if (fields.url === undefined) return undefined;
  const parsed = parseWebhookUrl(fields.url);
  if (!parsed.ok) return { code: 'INVALID_WEBHOOK_URL', problem: parsed.problem };
  const destination = await checkDestination(parsed.url, policy);
  return destination.ok ? undefined : { code: 'WEBHOOK_DESTINATION_REFUSED', reason: destination.reason };
}

/** What the outbox does when an endpoint stops or starts taking deliveries (see webhook-outbox.ts). */
export type EndpointDeliveries = { forgetEndpoint(id: string): Promise<void>; wakeEndpoint(id: string): Promise<void> };

/** Registration of webhook endpoints: what a service may store, checked before the store sees it. */
export function createEndpointService(
  store: WebhookEndpointStore,
  policy: { readonly allowPrivate: boolean; readonly lookup?: Lookup },
  deliveries?: EndpointDeliveries,
): EndpointService {
  const unique = (fields: Partial<EndpointFields>) => (fields.eventTypes ? { ...fields, eventTypes: [...new Set(fields.eventTypes)] } : fields);
  return {
    async create(fields) {
      const problem = await fieldsProblem(fields, policy);
      if (problem) return refused(problem);
      const signingSecret = newSigningSecret();
      const endpoint = await store.create(unique(fields) as EndpointFields, signingSecret);
      return endpoint ? { ok: true, endpoint, signingSecret } : refused({ code: 'TOO_MANY_WEBHOOK_ENDPOINTS', max: MAX_WEBHOOK_ENDPOINTS });
    },
    async update(id, fields) {
      const problem = await fieldsProblem(fields, policy);
      if (problem) return refused(problem);
      const endpoint = await store.update(id, unique(fields));
      return endpoint ? { ok: true, endpoint } : NOT_FOUND;
    },
    async setDisabled(id, disabled) {
      const endpoint = await store.setDisabled(id, disabled);
      if (!endpoint) return NOT_FOUND;
      // What waited while it was disabled goes out now.
      if (!disabled) await deliveries?.wakeEndpoint(id);
      return { ok: true, endpoint };
    },
    async delete(id) {
      if (!(await store.delete(id))) return NOT_FOUND;
      await deliveries?.forgetEndpoint(id);
      return { ok: true, id };
    },
    async rotateSecret(id, previousSecretValidForSeconds = PREVIOUS_SECRET_GRACE_SECONDS) {
      if (!Number.isInteger(previousSecretValidForSeconds) || previousSecretValidForSeconds < 0 || previousSecretValidForSeconds > MAX_PREVIOUS_SECRET_GRACE_SECONDS) {
        return refused({ code: 'INVALID_INPUT', field: 'previousSecretValidForSeconds', problem: `must be 0 to ${MAX_PREVIOUS_SECRET_GRACE_SECONDS} seconds` });
      }
      const signingSecret = newSigningSecret();
      const endpoint = await store.rotateSecret(id, signingSecret, previousSecretValidForSeconds * 1000);
      return endpoint ? { ok: true, endpoint, signingSecret } : NOT_FOUND;
    },
    list: (page) => store.list(page),
    get: (id) => store.get(id),
  };
}
