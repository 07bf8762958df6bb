/**
 * Prints a signed access token for development:
 *   npm run -s token -- --sub u1 [--org o1] [--role member|admin|service] [--ttl 1h]
 * Signs with the configured JWT_SECRET (the development secret when none is set), adding
 * JWT_ISSUER and JWT_AUDIENCE when they are set, so the server started with the same
 * environment accepts it. Prints the token alone on stdout.
 */
import { parseArgs } from 'node:util';
import { ROLES, signToken, type Role } from '../src/auth/index.js';
import { ConfigError, loadConfig } from '../src/config.js';

const USAGE = `usage: npm run -s token -- --sub USER [--org ORGANIZATION] [--role ${ROLES.join('|')}] [--ttl 1h]`;

function fail(message: string, exitCode: number): never {
  console.error(`token: ${message}`);
  process.exit(exitCode);
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { sub: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.sub) throw new Error('--sub is required');
  const role = values.role ?? 'member';
  if (!(ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}, got '${role}'`);
  return { sub: values.sub, org: values.org, role: role as Role, ttl: values.ttl ?? '1h' };
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message, 1);
}

try {
  const token = await signToken(config.auth, options, options.ttl);
  if (config.auth.kind === 'secret' && config.auth.developmentSecret) {
    console.error('token: signed with the development secret (JWT_SECRET is not set); only a development or test server accepts it');
  }
  console.log(token);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  fail(/time period/i.test(message) ? `--ttl '${options.ttl}' is not a time span such as 15m, 1h or 7d` : message, 1);
}
