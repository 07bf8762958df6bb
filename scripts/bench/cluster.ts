/**
 * Everything a workload runs against: the standalone embedded database, the server processes
 * under test (`--instances`, on one database, with Redis between them when there are several), a
 * probe server that monitors the driver's commands, and the load generators (autocannon, our
 * WebSocket clients), each in its own process. Also tokens, ids and a GraphQL helper.
 */
import { randomBytes } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { signToken, type TokenClaims } from '../../src/auth/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { HttpLoadApi } from './http-load.js';
import { startChild, startDatabase, type Child, type Database } from './children.js';
import type { ServerApi, ServerReady } from './server.js';
import type { WsClientsApi } from './ws-clients.js';
import { inParallel, sleep } from './measure.js';

export type BenchOptions = {
  readonly quick: boolean;
  readonly instances: number;
  readonly redisUrl: string;
  /** Where servers write `--cpu-prof` profiles, if anywhere. */
  readonly profileDir: string | undefined;
};

export type Server = Child<ServerApi, ServerReady>;
export type WsClients = Child<WsClientsApi>;
export type HttpLoad = Child<HttpLoadApi>;

/** The environment variables the server reads (src/config.ts); the benchmark sets its own. */
const CONFIG_VARIABLES = [
  'NODE_ENV', 'HOST', 'PORT', 'MONGODB_URI', 'MONGODB_DB_NAME', 'LOG_LEVEL', 'REDIS_URL', 'JWT_SECRET', 'JWT_JWKS_URL', 'JWT_ISSUER',
  'JWT_AUDIENCE', 'JWT_MAX_TTL_SECONDS', 'DEMO_TOKENS', 'DEFAULT_PLAN', 'SIMULATED_PROVIDER_LATENCY_MS', 'SIMULATED_PROVIDER_FAILURES',
];

export class Cluster {
  /** Names in this run are prefixed with it, so that runs sharing a Redis never hear each other. */
  readonly runId = randomBytes(3).toString('hex');
  readonly config: Config;
  private readonly env: NodeJS.ProcessEnv;
  private clientPool: WsClients[] = [];
  private loadGenerator: HttpLoad | undefined;
  private probeServer: Server | undefined;

  private constructor(
    readonly options: BenchOptions,
    readonly database: Database,
    env: NodeJS.ProcessEnv,
    private readonly serverList: Server[],
  ) {
    this.env = env;
    this.config = loadConfig(env);
  }

  /** The database, then the servers and the helper processes asked for, all at once. */
  static async start(options: BenchOptions, helpers: { probe: boolean; clients: number }): Promise<Cluster> {
    const database = await startDatabase();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of CONFIG_VARIABLES) delete env[name];
    Object.assign(env, {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      MONGODB_URI: database.uri,
      MONGODB_DB_NAME: 'creditstream_bench',
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(32).toString('hex'),
      // 5,000 AI credits a month: enough for every account the benchmark debits without a grant.
      DEFAULT_PLAN: 'rheos.business',
      ...(options.instances > 1 ? { REDIS_URL: options.redisUrl } : {}),
    });
    const [servers, probe, clients, load] = await Promise.all([
      Promise.all(Array.from({ length: options.instances }, (_, index) => Cluster.startServer(`server ${index + 1}`, env, options))),
      helpers.probe ? Cluster.startProbe(env) : undefined,
      Promise.all(Array.from({ length: helpers.clients }, (_, index) => startChild<WsClientsApi>(`ws client ${index + 1}`, 'ws-clients.ts'))),
      startChild<HttpLoadApi>('autocannon', 'http-load.ts'),
    ]);
    const cluster = new Cluster(options, database, env, servers);
    cluster.probeServer = probe;
    cluster.clientPool = clients;
    cluster.loadGenerator = load;
    return cluster;
  }

  private static startServer(name: string, env: NodeJS.ProcessEnv, options: BenchOptions): Promise<Server> {
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    return startChild<ServerApi, ServerReady>(name, 'server.ts', { env, nodeFlags: ['--expose-gc', ...profile] });
  }

  private static startProbe(env: NodeJS.ProcessEnv): Promise<Server> {
    const uri = env.MONGODB_URI!;
    const monitored = { ...env, MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` };
    return startChild<ServerApi, ServerReady>('probe server', 'server.ts', { env: monitored, nodeFlags: ['--expose-gc'] });
  }

  /** A server like the others, whose driver reports every command it sends (counted on request). */
  async probe(): Promise<Server> {
    this.probeServer ??= await Cluster.startProbe(this.env);
    return this.probeServer;
  }

  async stopProbe(): Promise<void> {
    await this.probeServer?.stop();
    this.probeServer = undefined;
  }

  /** `count` WebSocket client processes (started on first use, reused afterwards). */
  async clients(count: number): Promise<readonly WsClients[]> {
    while (this.clientPool.length < count) {
      this.clientPool.push(await startChild<WsClientsApi>(`ws client ${this.clientPool.length + 1}`, 'ws-clients.ts'));
    }
    return this.clientPool.slice(0, count);
  }

  async load(): Promise<HttpLoad> {
    this.loadGenerator ??= await startChild<HttpLoadApi>('autocannon', 'http-load.ts');
    return this.loadGenerator;
  }

  get servers(): readonly Server[] {
    return this.serverList;
  }

  /**
   * Kills server `index` with SIGKILL, as a crash would (no shutdown: what it had in flight stays
   * as it was, pending entries included), leaves it down for `downMs` and starts a new one in its
   * place on the same database, on a new port.
   */
  async crashAndRestart(index: number, downMs: number): Promise<Server> {
    const crashed = this.serverList[index]!;
    const exited = new Promise<void>((resolve) => crashed.process.once('exit', () => resolve()));
    crashed.process.kill('SIGKILL');
    await exited;
    await sleep(downMs);
    const restarted = await Cluster.startServer(`${crashed.name} (restarted)`, this.env, this.options);
    this.serverList[index] = restarted;
    return restarted;
  }

  /** The server the i-th socket, debit or request goes to: spread evenly over the instances. */
  server(index: number): Server {
    return this.servers[index % this.servers.length]!;
  }

  get graphqlUrls(): string[] {
    return this.servers.map((server) => server.ready.graphqlUrl);
  }

  name(what: string): string {
    return `b${this.runId}-${what}`;
  }

  token(claims: TokenClaims): Promise<string> {
    return signToken(this.config.auth, claims, '2h');
  }

  serviceToken(): Promise<string> {
    return this.token({ sub: 'svc:bench', role: 'service' });
  }

  static globalId(accountId: string): string {
    return encodeGlobalID('Account', accountId);
  }

  /** One GraphQL request; throws on an HTTP failure or GraphQL errors. */
  async graphql<T = Record<string, unknown>>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (!response.ok || body.errors !== undefined || body.data === undefined) {
      throw new Error(`GraphQL request failed: ${response.status} ${JSON.stringify(body).slice(0, 500)}`);
    }
    return body.data;
  }

  /** A user's first request opens its account (and its organization's pool, with it as a member). */
  async provision(tokens: readonly string[], urls: readonly string[] = this.graphqlUrls): Promise<void> {
    await inParallel(tokens.length, 16, async (index) => {
      await this.graphql(urls[index % urls.length]!, tokens[index]!, '{ viewer { id } }');
    });
  }

  /** Asks every server to open the accounts (plain user accounts, the default plan), spread over them. */
  async openAccounts(ids: readonly string[]): Promise<void> {
    await Promise.all(
      this.servers.map((server, index) =>
        server.call('openAccounts', { ids: ids.filter((_, position) => position % this.servers.length === index), concurrency: 32 }),
      ),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clientPool.map((client) => client.stop()), this.loadGenerator?.stop(), this.probeServer?.stop()]);
    await Promise.all(this.servers.map((server) => server.stop()));
    await this.database.stop();
  }
}
