import { Long } from 'bson';
import { arch, cpus, freemem, release, totalmem, type } from 'node:os';
import { type Document, isPlainObject } from '../bson-values.js';
import { CommandError, notSupported } from '../errors.js';
import { commandName } from './arguments.js';
import type { CommandContext, CommandHandler } from './context.js';
import { ENVELOPE_FIELDS } from './envelope.js';
import { SERVER_VERSION } from './server-info.js';

const MiB = 1024 * 1024;
/** mongod's default net.maxIncomingConnections; the embedded server has no lower cap. */
const MAX_INCOMING_CONNECTIONS = 1_000_000;
/** The feature compatibility version a fresh MongoDB 7.0 runs with. */
const FEATURE_COMPATIBILITY_VERSION = '7.0';

/** mongod's names for the CPU architectures Node reports. */
const CPU_ARCHITECTURES: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' };

/**
 * A faithful subset of serverStatus: identity, uptime, connections and memory, the sections
 * clients and test helpers read (the version is buildInfo's). Sections the embedded database has no
 * counterpart for (wiredTiger, repl, opcounters, metrics…) are left out rather than invented.
 */
function serverStatus(_command: Document, { state }: CommandContext): Document {
  const { process: server } = state;
  const uptimeMillis = Date.now() - server.startedAt;
  const { current, totalCreated } = server.connections;
  return {
    host: server.host,
    version: SERVER_VERSION,
    process: 'mongod',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis: Long.fromNumber(uptimeMillis),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMillis / 1000)),
    localTime: new Date(),
    connections: { current, available: MAX_INCOMING_CONNECTIONS - current, totalCreated },
    mem: { bits: 64, resident: Math.round(process.memoryUsage().rss / MiB), supported: true },
    storageEngine: { name: 'embedded-in-memory', supportsCommittedReads: false, readOnly: false, persistent: false },
    ok: 1,
  };
}

/** hostInfo: the machine the server runs on, in mongod's field names. */
function hostInfo(_command: Document, { state }: CommandContext): Document {
  return {
    system: {
      currentTime: new Date(),
      hostname: state.process.host,
      cpuAddrSize: 64,
      memSizeMB: Long.fromNumber(Math.round(totalmem() / MiB)),
      memLimitMB: Long.fromNumber(Math.round(totalmem() / MiB)),
      numCores: cpus().length,
      cpuArch: CPU_ARCHITECTURES[arch()] ?? arch(),
      numaEnabled: false,
    },
    os: { type: type(), name: type(), version: release() },
    extra: { availableMemoryMB: Long.fromNumber(Math.round(freemem() / MiB)) },
    ok: 1,
  };
}

/** There is no authentication, so every connection is authenticated as nobody, like mongod without --auth. */
function connectionStatus(command: Document): Document {
  const authInfo: Document = { authenticatedUsers: [], authenticatedUserRoles: [] };
  if (command.showPrivileges === true) authInfo.authenticatedUserPrivileges = [];
  return { authInfo, ok: 1 };
}

/** The parameters the embedded database can answer truthfully; any other is refused, not reported missing. */
const PARAMETERS: Record<string, () => unknown> = {
  featureCompatibilityVersion: () => ({ version: FEATURE_COMPATIBILITY_VERSION }),
};

function getParameter(command: Document, { database }: CommandContext): Document {
  if (database !== 'admin') throw new CommandError('Unauthorized', 'getParameter may only be run against the admin database.');
  if (command.getParameter === '*' || isPlainObject(command.getParameter)) {
    throw notSupported("getParameter '*' and showDetails");
  }
  const requested = Object.keys(command).filter((field) => field !== commandName(command) && !ENVELOPE_FIELDS.has(field));
  const unknown = requested.filter((name) => !Object.hasOwn(PARAMETERS, name));
  if (unknown.length > 0) throw notSupported(`The server parameter(s) ${unknown.join(', ')}`);
  return { ...Object.fromEntries(requested.map((name) => [name, (PARAMETERS[name] as () => unknown)()])), ok: 1 };
}

/** A standalone has no replica set: mongod answers NoReplicationEnabled, which clients use to detect one. */
function replSetGetStatus(): Document {
  throw new CommandError('NoReplicationEnabled', 'not running with --replSet');
}

/**
 * Commands MongoDB has that the embedded database does not implement: NotImplemented says so,
 * where CommandNotFound would tell a client the server has no such command at all.
 */
const UNSUPPORTED_COMMANDS = [
  'collStats', 'dbStats', 'dataSize', 'collMod', 'validate', 'explain', 'renameCollection', 'convertToCapped',
  'cloneCollectionAsCapped', 'mapReduce', 'currentOp', 'killOp', 'top', 'getLog', 'getCmdLineOpts', 'setParameter',
  'fsync', 'compact', 'reIndex', 'saslStart', 'authenticate', 'createUser', 'usersInfo', 'createRole', 'rolesInfo',
];

const refuse: CommandHandler = (command) => {
  throw notSupported(`The ${commandName(command)} command`);
};

export const diagnosticCommands: Record<string, CommandHandler> = {
  serverStatus,
  hostInfo,
  connectionStatus,
  getParameter,
  replSetGetStatus,
  ...Object.fromEntries(UNSUPPORTED_COMMANDS.map((name) => [name, refuse])),
};
