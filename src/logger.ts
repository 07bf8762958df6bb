import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Viewer } from './auth/index.js';
import type { Config } from './config.js';

export type Logger = PinoLogger;

/**
 * What every line logged while serving one HTTP request or one WebSocket connection carries: its
 * id, and once its token verified, who the caller is (never the token itself).
 */
export type LogScope = {
  readonly requestId?: string;
  readonly connectionId?: string;
  principal?: { readonly sub: string; readonly role: Viewer['role']; readonly org: string | null };
};

const scopes = new AsyncLocalStorage<LogScope>();

/** Runs `work` (and everything it leads to, awaited or not) with `scope` on its log lines. */
export function inLogScope<T>(scope: LogScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** Names the caller on the remaining lines of the request or connection being served. */
export function logPrincipal(viewer: Viewer): void {
  const scope = scopes.getStore();
  if (scope) scope.principal = { sub: viewer.userId, role: viewer.role, org: viewer.organizationId };
}

/**
 * A belt to the rule that no call site logs a credential: these paths are blanked wherever a
 * logged object has them (one level deep for the wildcards).
 */
const REDACTED_PATHS = [
  'authorization',
  'token',
  'secret',
  'connectionParams',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.connectionParams',
];

/**
 * JSON lines (pino) at `level` on stderr, so stdout stays free for what a script prints on purpose;
 * tests pass a `destination` to read them. Each line carries the scope of the request or WebSocket
 * connection it was logged for (see `inLogScope`).
 */
export function createLogger(level: Config['logLevel'], destination: DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => scopes.getStore() ?? {},
    },
    destination,
  );
}
