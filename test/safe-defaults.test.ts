import { describe, expect, it } from 'vitest';
import { execute } from './graphql/client.js';
import { PlansDocument, ViewerDocument } from './graphql/generated/graphql.js';
import { useTestServer } from './graphql/test-server.js';
import { failingPlanCatalog, recordingLogger } from './support/faults.js';

/**
 * Which development conveniences (GraphiQL, error details, /demo and GET /demo/token) a server
 * started with a given environment offers, seen from outside as an anonymous caller would.
 * An empty variable counts as unset, which is how these servers drop the test server's NODE_ENV.
 */
const SECRET = 'an-operator-secret-of-at-least-32-characters';
const UNSET = '';

async function demoToken(server: ReturnType<typeof useTestServer>): Promise<{ status: number; body: string }> {
  const response = await fetch(`${server.app.url}/demo/token`);
  return { status: response.status, body: await response.text() };
}

async function servesGraphiQL(server: ReturnType<typeof useTestServer>): Promise<boolean> {
  const response = await fetch(server.url, { headers: { accept: 'text/html' } });
  return response.status === 200 && (response.headers.get('content-type') ?? '').startsWith('text/html') && (await response.text()).includes('GraphiQL');
}

async function viewerOf(server: ReturnType<typeof useTestServer>, token: string) {
  const response = await execute(server.url, ViewerDocument, { token });
  expect({ status: response.status, errors: response.errors }).toEqual({ status: 200, errors: undefined });
  return response.data!.viewer;
}

const DEMO_VIEWER = { subject: 'demo-user', role: 'ADMIN', organization: { externalId: 'demo-org' } };

describe('NODE_ENV unset with JWT_SECRET set (a deployment that forgot NODE_ENV)', () => {
  const logger = recordingLogger();
  const server = useTestServer({
    env: { NODE_ENV: UNSET, JWT_SECRET: SECRET },
    logger,
    adjust: failingPlanCatalog('catalog store at 10.0.0.7 refused the read'),
  });

  it('mints no demo token and serves no demo page: 404', async () => {
    const token = await demoToken(server);
    expect(token.status).toBe(404);
    expect(token.body).not.toMatch(/eyJ/); // no JWT in any form
    expect((await fetch(`${server.app.url}/demo`)).status).toBe(404);
  });

  it('serves no GraphiQL', async () => {
    expect(await servesGraphiQL(server)).toBe(false);
  });

  it('answers an unexpected error with no message, stack or path of the server', async () => {
    const response = await execute(server.url, PlansDocument, { token: await server.token({ sub: 'u1' }) });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toEqual({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const body = JSON.stringify(response.errors);
    expect(body).not.toContain('10.0.0.7');
    expect(body).not.toContain(process.cwd());
    expect(body).not.toMatch(/stack|\.ts:\d+/);
    expect(logger.errors.join('\n')).toContain('catalog store at 10.0.0.7 refused the read');
  });
});

describe('zero configuration (npm start: no NODE_ENV, JWT_SECRET, JWT_JWKS_URL or MONGODB_URI)', () => {
  const server = useTestServer({ env: { NODE_ENV: UNSET, MONGODB_URI: UNSET } });

  it('mints a demo admin token at GET /demo/token, which the server accepts', async () => {
    const response = await demoToken(server);
    expect(response.status).toBe(200);
    const { token } = JSON.parse(response.body) as { token: string };
    expect(await viewerOf(server, token)).toMatchObject(DEMO_VIEWER);
  });

  it('serves GraphiQL', async () => {
    expect(await servesGraphiQL(server)).toBe(true);
  });
});

describe('NODE_ENV=development set explicitly, with JWT_SECRET', () => {
  const server = useTestServer({ env: { NODE_ENV: 'development', JWT_SECRET: SECRET } });

  it('serves GraphiQL', async () => {
    expect(await servesGraphiQL(server)).toBe(true);
  });

  it('refuses GET /demo/token without DEMO_TOKENS=true: no token signed with the configured secret', async () => {
    const response = await demoToken(server);
    expect(response.status).toBe(404);
    expect(response.body).toContain('DEMO_TOKENS=true');
    expect(response.body).not.toMatch(/eyJ/);
  });
});

describe('NODE_ENV=development with JWT_SECRET and DEMO_TOKENS=true', () => {
  const server = useTestServer({ env: { NODE_ENV: 'development', JWT_SECRET: SECRET, DEMO_TOKENS: 'true' } });

  it('mints demo tokens signed with the configured secret, as the switch says', async () => {
    const response = await demoToken(server);
    expect(response.status).toBe(200);
    const { token } = JSON.parse(response.body) as { token: string };
    expect(await viewerOf(server, token)).toMatchObject(DEMO_VIEWER);
  });
});

describe('NODE_ENV=test with JWT_SECRET', () => {
  const server = useTestServer({ env: { NODE_ENV: 'test', JWT_SECRET: SECRET } });

  it('mints no demo token and serves no GraphiQL', async () => {
    expect((await demoToken(server)).status).toBe(404);
    expect(await servesGraphiQL(server)).toBe(false);
  });
});
