import { z } from 'zod';
import { DEFAULT_LEDGER_SETTINGS, DEFAULT_PLAN_CATALOG, DEFAULT_PRICING_CATALOG, findPlan, plainProblem, type PlanCatalog, type PricingCatalog } from './ledger/index.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './webhooks/retry-schedule.js';

/**
 * Signs and verifies development tokens when no JWT setting is given, so that `npm start` and
 * `npm run token` work out of the box. It is public (it is in the source), so anyone can sign an
 * admin token with it: it is used and accepted only in a development or test setup (`developmentOrTest`).
 */
export const DEVELOPMENT_JWT_SECRET = 'creditstream-development-only-jwt-secret-not-for-production';

const MIN_SECRET_LENGTH = 32;

/** The longest lifetime an access token may have left by default: a day (an identity provider's usual access token lives one hour). */
const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
/** The most `JWT_MAX_TTL_SECONDS` may say: 366 days, so that every expiry accepted is a valid `Date`. */
const MAX_TOKEN_LIFETIME_SECONDS = 366 * 24 * 60 * 60;
const MAX_TTL_PROBLEM = `must be a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_SECONDS} (366 days)`;

const booleanVariable = z.enum(['true', 'false'], { error: 'must be true or false' });

/** A whole number from `min` to `max`, `fallback` when unset; one problem says the range. */
const wholeNumber = (min: number, max: number, fallback: number) => {
  const problem = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: problem }).int({ error: problem, abort: true }).min(min, { error: problem }).max(max, { error: problem }).default(fallback);
};

/**
 * The most GRAPHQL_MAX_TOKENS may say: the parser recurses once per level of nesting, and a
 * document of 10,000 tokens can nest deep enough (3,000 levels) to overflow its stack.
 */
const MAX_GRAPHQL_TOKENS = 5_000;

/** The most `LEDGER_HOLD_TTL_SECONDS` may say: a day. */
const MAX_HOLD_TTL_SECONDS = 86_400;
const HOLD_TTL_PROBLEM = `must be a whole number of seconds from 1 to ${MAX_HOLD_TTL_SECONDS}`;

/** The shortest `METRICS_TOKEN`: long enough that guessing it over HTTP is hopeless. */
const MIN_METRICS_TOKEN_LENGTH = 16;

/** The spending requests a member may send a minute by default: ten a second, far above a person's pace, well below a runaway script's. */
const DEFAULT_SPEND_REQUESTS_PER_MINUTE = 600;

/** The variables that say which setup this is. */
type SetupVariables = Partial<Record<'NODE_ENV' | 'JWT_SECRET' | 'JWT_JWKS_URL' | 'MONGODB_URI', string>>;

/**
 * Whether the development conveniences are on: GraphiQL and yoga's landing page, the details of
 * unexpected errors in responses, the `/demo` page and `GET /demo/token`. Only when asked for with
 * NODE_ENV=development, or for the zero-configuration setup (`npm start` with nothing set): a
 * deployment that sets a secret or a database but forgets NODE_ENV gets none of them.
 * NODE_ENV=test and production never do.
 */
function developmentConveniences(env: SetupVariables): boolean {
  if (env.NODE_ENV !== undefined) return env.NODE_ENV === 'development';
  return env.JWT_SECRET === undefined && env.JWT_JWKS_URL === undefined && env.MONGODB_URI === undefined;
}

/**
 * Whether this is a development or test setup, the only one in which tokens may be verified with
 * the public development secret and a request may make the simulated provider fail: where the
 * development conveniences are on, and with NODE_ENV=test (the tests sign their own tokens, on the
 * embedded database or on the MongoDB of MONGODB_URI). A deployment that sets MONGODB_URI but
 * forgets NODE_ENV is neither: anyone could sign an admin token for its data.
 */
function developmentOrTest(env: SetupVariables): boolean {
  return developmentConveniences(env) || env.NODE_ENV === 'test';
}

/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * Every problem is reported at once, so an operator fixes a broken deployment in one go.
 */
const environmentSchema = (plans: PlanCatalog) =>
  z
    .object({
      // No default here: whether NODE_ENV was set decides the development conveniences.
      NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
      HOST: z.string().min(1).default('127.0.0.1'),
      PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
      // A client has this long to send its request; a larger body is refused (HTTP 413) unread.
      HTTP_REQUEST_TIMEOUT_MS: wholeNumber(100, 600_000, 10_000),
      HTTP_HEADERS_TIMEOUT_MS: wholeNumber(100, 600_000, 10_000),
      MAX_BODY_BYTES: wholeNumber(1024, 10 * 1024 * 1024, 100 * 1024),
      // What one operation may ask (src/graphql/limits.ts). The defaults hold the dashboard's and
      // the studio's operations (depth 8, cost 20,005 with two pages of 100, 5 aliases, 222 tokens).
      GRAPHQL_MAX_DEPTH: wholeNumber(1, 100, 12),
      GRAPHQL_MAX_ALIASES: wholeNumber(0, 1_000, 15),
      GRAPHQL_MAX_DIRECTIVES: wholeNumber(0, 1_000, 50),
      GRAPHQL_MAX_TOKENS: wholeNumber(1, MAX_GRAPHQL_TOKENS, 1_000),
      GRAPHQL_MAX_COST: wholeNumber(1, 10_000_000, 50_000),
      GRAPHQL_INTROSPECTION: booleanVariable.optional(),
      MONGODB_URI: z
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string')
        .optional(),
      MONGODB_DB_NAME: z.string().min(1).default('creditstream'),
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: wholeNumber(1, 600_000, 2_000),
      MONGODB_CONNECT_TIMEOUT_MS: wholeNumber(1, 600_000, 2_000),
      MONGODB_SOCKET_TIMEOUT_MS: wholeNumber(1, 600_000, 5_000),
      LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
      // Unset, /metrics answers loopback clients only (see src/metrics/metrics-endpoint.ts).
      METRICS_TOKEN: z
        .string()
        .min(MIN_METRICS_TOKEN_LENGTH, `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`)
        .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a bearer token)')
        .optional(),
      REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
      JWT_SECRET: z
        .string()
        .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (HS256 wants a 256-bit key)`)
        .optional(),
      JWT_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s):// URL of a JSON Web Key Set' }).optional(),
      JWT_ISSUER: z.string().min(1).optional(),
      JWT_AUDIENCE: z.string().min(1).optional(),
      JWT_MAX_TTL_SECONDS: z.coerce
        .number({ error: MAX_TTL_PROBLEM })
        .int({ error: MAX_TTL_PROBLEM, abort: true })
        .min(1, { error: MAX_TTL_PROBLEM })
        .max(MAX_TOKEN_LIFETIME_SECONDS, { error: MAX_TTL_PROBLEM })
        .default(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
      DEMO_TOKENS: booleanVariable.optional(),
      RATE_LIMIT_SPEND_PER_MINUTE: wholeNumber(0, 1_000_000, DEFAULT_SPEND_REQUESTS_PER_MINUTE),
      RATE_LIMIT_SERVICES: z.enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' }).default('false'),
      SIMULATED_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
      SIMULATED_PROVIDER_FAILURES: booleanVariable.default('false'),
      // Unset: the ledger's 15 minutes. For tests that watch holds expire (development and tests only).
      LEDGER_HOLD_TTL_SECONDS: z.coerce
        .number({ error: HOLD_TTL_PROBLEM })
        .int({ error: HOLD_TTL_PROBLEM, abort: true })
        .min(1, { error: HOLD_TTL_PROBLEM })
        .max(MAX_HOLD_TTL_SECONDS, { error: HOLD_TTL_PROBLEM })
        .optional(),
      DEFAULT_PLAN: z
        .string()
        .min(1)
        .default('rheos.free')
        .refine((planId) => findPlan(plans, planId) !== undefined, {
          error: `must name a plan of the catalog (${Object.keys(plans.plans).join(', ')})`,
        }),
      // One token once opened 40,000 subscriptions (1.85 GB): what a principal holds is capped.
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: wholeNumber(1, 10_000, 100),
      WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL: wholeNumber(1, 1_000_000, 500),
      WS_MAX_SOCKETS_PER_PRINCIPAL: wholeNumber(1, 100_000, 50),
      WS_MESSAGES_PER_SECOND: wholeNumber(1, 100_000, 20),
      // Unset: private destinations are allowed except with NODE_ENV=production.
      WEBHOOK_ALLOW_PRIVATE: booleanVariable.optional(),
      // Bounds for webhook delivery (the next slice of issue 15; registration does not use them).
      WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000, 10_000),
      WEBHOOK_MAX_RESPONSE_BYTES: wholeNumber(0, 1024 * 1024, 64 * 1024),
      WEBHOOK_MAX_REDIRECTS: wholeNumber(0, 10, 0),
      // The delays between a failed delivery's attempts (src/webhooks/retry-schedule.ts).
      WEBHOOK_RETRY_SCHEDULE: z
        .string()
        .default(DEFAULT_RETRY_SCHEDULE)
        .transform((text, ctx) => {
          const parsed = parseRetrySchedule(text);
          if (parsed.ok) return parsed.delaysMs;
          ctx.addIssue({ code: 'custom', message: parsed.problem });
          return z.NEVER;
        }),
      // A delivering process holds an (endpoint, account) stream this long between renewals: longer than an attempt takes.
      WEBHOOK_LEASE_MS: wholeNumber(1000, 600_000, 30_000),
      // How often each process looks at the outbox for what other processes recorded and for retries due.
      WEBHOOK_POLL_MS: wholeNumber(50, 60_000, 1000),
      WEBHOOK_CONCURRENCY: wholeNumber(1, 100, 4),
    })
    .superRefine(
      (env, ctx) => {
        const production = env.NODE_ENV === 'production';
        const developmentSetup = developmentOrTest(env);
        const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
        if (production && !env.MONGODB_URI) {
          problem('MONGODB_URI', 'is required when NODE_ENV=production: the embedded database is for development and tests only');
        }
        if (env.WEBHOOK_LEASE_MS <= env.WEBHOOK_TIMEOUT_MS) {
          problem('WEBHOOK_LEASE_MS', 'must be longer than WEBHOOK_TIMEOUT_MS: a lease that ends during an attempt lets a second process send the event again');
        }
        if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
          problem('HTTP_HEADERS_TIMEOUT_MS', 'must not be longer than HTTP_REQUEST_TIMEOUT_MS: the headers are part of the request');
        }
        if (env.JWT_SECRET && env.JWT_JWKS_URL) {
          problem('JWT_SECRET', 'and JWT_JWKS_URL are both set: choose one way of verifying tokens');
        }
        // Without JWT_SECRET or JWT_JWKS_URL tokens are verified with the public development secret.
        // With NODE_ENV unset that leaves MONGODB_URI as what made this no development setup (an
        // invalid NODE_ENV is reported already).
        if (!env.JWT_SECRET && !env.JWT_JWKS_URL && !developmentSetup) {
          if (production) problem('JWT_SECRET', 'or JWT_JWKS_URL is required when NODE_ENV=production');
          else if (env.NODE_ENV === undefined) {
            problem(
              'JWT_SECRET',
              'or JWT_JWKS_URL is required with MONGODB_URI unless NODE_ENV=development or test: tokens would otherwise be verified with the public development secret, with which anyone can sign an admin token for that database',
            );
          }
        }
        if (env.JWT_SECRET === DEVELOPMENT_JWT_SECRET && !developmentSetup) {
          problem('JWT_SECRET', `is the public development secret, which is refused ${production ? 'when NODE_ENV=production' : 'unless NODE_ENV=development or test'}`);
        }
        if (env.DEMO_TOKENS === 'true' && env.JWT_JWKS_URL) {
          problem('DEMO_TOKENS', 'cannot be true with JWT_JWKS_URL: the identity provider signs the tokens, and the server holds no key to sign demo tokens with');
        } else if (env.DEMO_TOKENS === 'true' && !developmentConveniences(env)) {
          problem('DEMO_TOKENS', 'is for development only: it needs NODE_ENV=development (it lets anyone who reaches the server get an admin token)');
        }
        if (env.SIMULATED_PROVIDER_FAILURES === 'true' && !developmentSetup) {
          problem('SIMULATED_PROVIDER_FAILURES', 'is for development and tests only (NODE_ENV=development or test): it lets any request make a generation fail');
        }
        if (env.LEDGER_HOLD_TTL_SECONDS !== undefined && !developmentSetup) {
          problem('LEDGER_HOLD_TTL_SECONDS', 'is for development and tests only (NODE_ENV=development or test): a deployment keeps the ledger\'s hold lifetime of 15 minutes');
        }
        if (production && env.JWT_JWKS_URL?.startsWith('http:')) {
          problem('JWT_JWKS_URL', 'must use https:// when NODE_ENV=production');
        }
        if (env.JWT_JWKS_URL) {
          // An identity provider's keys sign tokens for all of its clients: without both checks,
          // a token issued for another application would be accepted here.
          if (!env.JWT_ISSUER) problem('JWT_ISSUER', 'is required with JWT_JWKS_URL');
          if (!env.JWT_AUDIENCE) problem('JWT_AUDIENCE', 'is required with JWT_JWKS_URL');
        }
      },
      // Also when a variable is invalid, so that every problem is reported at once.
      { when: () => true },
    );

/** How bearer tokens are verified: a shared HS256 secret, or the public keys of an identity provider. */
export type AuthConfig = (
  | {
      readonly kind: 'secret';
      readonly secret: string;
      /** True when no JWT setting was given and the public development secret is in use (development and tests only). */
      readonly developmentSecret: boolean;
      readonly issuer: string | undefined;
      readonly audience: string | undefined;
    }
  | { readonly kind: 'jwks'; readonly jwksUrl: string; readonly issuer: string; readonly audience: string }
) & {
  /** How far from now a token's `exp` may be (`JWT_MAX_TTL_SECONDS`): a token that expires later is refused. */
  readonly maxLifetimeSeconds: number;
};

/** What one GraphQL operation may ask, over HTTP and WebSocket alike, and what the schema tells of itself. */
export type GraphQLLimits = {
  /** GRAPHQL_INTROSPECTION; unset, on with the development conveniences only. Off, field suggestions ("Did you mean …") are hidden too. */
  readonly introspection: boolean;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  /** graphql-armor's estimate: objects 2, scalars 1, ×1.5 a level, × a literal `first` or `last`. */
  readonly maxCost: number;
};

/** What one WebSocket, and one principal (a user or a service) over its sockets in this process, may hold open and send. */
export type WebSocketCaps = {
  /** Operations open on one socket (subscriptions, and queries or mutations still running). */
  readonly maxSubscriptionsPerSocket: number;
  /** Operations open over all the sockets of one principal. */
  readonly maxSubscriptionsPerPrincipal: number;
  /** Sockets one principal may have open. */
  readonly maxSocketsPerPrincipal: number;
  /** Messages a socket may send per second, over windows of 10 seconds. */
  readonly messagesPerSecond: number;
};

export type Config = {
  /** `NODE_ENV`, `development` when it is unset. What the server offers beyond the API follows `developmentConveniences`. */
  readonly environment: 'development' | 'test' | 'production';
  /**
   * GraphiQL, yoga's landing page, the details of unexpected errors (over HTTP and WebSocket) and
   * the `/demo` page: on with NODE_ENV=development, or with nothing configured at all (no NODE_ENV,
   * JWT_SECRET, JWT_JWKS_URL or MONGODB_URI); off otherwise, production and tests included.
   */
  readonly developmentConveniences: boolean;
  /**
   * Whether `GET /demo/token` mints an admin token of the demo organization. Only with the
   * development conveniences; then, with DEMO_TOKENS unset, only when tokens are signed with the
   * public development secret (never with a configured JWT_SECRET); `true` signs with JWT_SECRET
   * too, `false` never mints. Never with JWT_JWKS_URL (where `true` is refused): the server holds no key to sign with.
   */
  readonly demoTokens: boolean;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** How long a client has to send a whole request, and its headers: a slow one is answered 408 and closed. */
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    /** A request body larger than this is refused with HTTP 413, whether it says its length or is chunked. */
    readonly maxBodyBytes: number;
  };
  readonly graphql: GraphQLLimits;
  readonly database: {
    /** `undefined` selects the embedded, in-memory database (development and tests only). */
    readonly uri: string | undefined;
    readonly name: string;
    /**
     * What bounds every database command: how long to wait for a server to send it to when none
     * answers (down: connection refused fails at once), for a connection to open, and for an answer
     * on a socket before giving the command up (a stopped or partitioned database).
     */
    readonly timeouts: { readonly serverSelectionMs: number; readonly connectMs: number; readonly socketMs: number };
  };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Who may read `/metrics`: with `token` (METRICS_TOKEN), whoever sends it as a bearer token;
   * without, only clients on the loopback interface whose request no proxy forwarded.
   */
  readonly metrics: { readonly token: string | undefined };
  /**
   * Where live usage events travel between server processes: Redis pub/sub at `redisUrl`, or,
   * when it is unset, within this process only (one server process).
   */
  readonly realtime: { readonly redisUrl: string | undefined };
  readonly auth: AuthConfig;
  /**
   * How many spending requests (`consumeCredits`, `reserveCredits`, `generate`) one member may send
   * a minute, counted per token subject within its organization, in Redis across processes when
   * `realtime.redisUrl` is set; 0 is no limit. Service tokens are counted only when `services` is set.
   */
  readonly spendLimit: { readonly perMinute: number; readonly services: boolean };
  /** The plan a user or organization seen for the first time starts on; a plan of `catalogs.plans`. */
  readonly defaultPlan: string;
  /**
   * The simulated generation provider behind `generate`: how long each generation takes, and
   * whether a request's input may ask it to fail (`{ "simulateFailure": "BEFORE_WORK" |
   * "AFTER_PROVIDER_WORK" }`; development and tests only).
   */
  readonly simulatedProvider: { readonly latencyMs: number; readonly failureInjection: boolean };
  /**
   * How long a reservation (a hold) lives before it is released by itself when neither committed
   * nor released: the ledger's 15 minutes, or `LEDGER_HOLD_TTL_SECONDS` (development and tests
   * only, for tests that watch holds expire).
   */
  readonly ledger: { readonly holdTtlMs: number };
  /** `WS_MAX_SUBSCRIPTIONS_PER_SOCKET`, `WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL`, `WS_MAX_SOCKETS_PER_PRINCIPAL`, `WS_MESSAGES_PER_SECOND`. */
  readonly websocket: WebSocketCaps;
  /**
   * Webhook endpoints: `allowPrivate` (WEBHOOK_ALLOW_PRIVATE; unset, true in development and test only)
   * lets them point at loopback, private and link-local addresses. The next three bound delivery:
   * how long a request may take, how much of a response is read, how many redirects are followed.
   * `retrySchedule` (WEBHOOK_RETRY_SCHEDULE) is the delay in milliseconds before each retry of a failed delivery.
   * `leaseMs`, `pollMs` and `concurrency` pace the delivery worker (src/webhooks/delivery-worker.ts).
   */
  readonly webhooks: {
    readonly allowPrivate: boolean;
    readonly timeoutMs: number;
    readonly maxResponseBytes: number;
    readonly maxRedirects: number;
    readonly retrySchedule: readonly number[];
    readonly leaseMs: number;
    readonly pollMs: number;
    readonly concurrency: number;
  };
  /** The plans and prices the API serves; the ledger's defaults unless a caller passes others. */
  readonly catalogs: { readonly plans: PlanCatalog; readonly pricing: PricingCatalog };
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(
  env: Record<string, string | undefined>,
  catalogs: Config['catalogs'] = { plans: DEFAULT_PLAN_CATALOG, pricing: DEFAULT_PRICING_CATALOG },
): Config {
  // An empty variable means "unset": `MONGODB_URI= npm start` must pick the embedded database.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  // zod's own words ("Invalid input: expected number, received NaN") are put as ours, naming the bound.
  const parsed = environmentSchema(catalogs.plans).safeParse(present, { error: plainProblem });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`),
    );
  }
  const values = parsed.data;
  const conveniences = developmentConveniences(values);
  const maxLifetimeSeconds = values.JWT_MAX_TTL_SECONDS;
  return {
    environment: values.NODE_ENV ?? 'development',
    developmentConveniences: conveniences,
    demoTokens:
      conveniences && !values.JWT_JWKS_URL && (values.DEMO_TOKENS === 'true' || (values.DEMO_TOKENS === undefined && values.JWT_SECRET === undefined)),
    http: {
      host: values.HOST,
      port: values.PORT,
      requestTimeoutMs: values.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: values.HTTP_HEADERS_TIMEOUT_MS,
      maxBodyBytes: values.MAX_BODY_BYTES,
    },
    graphql: {
      introspection: values.GRAPHQL_INTROSPECTION === undefined ? conveniences : values.GRAPHQL_INTROSPECTION === 'true',
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxDirectives: values.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      maxCost: values.GRAPHQL_MAX_COST,
    },
    database: {
      uri: values.MONGODB_URI,
      name: values.MONGODB_DB_NAME,
      timeouts: {
        serverSelectionMs: values.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
        connectMs: values.MONGODB_CONNECT_TIMEOUT_MS,
        socketMs: values.MONGODB_SOCKET_TIMEOUT_MS,
      },
    },
    logLevel: values.LOG_LEVEL,
    metrics: { token: values.METRICS_TOKEN },
    realtime: { redisUrl: values.REDIS_URL },
    auth: values.JWT_JWKS_URL
      ? { kind: 'jwks', jwksUrl: values.JWT_JWKS_URL, issuer: values.JWT_ISSUER!, audience: values.JWT_AUDIENCE!, maxLifetimeSeconds }
      : {
          kind: 'secret',
          secret: values.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
          developmentSecret: values.JWT_SECRET === undefined,
          issuer: values.JWT_ISSUER,
          audience: values.JWT_AUDIENCE,
          maxLifetimeSeconds,
        },
    spendLimit: { perMinute: values.RATE_LIMIT_SPEND_PER_MINUTE, services: values.RATE_LIMIT_SERVICES === 'true' || values.RATE_LIMIT_SERVICES === '1' },
    defaultPlan: values.DEFAULT_PLAN,
    simulatedProvider: { latencyMs: values.SIMULATED_PROVIDER_LATENCY_MS, failureInjection: values.SIMULATED_PROVIDER_FAILURES === 'true' },
    ledger: { holdTtlMs: values.LEDGER_HOLD_TTL_SECONDS === undefined ? DEFAULT_LEDGER_SETTINGS.holdTtlMs : values.LEDGER_HOLD_TTL_SECONDS * 1000 },
    websocket: {
      maxSubscriptionsPerSocket: values.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSubscriptionsPerPrincipal: values.WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL,
      maxSocketsPerPrincipal: values.WS_MAX_SOCKETS_PER_PRINCIPAL,
      messagesPerSecond: values.WS_MESSAGES_PER_SECOND,
    },
    webhooks: {
      // Unset, only development and test reach private addresses: a deployment that forgot NODE_ENV is neither.
      allowPrivate: values.WEBHOOK_ALLOW_PRIVATE === undefined ? developmentOrTest(values) : values.WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: values.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: values.WEBHOOK_MAX_RESPONSE_BYTES,
      maxRedirects: values.WEBHOOK_MAX_REDIRECTS,
      retrySchedule: values.WEBHOOK_RETRY_SCHEDULE,
      leaseMs: values.WEBHOOK_LEASE_MS,
      pollMs: values.WEBHOOK_POLL_MS,
      concurrency: values.WEBHOOK_CONCURRENCY,
    },
    catalogs,
  };
}
