import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { KEYS_UNAVAILABLE_MESSAGE } from '../../src/auth/index.js';
import { failingPlanCatalog, recordingLogger } from '../support/faults.js';
import { errorCodes, execute } from './client.js';
import { PlansDocument, ViewerDocument } from './generated/graphql.js';
import { openSocket } from './subscription-client.js';
import { useTestServer } from './test-server.js';

describe('Query.viewer', () => {
  const server = useTestServer();

  it('names a member by its token', async () => {
    const { status, data, errors } = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u1' }, '10m') });
    expect({ status, errors }).toEqual({ status: 200, errors: undefined });
    expect(data!.viewer).toMatchObject({ subject: 'u1', role: 'MEMBER', user: { externalId: 'u1' }, organization: null });
    expect(Date.parse(data!.viewer!.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(data!.viewer!.id).not.toBe(data!.viewer!.user!.id);
  });

  it('names an organization admin and its organization', async () => {
    const { data } = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u2', org: 'o1', role: 'admin' }) });
    expect(data!.viewer).toMatchObject({ subject: 'u2', role: 'ADMIN', user: { externalId: 'u2' }, organization: { externalId: 'o1' } });
  });

  it('names a service, which is no user', async () => {
    const { data } = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'svc:billing', role: 'service' }) });
    expect(data!.viewer).toMatchObject({ subject: 'svc:billing', role: 'SERVICE', user: null, organization: null });
  });

  it('gives every caller a stable global id of its own', async () => {
    const first = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u1' }) });
    const again = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u1', org: 'o1' }) });
    const other = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u3' }) });
    expect(again.data!.viewer!.id).toBe(first.data!.viewer!.id);
    expect(other.data!.viewer!.id).not.toBe(first.data!.viewer!.id);
  });
});

describe('requests that are not authenticated', () => {
  const server = useTestServer();

  it('without a token: UNAUTHENTICATED on each field that needs a caller, saying how to send one', async () => {
    const response = await execute(server.url, ViewerDocument);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ viewer: null });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors![0]!.message).toBe('Authentication required: send an access token as "Authorization: Bearer <token>".');
  });

  it.each([
    ['signed with another secret', () => new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)))],
    ['that is not a token', async () => 'not-a-token'],
  ])('with a token %s: the whole request is refused with 401 and says only that the token is invalid', async (_case, makeToken) => {
    const response = await execute(server.url, ViewerDocument, { token: await makeToken() });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([{ message: 'The access token is invalid.', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('with an expired token: 401, saying it expired so that the client gets a new one', async () => {
    const response = await execute(server.url, ViewerDocument, { token: await server.token({ sub: 'u1' }, '-1m') });
    expect(response.status).toBe(401);
    expect(response.errors).toEqual([{ message: 'The access token has expired.', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('with an Authorization header that is not a bearer token: 401', async () => {
    const response = await execute(server.url, ViewerDocument, { authorization: 'Basic dTE6cGFzc3dvcmQ=' });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('unexpected failures', () => {
  const logger = recordingLogger();
  const server = useTestServer({ logger, adjust: failingPlanCatalog('catalog store at 10.0.0.7 refused the read') });

  it('are masked for the client and logged in full', async () => {
    const response = await execute(server.url, PlansDocument, { token: await server.token({ sub: 'u1' }) });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(response.errors)).not.toContain('10.0.0.7');
    expect(logger.errors.join('\n')).toContain('catalog store at 10.0.0.7 refused the read');
  });
});

describe('an identity provider whose keys cannot be fetched', () => {
  const logger = recordingLogger();
  const server = useTestServer({
    logger,
    env: { JWT_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json', JWT_ISSUER: 'https://id.example/', JWT_AUDIENCE: 'creditstream' },
  });
  /** A token that only the provider's keys could verify. */
  async function providerToken(): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://id.example/')
      .setAudience('creditstream')
      .setExpirationTime('1h')
      .sign(privateKey);
  }

  it('fails the request as UNAVAILABLE (503, Retry-After), not as a bad token the client should replace, and logs why', async () => {
    const response = await execute(server.url, ViewerDocument, { token: await providerToken() });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.errors).toEqual([{ message: KEYS_UNAVAILABLE_MESSAGE, extensions: { code: 'UNAVAILABLE' } }]);
    expect(logger.errors.join('\n')).toContain('cannot verify an access token');
  });

  it('closes a WebSocket with 1013 Try Again Later, not with 4401, and logs why', async () => {
    const socket = openSocket(server.url, { token: await providerToken() });
    expect(await socket.closed).toEqual({ code: 1013, reason: KEYS_UNAVAILABLE_MESSAGE });
    await socket.dispose();
    expect(logger.errors.join('\n')).toContain('cannot verify the access token of a WebSocket connection');
  });
});
