/**
 * Runs the embedded MongoDB-compatible server for local development:
 *   npm run db:embedded -- --port 27017 [--host 127.0.0.1]
 * Prints the connection string on stdout (one line, so scripts can read it) and runs until
 * SIGINT/SIGTERM. Data lives in memory only and is gone when the process stops.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from '../src/embedded-mongo/index.js';

const USAGE = 'usage: npm run db:embedded -- [--port N] [--host HOST]   (port 0 picks a free port)';

function parseOptions(argv: string[]): { host: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const rawPort = values.port ?? '27017';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535, got '${rawPort}'`);
  }
  return { host: values.host ?? '127.0.0.1', port };
}

async function main(): Promise<void> {
  let options: { host: string; port: number };
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`db:embedded: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  const server = await startEmbeddedMongo(options).catch((error: unknown) => {
    console.error(`db:embedded: cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  console.error('db:embedded: in-memory MongoDB-compatible database for development and tests only; data is lost on exit');
  console.log(server.uri);
  const stop = (): void => {
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('db:embedded: failed to stop cleanly', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
