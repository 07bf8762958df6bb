import { CursorRegistry } from './cursors.js';
import { ServerProcess } from './server-process.js';
import { startServer } from './server.js';
import { Storage } from './storage.js';
import { startTtlMonitor } from './ttl.js';

/**
 * An in-process, in-memory server speaking the MongoDB wire protocol, for development and tests
 * only: nothing is persisted, and features it does not implement fail loudly (see README.md).
 */
export type EmbeddedMongoOptions = {
  host?: string;
  port?: number;
  /** Told of a bug of ours that closed a connection (the process goes on); by default a process warning. */
  onInternalError?: (error: unknown) => void;
};

const warnOfInternalError = (error: unknown) => process.emitWarning(error instanceof Error ? error : String(error), 'EmbeddedMongoInternalError');

export type EmbeddedMongo = { readonly uri: string; readonly host: string; readonly port: number; stop(): Promise<void> };

/** Starts a server with empty storage; port 0 (the default) picks a free port. */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1';
  const cursors = new CursorRegistry();
  const storage = new Storage();
  const server = await startServer({ storage, cursors, process: new ServerProcess() }, host, options.port ?? 0, options.onInternalError ?? warnOfInternalError);
  const stopTtlMonitor = startTtlMonitor(storage);
  // IPv6 literals need brackets in a connection string.
  const authority = host.includes(':') ? `[${host}]:${server.port}` : `${host}:${server.port}`;
  return {
    // directConnection: a standalone, never a replica-set member to discover.
    uri: `mongodb://${authority}/?directConnection=true`,
    host,
    port: server.port,
    async stop() {
      stopTtlMonitor();
      await server.close();
      cursors.clear();
    },
  };
}
