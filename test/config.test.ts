import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config.js';
import { DEFAULT_PLAN_CATALOG, DEFAULT_PRICING_CATALOG, parsePlanCatalog } from '../src/ledger/index.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const PRODUCTION = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.internal:27017' };
const SECRET = 'a-production-secret-of-at-least-32-characters';

describe('loadConfig', () => {
  it('defaults to development on port 4000 with the embedded database, the development token secret and the development conveniences', () => {
    expect(loadConfig({})).toEqual({
      environment: 'development',
      developmentConveniences: true,
      demoTokens: true,
      http: { host: '127.0.0.1', port: 4000, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, maxBodyBytes: 100 * 1024 },
      graphql: { introspection: true, maxDepth: 12, maxAliases: 15, maxDirectives: 50, maxTokens: 1_000, maxCost: 50_000 },
      database: { uri: undefined, name: 'creditstream', timeouts: { serverSelectionMs: 2_000, connectMs: 2_000, socketMs: 5_000 } },
      logLevel: 'info',
      metrics: { token: undefined },
      realtime: { redisUrl: undefined },
      auth: {
        kind: 'secret',
        secret: DEVELOPMENT_JWT_SECRET,
        developmentSecret: true,
        issuer: undefined,
        audience: undefined,
        maxLifetimeSeconds: 24 * 60 * 60,
      },
      spendLimit: { perMinute: 600, services: false },
      defaultPlan: 'rheos.free',
      simulatedProvider: { latencyMs: 0, failureInjection: false },
      ledger: { holdTtlMs: 15 * 60_000 },
      websocket: { maxSubscriptionsPerSocket: 100, maxSubscriptionsPerPrincipal: 500, maxSocketsPerPrincipal: 50, messagesPerSecond: 20 },
      webhooks: {
        allowPrivate: true,
        timeoutMs: 10_000,
        maxResponseBytes: 64 * 1024,
        maxRedirects: 0,
        retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, 36_000_000],
        leaseMs: 30_000,
        pollMs: 1000,
        concurrency: 4,
      },
      catalogs: { plans: DEFAULT_PLAN_CATALOG, pricing: DEFAULT_PRICING_CATALOG },
    });
  });

  it('refuses private webhook destinations by default outside development and test, and lets an operator choose', () => {
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET }).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.allowPrivate).toBe(true);
    // A deployment that sets its database and secret but forgets NODE_ENV is no development setup.
    expect(loadConfig({ MONGODB_URI: 'mongodb://db.internal:27017', JWT_SECRET: SECRET }).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE: 'false' }).webhooks.allowPrivate).toBe(false);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes', WEBHOOK_MAX_REDIRECTS: '11' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE must be true or false[\s\S]*WEBHOOK_MAX_REDIRECTS must be a whole number from 0 to 10/,
    );
  });

  it('takes the webhook retry schedule, and reports a bad one with the other problems', () => {
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '10s, 1m,1h' }).webhooks.retrySchedule).toEqual([10_000, 60_000, 3_600_000]);
    // A lease must outlast an attempt, or a second process would send the event again.
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_LEASE_MS: '10000' })).toThrow(/WEBHOOK_LEASE_MS/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon', WEBHOOK_MAX_REDIRECTS: '11' })).toThrow(
      /WEBHOOK_MAX_REDIRECTS must be a whole number from 0 to 10[\s\S]*WEBHOOK_RETRY_SCHEDULE must be comma-separated delays from 1s to 7d, each a whole number with s, m, h or d \(like 5s,5m,2h\): delay 2 is "soon"/,
    );
  });

  it('takes the database timeouts, and refuses one that is not a whole number of milliseconds within its range, naming each', () => {
    const env = { MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500', MONGODB_CONNECT_TIMEOUT_MS: '700', MONGODB_SOCKET_TIMEOUT_MS: '30000' };
    expect(loadConfig(env).database.timeouts).toEqual({ serverSelectionMs: 500, connectMs: 700, socketMs: 30_000 });
    expect(problemsOf({ MONGODB_SERVER_SELECTION_TIMEOUT_MS: '0', MONGODB_CONNECT_TIMEOUT_MS: '1.5', MONGODB_SOCKET_TIMEOUT_MS: '600001' })).toEqual([
      'MONGODB_SERVER_SELECTION_TIMEOUT_MS must be a whole number from 1 to 600000',
      'MONGODB_CONNECT_TIMEOUT_MS must be a whole number from 1 to 600000',
      'MONGODB_SOCKET_TIMEOUT_MS must be a whole number from 1 to 600000',
    ]);
  });

  it('takes the WebSocket caps, and refuses one that is not a whole number within its range, naming each', () => {
    const env = { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '10', WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '40', WS_MAX_SOCKETS_PER_PRINCIPAL: '4', WS_MESSAGES_PER_SECOND: '5' };
    expect(loadConfig(env).websocket).toEqual({ maxSubscriptionsPerSocket: 10, maxSubscriptionsPerPrincipal: 40, maxSocketsPerPrincipal: 4, messagesPerSecond: 5 });
    expect(problemsOf({ WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '0', WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '1.5', WS_MAX_SOCKETS_PER_PRINCIPAL: 'many', WS_MESSAGES_PER_SECOND: '100001' })).toEqual([
      'WS_MAX_SUBSCRIPTIONS_PER_SOCKET must be a whole number from 1 to 10000',
      'WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL must be a whole number from 1 to 1000000',
      'WS_MAX_SOCKETS_PER_PRINCIPAL must be a whole number from 1 to 100000',
      'WS_MESSAGES_PER_SECOND must be a whole number from 1 to 100000',
    ]);
  });

  it('takes RATE_LIMIT_SPEND_PER_MINUTE (0 turns the limit off) and RATE_LIMIT_SERVICES, and refuses what is out of range', () => {
    expect(loadConfig({ RATE_LIMIT_SPEND_PER_MINUTE: '0', RATE_LIMIT_SERVICES: '1' }).spendLimit).toEqual({ perMinute: 0, services: true });
    expect(loadConfig({ RATE_LIMIT_SPEND_PER_MINUTE: '30', RATE_LIMIT_SERVICES: 'false' }).spendLimit).toEqual({ perMinute: 30, services: false });
    for (const value of ['-1', '1.5', '1000001', 'many']) {
      expect(problemsOf({ RATE_LIMIT_SPEND_PER_MINUTE: value })).toEqual(['RATE_LIMIT_SPEND_PER_MINUTE must be a whole number from 0 to 1000000']);
    }
    expect(problemsOf({ RATE_LIMIT_SERVICES: 'yes' })).toEqual(['RATE_LIMIT_SERVICES must be true, false, 1 or 0']);
  });

  it('takes METRICS_TOKEN, and refuses one that is short or has spaces without echoing it', () => {
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).metrics).toEqual({ token: 'scrape-token-0123456789' });
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN must be at least 16 characters']);
    expect(problemsOf({ METRICS_TOKEN: 'a token with spaces in it' })).toEqual(['METRICS_TOKEN must be printable ASCII without spaces (it is sent as a bearer token)']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: '', JWT_SECRET: '' }).database.uri).toBeUndefined();
  });

  it('takes REDIS_URL for live usage across processes, and refuses what is not a Redis URL without echoing it', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache.internal:6379/0' }).realtime).toEqual({ redisUrl: 'redis://cache.internal:6379/0' });
    expect(loadConfig({ REDIS_URL: 'rediss://user:pass@cache.internal:6380' }).realtime.redisUrl).toBe('rediss://user:pass@cache.internal:6380');
    const problems = problemsOf({ REDIS_URL: 'http://admin:hunter2@cache.internal:6379' });
    expect(problems).toEqual(['REDIS_URL must be a redis:// or rediss:// URL']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('configures the simulated generation provider, whose failure injection is for development and tests only', () => {
    expect(loadConfig({ SIMULATED_PROVIDER_LATENCY_MS: '250', SIMULATED_PROVIDER_FAILURES: 'true' }).simulatedProvider).toEqual({
      latencyMs: 250,
      failureInjection: true,
    });
    expect(loadConfig({ NODE_ENV: 'test', SIMULATED_PROVIDER_FAILURES: 'true' }).simulatedProvider.failureInjection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'true' }).simulatedProvider.failureInjection).toBe(true);
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'false' }).simulatedProvider.failureInjection).toBe(false);
    expect(problemsOf({ SIMULATED_PROVIDER_LATENCY_MS: '-5', SIMULATED_PROVIDER_FAILURES: 'yes' }).map((problem) => problem.split(' ')[0])).toEqual([
      'SIMULATED_PROVIDER_LATENCY_MS',
      'SIMULATED_PROVIDER_FAILURES',
    ]);
  });

  it('refuses SIMULATED_PROVIDER_FAILURES=true in production and on a configured deployment that leaves NODE_ENV unset', () => {
    const problem = 'SIMULATED_PROVIDER_FAILURES is for development and tests only (NODE_ENV=development or test): it lets any request make a generation fail';
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'true' })).toEqual([problem]);
    expect(problemsOf({ JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'true' })).toEqual([problem]);
    expect(problemsOf({ MONGODB_URI: 'mongodb://db.internal:27017', JWT_SECRET: SECRET, SIMULATED_PROVIDER_FAILURES: 'true' })).toEqual([problem]);
  });

  it('shortens the hold lifetime with LEDGER_HOLD_TTL_SECONDS in development and tests only, and refuses one out of range', () => {
    expect(loadConfig({ NODE_ENV: 'test', LEDGER_HOLD_TTL_SECONDS: '3' }).ledger).toEqual({ holdTtlMs: 3_000 });
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: SECRET, LEDGER_HOLD_TTL_SECONDS: '60' }).ledger).toEqual({ holdTtlMs: 60_000 });
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET }).ledger).toEqual({ holdTtlMs: 15 * 60_000 });
    const refused = "LEDGER_HOLD_TTL_SECONDS is for development and tests only (NODE_ENV=development or test): a deployment keeps the ledger's hold lifetime of 15 minutes";
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: SECRET, LEDGER_HOLD_TTL_SECONDS: '3' })).toEqual([refused]);
    expect(problemsOf({ MONGODB_URI: 'mongodb://db.internal:27017', JWT_SECRET: SECRET, LEDGER_HOLD_TTL_SECONDS: '3' })).toEqual([refused]);
    for (const value of ['0', '1.5', 'soon', '86401']) {
      expect(problemsOf({ NODE_ENV: 'test', LEDGER_HOLD_TTL_SECONDS: value })).toEqual(['LEDGER_HOLD_TTL_SECONDS must be a whole number of seconds from 1 to 86400']);
    }
  });

  it('refuses production without MONGODB_URI', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toThrow(/MONGODB_URI is required when NODE_ENV=production/);
  });

  it('reports every problem at once and never echoes a secret-bearing URI', () => {
    const secretUri = 'postgres://admin:hunter2@db';
    let caught: unknown;
    try {
      loadConfig({ NODE_ENV: 'staging', PORT: 'eighty', MONGODB_URI: secretUri });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/NODE_ENV/);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/MONGODB_URI must be a mongodb:\/\//);
    expect((caught as ConfigError).message).not.toContain('hunter2');
  });

  describe('development conveniences (GraphiQL, error details, /demo) and demo tokens', () => {
    const conveniences = (env: Record<string, string>) => {
      const { environment, developmentConveniences, demoTokens } = loadConfig(env);
      return { environment, developmentConveniences, demoTokens };
    };

    it('are on with nothing configured, and off as soon as NODE_ENV is unset but a secret, keys or a database is', () => {
      expect(conveniences({})).toEqual({ environment: 'development', developmentConveniences: true, demoTokens: true });
      const jwks = { JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' };
      const database = { MONGODB_URI: 'mongodb://db.internal:27017' };
      for (const env of [{ JWT_SECRET: SECRET }, jwks, { ...database, JWT_SECRET: SECRET }, { ...database, ...jwks }] as Record<string, string>[]) {
        expect(conveniences(env)).toEqual({ environment: 'development', developmentConveniences: false, demoTokens: false });
      }
    });

    it('are on with NODE_ENV=development, where demo tokens are never signed with JWT_SECRET unless DEMO_TOKENS=true', () => {
      expect(conveniences({ NODE_ENV: 'development', MONGODB_URI: 'mongodb://localhost:27017' })).toMatchObject({ developmentConveniences: true, demoTokens: true });
      expect(conveniences({ NODE_ENV: 'development', JWT_SECRET: SECRET })).toMatchObject({ developmentConveniences: true, demoTokens: false });
      expect(conveniences({ NODE_ENV: 'development', JWT_SECRET: SECRET, DEMO_TOKENS: 'true' })).toMatchObject({ demoTokens: true });
      expect(conveniences({ NODE_ENV: 'development', DEMO_TOKENS: 'false' })).toMatchObject({ developmentConveniences: true, demoTokens: false });
      const jwks = { JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' };
      expect(conveniences({ NODE_ENV: 'development', ...jwks })).toMatchObject({ developmentConveniences: true, demoTokens: false });
      expect(conveniences({ NODE_ENV: 'development', ...jwks, DEMO_TOKENS: 'false' })).toMatchObject({ developmentConveniences: true, demoTokens: false });
    });

    it('are off in tests and in production', () => {
      expect(conveniences({ NODE_ENV: 'test' })).toEqual({ environment: 'test', developmentConveniences: false, demoTokens: false });
      expect(conveniences({ ...PRODUCTION, JWT_SECRET: SECRET })).toEqual({ environment: 'production', developmentConveniences: false, demoTokens: false });
    });

    it('refuses DEMO_TOKENS=true without the development conveniences, and what is not true or false', () => {
      const problem = 'DEMO_TOKENS is for development only: it needs NODE_ENV=development (it lets anyone who reaches the server get an admin token)';
      expect(problemsOf({ JWT_SECRET: SECRET, DEMO_TOKENS: 'true' })).toEqual([problem]);
      expect(problemsOf({ NODE_ENV: 'test', DEMO_TOKENS: 'true' })).toEqual([problem]);
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: SECRET, DEMO_TOKENS: 'true' })).toEqual([problem]);
      expect(problemsOf({ DEMO_TOKENS: 'yes' })).toEqual(['DEMO_TOKENS must be true or false']);
    });

    it('refuses DEMO_TOKENS=true with JWT_JWKS_URL, where it could mint nothing', () => {
      const problem = 'DEMO_TOKENS cannot be true with JWT_JWKS_URL: the identity provider signs the tokens, and the server holds no key to sign demo tokens with';
      const jwks = { JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a', DEMO_TOKENS: 'true' };
      expect(problemsOf({ NODE_ENV: 'development', ...jwks })).toEqual([problem]);
      expect(problemsOf(jwks)).toEqual([problem]);
      expect(problemsOf({ ...PRODUCTION, ...jwks })).toEqual([problem]);
    });
  });

  describe('token verification', () => {
    it('verifies with JWT_SECRET, and with issuer and audience checks when they are given', () => {
      expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET }).auth).toEqual({
        kind: 'secret',
        secret: SECRET,
        developmentSecret: false,
        issuer: undefined,
        audience: undefined,
        maxLifetimeSeconds: 24 * 60 * 60,
      });
      expect(loadConfig({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'creditstream' }).auth).toMatchObject({
        issuer: 'https://id.example',
        audience: 'creditstream',
      });
    });

    it('verifies with a JWKS URL, which needs both an issuer and an audience', () => {
      const jwks = { JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json', JWT_ISSUER: 'https://id.example/', JWT_AUDIENCE: 'creditstream' };
      expect(loadConfig({ ...PRODUCTION, ...jwks }).auth).toEqual({
        kind: 'jwks',
        jwksUrl: jwks.JWT_JWKS_URL,
        issuer: jwks.JWT_ISSUER,
        audience: jwks.JWT_AUDIENCE,
        maxLifetimeSeconds: 24 * 60 * 60,
      });
      expect(problemsOf({ JWT_JWKS_URL: jwks.JWT_JWKS_URL })).toEqual([
        'JWT_ISSUER is required with JWT_JWKS_URL',
        'JWT_AUDIENCE is required with JWT_JWKS_URL',
      ]);
    });

    it('verifies with the public development secret only with nothing configured, NODE_ENV=development or NODE_ENV=test', () => {
      const developmentSecret = { kind: 'secret', secret: DEVELOPMENT_JWT_SECRET, developmentSecret: true };
      const database = { MONGODB_URI: 'mongodb://db.internal:27017' };
      expect(loadConfig({}).auth).toMatchObject(developmentSecret);
      for (const NODE_ENV of ['development', 'test']) {
        expect(loadConfig({ NODE_ENV }).auth).toMatchObject(developmentSecret);
        expect(loadConfig({ NODE_ENV, ...database }).auth).toMatchObject(developmentSecret);
        expect(loadConfig({ NODE_ENV, ...database, JWT_SECRET: DEVELOPMENT_JWT_SECRET }).auth).toMatchObject({ secret: DEVELOPMENT_JWT_SECRET });
      }
    });

    it('refuses NODE_ENV unset with MONGODB_URI and no JWT_SECRET or JWT_JWKS_URL: the public development secret against a real database', () => {
      const database = { MONGODB_URI: 'mongodb://db.internal:27017' };
      expect(problemsOf(database)).toEqual([
        'JWT_SECRET or JWT_JWKS_URL is required with MONGODB_URI unless NODE_ENV=development or test: tokens would otherwise be verified with the public development secret, with which anyone can sign an admin token for that database',
      ]);
      // Nor may it be given by hand, there or anywhere else outside development and tests.
      expect(problemsOf({ ...database, JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toEqual([
        'JWT_SECRET is the public development secret, which is refused unless NODE_ENV=development or test',
      ]);
      expect(problemsOf({ JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toEqual([
        'JWT_SECRET is the public development secret, which is refused unless NODE_ENV=development or test',
      ]);
      expect(loadConfig({ ...database, JWT_SECRET: SECRET }).auth).toMatchObject({ secret: SECRET, developmentSecret: false });
    });

    it('requires a way of verifying tokens in production, and refuses the development secret and plain-http keys there', () => {
      expect(problemsOf(PRODUCTION)).toEqual(['JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production']);
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toEqual([
        'JWT_SECRET is the public development secret, which is refused when NODE_ENV=production',
      ]);
      const plainHttp = { JWT_JWKS_URL: 'http://id.example/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' };
      expect(problemsOf({ ...PRODUCTION, ...plainHttp })).toEqual(['JWT_JWKS_URL must use https:// when NODE_ENV=production']);
      expect(loadConfig(plainHttp).auth.kind).toBe('jwks');
    });

    it('bounds the lifetime of tokens by JWT_MAX_TTL_SECONDS, a day unless set, at most 366 days', () => {
      expect(loadConfig({}).auth.maxLifetimeSeconds).toBe(86_400);
      expect(loadConfig({ JWT_MAX_TTL_SECONDS: '3600' }).auth.maxLifetimeSeconds).toBe(3600);
      const jwks = { JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a', JWT_MAX_TTL_SECONDS: '900' };
      expect(loadConfig(jwks).auth.maxLifetimeSeconds).toBe(900);
      for (const value of ['0', '-1', '1.5', 'a day', '1e20', String(366 * 86_400 + 1)]) {
        expect(problemsOf({ JWT_MAX_TTL_SECONDS: value })).toEqual(['JWT_MAX_TTL_SECONDS must be a whole number of seconds from 1 to 31622400 (366 days)']);
      }
    });

    it('refuses a short secret or two ways at once, alongside the other problems and without echoing the secret', () => {
      const problems = problemsOf({ PORT: 'eighty', JWT_SECRET: 'hunter2', JWT_JWKS_URL: 'not a url' });
      expect(problems).toEqual([
        'PORT must be a number',
        'JWT_SECRET must be at least 32 characters (HS256 wants a 256-bit key)',
        'JWT_JWKS_URL must be the http(s):// URL of a JSON Web Key Set',
        'JWT_SECRET and JWT_JWKS_URL are both set: choose one way of verifying tokens',
        'JWT_ISSUER is required with JWT_JWKS_URL',
        'JWT_AUDIENCE is required with JWT_JWKS_URL',
      ]);
      expect(problems.join('\n')).not.toContain('hunter2');
    });
  });

  describe('catalogs and the default plan', () => {
    it('starts new accounts on DEFAULT_PLAN, which must be a plan of the catalog', () => {
      expect(loadConfig({ DEFAULT_PLAN: 'reelbot.free' }).defaultPlan).toBe('reelbot.free');
      expect(problemsOf({ DEFAULT_PLAN: 'gold' })).toEqual([
        `DEFAULT_PLAN must name a plan of the catalog (${Object.keys(DEFAULT_PLAN_CATALOG.plans).join(', ')})`,
      ]);
    });

    it('serves the catalogs it is given', () => {
      const day = { allowance: 10, period: 'DAY' };
      const plans = parsePlanCatalog({ plans: { free: { name: 'Free', tier: 0, meters: { AI_CREDITS: day, VIDEO_GENERATIONS: day } } } });
      const config = loadConfig({ DEFAULT_PLAN: 'free' }, { plans, pricing: DEFAULT_PRICING_CATALOG });
      expect(config.catalogs.plans).toBe(plans);
      expect(config.defaultPlan).toBe('free');
    });
  });
});
