import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../config.js';
import { startIdentityProvider, AUDIENCE, ISSUER, type IdentityProvider } from '../../test/support/identity-provider.js';
import { createAuthenticator, KEYS_UNAVAILABLE_MESSAGE, type AuthResult } from './authenticate.js';
import { bearerToken } from './bearer.js';
import { signToken } from './tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
const secretConfig: AuthConfig = { kind: 'secret', secret: SECRET, developmentSecret: false, issuer: undefined, audience: undefined, maxLifetimeSeconds: MAX_LIFETIME_SECONDS };
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

function hs256(payload: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

function reasonOf(result: AuthResult): string {
  return result.ok ? 'OK' : result.error.reason;
}

describe('authenticate with a shared secret (HS256)', () => {
  const authenticate = createAuthenticator(secretConfig);

  it('accepts a valid token and reads the viewer from its claims', async () => {
    const exp = inAnHour();
    expect(await authenticate(await hs256({ sub: 'u1', org: 'o1', role: 'admin', exp }))).toEqual({
      ok: true,
      viewer: { userId: 'u1', organizationId: 'o1', role: 'admin', expiresAt: new Date(exp * 1000) },
    });
  });

  it('defaults the role to member, and accepts a service token without an organization', async () => {
    const member = await authenticate(await hs256({ sub: 'u2', exp: inAnHour() }));
    expect(member.ok && member.viewer).toMatchObject({ userId: 'u2', organizationId: null, role: 'member' });
    const service = await authenticate(await hs256({ sub: 'svc:billing', role: 'service', exp: inAnHour() }));
    expect(service.ok && service.viewer).toMatchObject({ userId: 'svc:billing', organizationId: null, role: 'service' });
  });

  it('refuses a subject or organization longer than 200 characters, which would become an account and member name', async () => {
    for (const claims of [{ sub: 'u'.repeat(201) }, { sub: 'u1', org: 'o'.repeat(201) }]) {
      expect(reasonOf(await authenticate(await hs256({ ...claims, exp: inAnHour() })))).toBe('INVALID_TOKEN');
    }
    expect(reasonOf(await authenticate(await hs256({ sub: 'u'.repeat(200), org: 'o'.repeat(200), exp: inAnHour() })))).toBe('OK');
  });

  it('reports a missing token as such', async () => {
    expect(await authenticate(undefined)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' } });
  });

  it('refuses an expired token, saying it expired', async () => {
    const result = await authenticate(await hs256({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(result).toEqual({
      ok: false,
      error: { code: 'UNAUTHENTICATED', reason: 'EXPIRED_TOKEN', message: 'The access token has expired.' },
    });
  });

  it('refuses a token signed with another secret without saying more than that it is invalid', async () => {
    const result = await authenticate(await hs256({ sub: 'u1', exp: inAnHour() }, 'another-secret-that-is-also-long-enough'));
    expect(result).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN', message: 'The access token is invalid.' } });
  });

  const exp = inAnHour();
  it.each<[string, JWTPayload]>([
    ['without a subject', { exp }],
    ['with an empty subject', { sub: '', exp }],
    ['without an expiry', { sub: 'u1' }],
    ['with an unknown role', { sub: 'u1', role: 'owner', exp }],
    ['with an organization that is not a string', { sub: 'u1', org: 42, exp }],
  ])('refuses a token %s', async (_case, payload) => {
    expect(reasonOf(await authenticate(await hs256(payload)))).toBe('INVALID_TOKEN');
  });

  it('says which claim was wrong in the detail for the logs, not in the message', async () => {
    const result = await authenticate(await hs256({ sub: 'u1', role: 'owner', exp: inAnHour() }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe('The access token is invalid.');
    expect(result.error.detail).toMatch(/claim role/);
  });

  it('refuses another algorithm, an unsigned token and what is not a token at all', async () => {
    expect(reasonOf(await authenticate(await hs256({ sub: 'u1', exp: inAnHour() }, SECRET, 'HS512')))).toBe('INVALID_TOKEN');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', exp: inAnHour() })).toString('base64url')}.`;
    expect(reasonOf(await authenticate(unsigned))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate('not-a-token'))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate(''))).toBe('INVALID_TOKEN');
  });

  it('checks the issuer and the audience when they are configured', async () => {
    const strict = createAuthenticator({ ...secretConfig, issuer: 'https://id.example', audience: 'creditstream' });
    const exp = inAnHour();
    expect(reasonOf(await strict(await hs256({ sub: 'u1', exp, iss: 'https://id.example', aud: 'creditstream' })))).toBe('OK');
    expect(reasonOf(await strict(await hs256({ sub: 'u1', exp, iss: 'https://evil.example', aud: 'creditstream' })))).toBe('INVALID_TOKEN');
    expect(reasonOf(await strict(await hs256({ sub: 'u1', exp, iss: 'https://id.example', aud: 'another-app' })))).toBe('INVALID_TOKEN');
    expect(reasonOf(await strict(await hs256({ sub: 'u1', exp })))).toBe('INVALID_TOKEN');
  });

  it('accepts what signToken signs, with the configured issuer and audience', async () => {
    const config: AuthConfig = { ...secretConfig, issuer: 'https://id.example', audience: 'creditstream' };
    const result = await createAuthenticator(config)(await signToken(config, { sub: 'u1', org: 'o1', role: 'admin' }, '10m'));
    expect(result.ok && result.viewer).toMatchObject({ userId: 'u1', organizationId: 'o1', role: 'admin' });
    expect(result.ok && result.viewer.expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const expired = await signToken(config, { sub: 'u1' }, '-1m');
    expect(reasonOf(await createAuthenticator(config)(expired))).toBe('EXPIRED_TOKEN');
  });

  it('refuses a token that expires beyond the maximum lifetime from now, however far, and says the limit', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const exp of [now + MAX_LIFETIME_SECONDS + 60, 1e20, Number.MAX_VALUE]) {
      expect(await authenticate(await hs256({ sub: 'u1', exp }))).toMatchObject({
        ok: false,
        error: {
          code: 'UNAUTHENTICATED',
          reason: 'LIFETIME_TOO_LONG',
          message: 'The access token expires too far in the future: this server accepts tokens that expire within 24 hours.',
        },
      });
    }
    expect(reasonOf(await authenticate(await hs256({ sub: 'u1', exp: now + MAX_LIFETIME_SECONDS })))).toBe('OK');
    const strict = createAuthenticator({ ...secretConfig, maxLifetimeSeconds: 90 });
    expect(await strict(await hs256({ sub: 'u1', exp: inAnHour() }))).toMatchObject({
      error: { message: 'The access token expires too far in the future: this server accepts tokens that expire within 90 seconds.' },
    });
  });

  it('does not sign a token the server would refuse as too long-lived', async () => {
    await expect(signToken(secretConfig, { sub: 'u1' }, '25h')).rejects.toThrow(/JWT_MAX_TTL_SECONDS \(86400\)/);
    await expect(signToken(secretConfig, { sub: 'u1' }, '23h')).resolves.toMatch(/^eyJ/);
  });
});

describe('authenticate with an identity provider’s keys (JWKS)', () => {
  const issuer = 'https://id.example/';
  const audience = 'creditstream';
  let server: Server;
  let jwksUrl: string;
  let sign: (payload: JWTPayload) => Promise<string>;
  let signWithUnpublishedKey: (payload: JWTPayload) => Promise<string>;

  beforeAll(async () => {
    const published = await generateKeyPair('ES256');
    const unpublished = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    sign = (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(published.privateKey);
    signWithUnpublishedKey = (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(unpublished.privateKey);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const claims = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'u1', org: 'o1', exp: inAnHour(), iss: issuer, aud: audience, ...extra });

  it('accepts a token signed with a published key, for this audience, from this issuer', async () => {
    const authenticate = createAuthenticator({ kind: 'jwks', jwksUrl, issuer, audience, maxLifetimeSeconds: MAX_LIFETIME_SECONDS });
    const result = await authenticate(await sign(claims({ role: 'admin' })));
    expect(result.ok && result.viewer).toMatchObject({ userId: 'u1', organizationId: 'o1', role: 'admin' });
  });

  it('refuses a wrong issuer, a wrong audience, a key it does not publish, an expired token and a shared-secret token', async () => {
    const authenticate = createAuthenticator({ kind: 'jwks', jwksUrl, issuer, audience, maxLifetimeSeconds: MAX_LIFETIME_SECONDS });
    expect(reasonOf(await authenticate(await sign(claims({ iss: 'https://evil.example/' }))))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate(await sign(claims({ aud: 'another-app' }))))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate(await signWithUnpublishedKey(claims())))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate(await sign(claims({ exp: Math.floor(Date.now() / 1000) - 60 }))))).toBe('EXPIRED_TOKEN');
    expect(reasonOf(await authenticate(await hs256(claims())))).toBe('INVALID_TOKEN');
    expect(reasonOf(await authenticate(await sign(claims({ exp: 1e20 }))))).toBe('LIFETIME_TOO_LONG');
  });

  it('answers UNAVAILABLE, rather than calling the token invalid, when the keys cannot be fetched', async () => {
    const unreachable = createAuthenticator({ kind: 'jwks', jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer, audience, maxLifetimeSeconds: MAX_LIFETIME_SECONDS });
    expect(await unreachable(await sign(claims()))).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', reason: 'KEYS_UNAVAILABLE', message: KEYS_UNAVAILABLE_MESSAGE } });
  });

  it('cannot sign tokens, and says why', async () => {
    await expect(signToken({ kind: 'jwks', jwksUrl, issuer, audience, maxLifetimeSeconds: MAX_LIFETIME_SECONDS }, { sub: 'u1' })).rejects.toThrow(/JWT_JWKS_URL/);
  });
});

describe('authenticate while the identity provider does not answer', () => {
  let provider: IdentityProvider;
  beforeAll(async () => {
    provider = await startIdentityProvider();
  });
  afterAll(() => provider.close());
  // Keys are always old and a token naming a new key is always fetched for: every verification asks the provider.
  const fetchingAlways = { timeoutMs: 300, cooldownMs: 0, cacheMaxAgeMs: 0 };
  const jwksConfig = (): AuthConfig => ({ kind: 'jwks', jwksUrl: provider.jwksUrl, issuer: ISSUER, audience: AUDIENCE, maxLifetimeSeconds: MAX_LIFETIME_SECONDS });

  it('keeps verifying with the keys fetched before, however old, while the provider hangs or is down; a key it never fetched is UNAVAILABLE, not invalid', async () => {
    await provider.serve();
    const authenticate = createAuthenticator(jwksConfig(), fetchingAlways);
    expect(reasonOf(await authenticate(await provider.sign({ sub: 'u1' })))).toBe('OK');
    for (const fault of [() => provider.hang(), () => provider.down()]) {
      await fault();
      expect(reasonOf(await authenticate(await provider.sign({ sub: 'u2' })))).toBe('OK');
      expect(reasonOf(await authenticate(await provider.signWithUnpublishedKey({ sub: 'u3' })))).toBe('KEYS_UNAVAILABLE');
    }
    await provider.serve();
    expect(reasonOf(await authenticate(await provider.signWithUnpublishedKey({ sub: 'u3' })))).toBe('INVALID_TOKEN');
  });
});

describe('bearerToken', () => {
  it('reads the token of a bearer Authorization header, and marks any other header as invalid', () => {
    expect(bearerToken(null)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic dTE6cGFzcw==')).toBe('');
    expect(bearerToken('Bearer')).toBe('');
    expect(bearerToken('Bearer a b')).toBe('');
  });
});
