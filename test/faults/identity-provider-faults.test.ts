import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App, type RunningApp } from '../../src/app.js';
import { KEYS_UNAVAILABLE_MESSAGE } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { execute } from '../graphql/client.js';
import { ViewerDocument } from '../graphql/generated/graphql.js';
import { Sockets } from '../graphql/subscription-client.js';
import { AUDIENCE, ISSUER, startIdentityProvider, type IdentityProvider } from '../support/identity-provider.js';

/**
 * The server verifying tokens with an identity provider's keys (JWT_JWKS_URL) while the provider
 * hangs or is down: a typed, retryable UNAVAILABLE, fast, instead of HTTP 500 after jose's 5 s;
 * keys fetched before keep verifying.
 */
let provider: IdentityProvider;
let app: App;
let running: RunningApp;
const sockets = new Sockets(() => running.graphqlUrl);

beforeAll(async () => {
  provider = await startIdentityProvider('hang');
  app = createApp(loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', MONGODB_URI: process.env.MONGODB_URI, JWT_JWKS_URL: provider.jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }));
  running = await app.start();
});
afterEach(() => sockets.disposeAll());
afterAll(async () => {
  await app?.stop();
  await provider?.close();
});

async function viewer(token: string) {
  const started = Date.now();
  const response = await execute(running.graphqlUrl, ViewerDocument, { token });
  return { ...response, ms: Date.now() - started };
}

describe('an identity provider that hangs, then goes down', () => {
  it('answers UNAVAILABLE (503, Retry-After) within about a second rather than 500, and closes a WebSocket with 1013 Try Again Later', async () => {
    const refused = await viewer(await provider.sign({ sub: 'u1' }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.errors).toEqual([{ message: KEYS_UNAVAILABLE_MESSAGE, extensions: { code: 'UNAVAILABLE' } }]);
    expect(refused.ms).toBeLessThan(3_000);

    const socket = sockets.connect({ authorization: `Bearer ${await provider.sign({ sub: 'u1' })}` });
    expect(await socket.closed).toEqual({ code: 1013, reason: KEYS_UNAVAILABLE_MESSAGE });
  });

  it('verifies again once the provider answers, and keeps verifying with the keys it fetched while the provider is down', async () => {
    await provider.serve();
    const answered = await viewer(await provider.sign({ sub: 'u2' }));
    expect({ status: answered.status, errors: answered.errors }).toEqual({ status: 200, errors: undefined });
    await provider.down();
    // Another token (an accepted token is remembered a minute), signed with a key fetched before.
    const cached = await viewer(await provider.sign({ sub: 'u3' }));
    expect({ status: cached.status, errors: cached.errors, subject: cached.data?.viewer?.subject }).toEqual({ status: 200, errors: undefined, subject: 'u3' });
  });
});
