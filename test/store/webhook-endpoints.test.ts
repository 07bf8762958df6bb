import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { createWebhookEndpointStore, MAX_WEBHOOK_ENDPOINTS } from '../../src/store/webhook-endpoints.js';
import { createEndpointService, type EndpointService } from '../../src/webhooks/endpoint-service.js';
import { openTestDatabase } from '../support/test-database.js';

let database: Database;
let service: EndpointService;
const fields = { url: 'https://hooks.example.com/in', eventTypes: ['credits.granted'], description: 'billing' };

beforeAll(async () => {
  database = await openTestDatabase('webhook-endpoints');
  const store = await createWebhookEndpointStore(database.connection);
  service = createEndpointService(store, { allowPrivate: false, lookup: async () => [{ address: '93.184.216.34' }] });
});

afterAll(async () => {
  await database?.close();
});

const created = async () => {
  const result = await service.create(fields);
  if (!result.ok) throw new Error(result.error.code);
  return result;
};

describe('webhook endpoints', () => {
  it('stores an endpoint with a random id and its secret, which reads never return', async () => {
    const { endpoint, signingSecret } = await created();
    expect(endpoint.id).toMatch(/^whep_[0-9a-f]{32}$/);
    expect(signingSecret).toMatch(/^whsec_/);
    const read = await service.get(endpoint.id);
    expect(read).toMatchObject({ url: fields.url, eventTypes: fields.eventTypes, description: 'billing', disabled: false });
    expect(JSON.stringify(read)).not.toContain(signingSecret);
    const stored = await database.connection.collection('webhook_endpoints').findOne({ _id: endpoint.id as never });
    expect(stored?.secret).toBe(signingSecret);
  });

  it('updates, disables, enables, rotates and deletes', async () => {
    const { endpoint, signingSecret } = await created();
    expect(await service.update(endpoint.id, { eventTypes: ['plan.changed', 'plan.changed'] })).toMatchObject({ ok: true, endpoint: { eventTypes: ['plan.changed'] } });
    expect(await service.setDisabled(endpoint.id, true)).toMatchObject({ ok: true, endpoint: { disabled: true } });
    expect(await service.setDisabled(endpoint.id, false)).toMatchObject({ ok: true, endpoint: { disabled: false } });
    const rotated = await service.rotateSecret(endpoint.id);
    expect(rotated).toMatchObject({ ok: true, signingSecret: expect.stringMatching(/^whsec_/) });
    expect(rotated.ok && rotated.signingSecret).not.toBe(signingSecret);
    expect(await service.delete(endpoint.id)).toEqual({ ok: true, id: endpoint.id });
    expect(await service.delete(endpoint.id)).toEqual({ ok: false, error: { code: 'WEBHOOK_ENDPOINT_NOT_FOUND' } });
    expect(await service.get(endpoint.id)).toBeUndefined();
  });

  it('refuses bad URLs, refused destinations, unknown or no event types and long descriptions', async () => {
    expect(await service.create({ ...fields, url: 'ftp://example.com/' })).toEqual({ ok: false, error: { code: 'INVALID_WEBHOOK_URL', problem: 'UNSUPPORTED_SCHEME' } });
    expect(await service.create({ ...fields, url: 'http://169.254.169.254/' })).toEqual({ ok: false, error: { code: 'WEBHOOK_DESTINATION_REFUSED', reason: 'LINK_LOCAL' } });
    expect(await service.create({ ...fields, eventTypes: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'eventTypes' } });
    expect(await service.create({ ...fields, eventTypes: ['plan.deleted'] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'eventTypes' } });
    expect(await service.create({ ...fields, description: 'x'.repeat(501) })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'description' } });
    const { endpoint } = await created();
    expect(await service.update(endpoint.id, { url: 'http://10.0.0.1/' })).toEqual({ ok: false, error: { code: 'WEBHOOK_DESTINATION_REFUSED', reason: 'PRIVATE' } });
  });

  it(`keeps at most ${MAX_WEBHOOK_ENDPOINTS} endpoints, and pages through them in id order`, async () => {
    while ((await service.list({ first: 100 })).length < MAX_WEBHOOK_ENDPOINTS) await created();
    expect(await service.create(fields)).toEqual({ ok: false, error: { code: 'TOO_MANY_WEBHOOK_ENDPOINTS', max: MAX_WEBHOOK_ENDPOINTS } });
    const first = await service.list({ first: 5 });
    const next = await service.list({ first: 5, after: first.at(-1)!.id });
    expect(first).toHaveLength(5);
    expect(next[0]!.id > first[4]!.id).toBe(true);
  });
});
