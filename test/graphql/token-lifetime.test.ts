import { SignJWT, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPIRY_LEEWAY_SECONDS } from '../../src/auth/index.js';
import type { Config } from '../../src/config.js';
import { errorCodes, execute } from './client.js';
import { ViewerDocument } from './generated/graphql.js';
import { Sockets } from './subscription-client.js';
import { useTestServer } from './test-server.js';

const now = () => Math.floor(Date.now() / 1000);
const DAY = 24 * 60 * 60;

/** A token as an attacker who holds the secret, or a careless issuer, would sign it: any claims at all. */
function forge(config: Config, payload: JWTPayload): Promise<string> {
  if (config.auth.kind !== 'secret') throw new Error('the test server verifies with a secret');
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(config.auth.secret));
}

const TOO_LONG = 'The access token expires too far in the future: this server accepts tokens that expire within 24 hours.';

describe('the lifetime of an access token (JWT_MAX_TTL_SECONDS, 24 hours by default)', () => {
  const server = useTestServer();
  const sockets = new Sockets(() => server.url);
  afterEach(() => sockets.disposeAll());

  it.each([
    ['in the year 3e12 (exp 1e20)', () => 1e20],
    ['a day and an hour from now', () => now() + DAY + 3600],
  ])('refuses over HTTP a token that expires %s: 401 UNAUTHENTICATED, not an internal error', async (_case, exp) => {
    const response = await execute(server.url, ViewerDocument, { token: await forge(server.config, { sub: 'u1', exp: exp() }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([{ message: TOO_LONG, extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('refuses over WebSocket a token that expires in the year 3e12 with 4401, not an internal error', async () => {
    const socket = sockets.connect({ authorization: `Bearer ${await forge(server.config, { sub: 'u1', exp: 1e20 })}` });
    expect(await socket.closed).toEqual({ code: 4401, reason: TOO_LONG });
  });

  it('accepts a token that expires just within the maximum, over HTTP and WebSocket', async () => {
    const exp = now() + DAY - 60;
    const token = await forge(server.config, { sub: 'u1', exp });
    const response = await execute(server.url, ViewerDocument, { token });
    expect({ status: response.status, errors: response.errors }).toEqual({ status: 200, errors: undefined });
    expect(response.data!.viewer!.expiresAt).toBe(new Date(exp * 1000).toISOString());
    const socket = sockets.connect({ token });
    expect(await socket.acknowledged).toEqual({ expiresAt: new Date(exp * 1000).toISOString() });
  });

  it('refuses a token without an expiry as invalid, over HTTP and WebSocket', async () => {
    const token = await forge(server.config, { sub: 'u1' });
    const response = await execute(server.url, ViewerDocument, { token });
    expect(response.status).toBe(401);
    expect(response.errors).toEqual([{ message: 'The access token is invalid.', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(await sockets.connect({ token }).closed).toEqual({ code: 4401, reason: 'The access token is invalid.' });
  });
});

describe(`the end of an access token: its exp plus ${EXPIRY_LEEWAY_SECONDS} seconds, over HTTP and WebSocket alike`, () => {
  const server = useTestServer();
  const sockets = new Sockets(() => server.url);
  afterEach(() => sockets.disposeAll());

  it('accepts a token whose exp passed less than the leeway ago over HTTP, and over WebSocket until the leeway is over, then closes with 4401', async () => {
    const exp = now() - 2;
    const token = await forge(server.config, { sub: 'u1', exp });
    const response = await execute(server.url, ViewerDocument, { token });
    expect({ status: response.status, errors: response.errors }).toEqual({ status: 200, errors: undefined });
    const socket = sockets.connect({ token });
    expect(await socket.acknowledged).toEqual({ expiresAt: new Date(exp * 1000).toISOString() });
    const closed = await socket.closed;
    const closedAt = Date.now();
    expect(closed).toEqual({ code: 4401, reason: 'The access token has expired.' });
    const end = (exp + EXPIRY_LEEWAY_SECONDS) * 1000;
    // Not before the end; the margin after it is for a busy machine.
    expect(closedAt).toBeGreaterThanOrEqual(end);
    expect(closedAt).toBeLessThan(end + 1_000);
    // And HTTP refuses it from then on.
    const late = await execute(server.url, ViewerDocument, { token });
    expect({ status: late.status, errors: late.errors }).toEqual({ status: 401, errors: [{ message: 'The access token has expired.', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a token whose exp passed more than the leeway ago on both transports', async () => {
    const token = await forge(server.config, { sub: 'u1', exp: now() - EXPIRY_LEEWAY_SECONDS - 1 });
    const response = await execute(server.url, ViewerDocument, { token });
    expect({ status: response.status, errors: response.errors }).toEqual({ status: 401, errors: [{ message: 'The access token has expired.', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(await sockets.connect({ token }).closed).toEqual({ code: 4401, reason: 'The access token has expired.' });
  });
});

describe('a configured maximum lifetime (JWT_MAX_TTL_SECONDS=600)', () => {
  const server = useTestServer({ env: { JWT_MAX_TTL_SECONDS: '600' } });

  it('refuses a one-hour token and accepts a five-minute one', async () => {
    const hour = await execute(server.url, ViewerDocument, { token: await forge(server.config, { sub: 'u1', exp: now() + 3600 }) });
    expect(hour.status).toBe(401);
    expect(errorCodes(hour)).toEqual(['UNAUTHENTICATED']);
    expect(hour.errors![0]!.message).toBe('The access token expires too far in the future: this server accepts tokens that expire within 10 minutes.');
    const minutes = await execute(server.url, ViewerDocument, { token: await forge(server.config, { sub: 'u1', exp: now() + 300 }) });
    expect({ status: minutes.status, errors: minutes.errors }).toEqual({ status: 200, errors: undefined });
  });
});
