import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/index.js';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config.js';
import type { Database } from '../src/store/database.js';
import { execute } from './graphql/client.js';
import { PlansDocument, ViewerDocument } from './graphql/generated/graphql.js';
import { useTestServer } from './graphql/test-server.js';
import { failingPlanCatalog, recordingLogger } from './support/faults.js';
import { killServerProcesses, spawnServerProcess, type Outcome, type ServerProcess } from './support/server-process.js';
import { openTestDatabase } from './support/test-database.js';

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

/** Starts the server process with exactly `env` and waits until it listens or exits. */
function startServerProcess(env: Record<string, string>, started: ServerProcess[]): Promise<Outcome> {
  const server = spawnServerProcess(env);
  started.push(server);
  return server.outcome;
}

describe('the server process (src/main.ts, as `npm start` runs it)', () => {
  const started: ServerProcess[] = [];
  let database: Database;
  let databaseEnv: Record<string, string>;

  beforeAll(async () => {
    // The embedded database in this process, or the MongoDB of MONGODB_URI: to the server, a real database either way.
    database = await openTestDatabase('safe-defaults');
    databaseEnv = { MONGODB_URI: database.uri, MONGODB_DB_NAME: database.connection.name };
  });
  afterEach(() => killServerProcesses(started));
  afterAll(async () => {
    await database.close();
  });

  it('refuses to start with NODE_ENV unset, MONGODB_URI set and no JWT_SECRET or JWT_JWKS_URL, saying so in one problem', async () => {
    const outcome = await startServerProcess(databaseEnv, started);
    expect(outcome).toEqual({ exitCode: 1, stderr: expect.any(String) as string });
    const { stderr } = outcome as { stderr: string };
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      '  - JWT_SECRET or JWT_JWKS_URL is required with MONGODB_URI unless NODE_ENV=development or test: tokens would otherwise be verified with the public development secret, with which anyone can sign an admin token for that database',
    ]);
  });

  it.each([
    ['SIMULATED_PROVIDER_FAILURES=true with NODE_ENV unset and JWT_SECRET set', { JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'true' }, 'SIMULATED_PROVIDER_FAILURES is for development'],
    [
      'DEMO_TOKENS=true with JWT_JWKS_URL, even with NODE_ENV=development',
      { NODE_ENV: 'development', JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'https://id.example/', JWT_AUDIENCE: 'creditstream', DEMO_TOKENS: 'true' },
      'DEMO_TOKENS cannot be true with JWT_JWKS_URL',
    ],
  ])('refuses to start with %s', async (_, env, problem) => {
    const outcome = await startServerProcess({ ...databaseEnv, ...env }, started);
    expect(outcome).toEqual({ exitCode: 1, stderr: expect.stringContaining(`  - ${problem}`) as string });
  });

  it.each([
    ['NODE_ENV=development and MONGODB_URI', () => ({ ...databaseEnv, NODE_ENV: 'development' })],
    ['zero configuration (the embedded database)', () => ({})],
  ])('starts with %s, accepting a token signed with the public development secret', async (_, env) => {
    const outcome = await startServerProcess(env(), started);
    expect(outcome).toEqual({ listening: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as string });
    const { auth } = loadConfig({});
    expect(auth).toMatchObject({ secret: DEVELOPMENT_JWT_SECRET });
    const token = await signToken(auth, { sub: 'u1', org: 'o1', role: 'admin' }, '5m');
    const response = await execute(`${(outcome as { listening: string }).listening}/graphql`, ViewerDocument, { token });
    expect(response.errors).toBeUndefined();
    expect(response.data!.viewer).toMatchObject({ subject: 'u1', role: 'ADMIN' });
  });
});
