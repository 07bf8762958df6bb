import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

// What the server prints on purpose, for the person who started it: stdout its addresses, stderr
// why it cannot start. Everything else is the log, JSON lines on stderr.
const print = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string) => process.stderr.write(`${line}\n`);

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
const app = createApp(config, { logger });
const { url, graphqlUrl, database } = await app.start().catch((error: unknown) => {
  // An operator's mistake, not a crash: one line saying what to change rather than a stack trace.
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
  const { host, port } = config.http;
  fail(`creditstream cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'} (set PORT or HOST to another one)`);
  process.exit(1);
});
print(`creditstream listening on ${url} (health: ${url}/health, readiness: ${url}/ready)`);
if (config.developmentConveniences) print(`live usage card (demo): ${url}/demo`);
else if (config.environment === 'development') {
  print('NODE_ENV is unset and the server is configured: GraphiQL, error details and /demo are off (set NODE_ENV=development for them)');
}
print(`GraphQL: ${graphqlUrl}${config.developmentConveniences ? ' (open it in a browser for GraphiQL; `npm run -s token -- --sub u1` prints a token)' : ''}`);
print(`database: ${database.embedded ? 'embedded in-memory MongoDB (development only)' : 'MongoDB at MONGODB_URI'}`);

// Stopping is graceful (see App.stop): in-flight requests are answered and the ledger's last writes
// settle before exit 0. Only the first signal is caught: a second one ends the process at once.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
function shutDown(signal: NodeJS.Signals): void {
  for (const caught of SIGNALS) process.removeListener(caught, shutDown);
  print(`creditstream: ${signal} received, shutting down`);
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'creditstream: stopping failed');
      process.exit(1);
    },
  );
}
for (const signal of SIGNALS) process.on(signal, shutDown);
