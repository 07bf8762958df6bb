/**
 * The benchmark's child processes: every server, database and load generator runs in its own
 * process, started here and stopped by `stopAll` (or, if the benchmark dies, by `killAll` on exit;
 * each child also ends itself when its IPC channel to the benchmark closes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { remote, type Api, type ChildMessage, type Remote } from './rpc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUARD = fileURLToPath(new URL('./orphan-guard.ts', import.meta.url));

export type Child<A extends Api, R = unknown> = Remote<A> & {
  readonly name: string;
  readonly pid: number;
  /** What the child said when it was ready (a server's URL, say). */
  readonly ready: R;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
};

const running = new Set<ChildProcess>();

export type StartOptions = {
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. `--expose-gc` or `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** How long the child may take to say it is ready. */
  readonly timeoutMs?: number;
};

/** The last few kilobytes a child wrote to stderr, for error messages. */
function captureTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
  });
  return () => tail.trim();
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function forkScript(script: string, options: StartOptions): ChildProcess {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [...(options.args ?? [])], {
    cwd: ROOT,
    env: options.env ?? process.env,
    execArgv: [...(options.nodeFlags ?? []), '--import', 'tsx', '--import', GUARD],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Starts one of the benchmark's own child scripts (they `serve` an `Api`, see rpc.ts) and waits
 * until it is ready. `script` is relative to this directory.
 */
export async function startChild<A extends Api, R = unknown>(name: string, script: string, options: StartOptions = {}): Promise<Child<A, R>> {
  const child = forkScript(script, options);
  const stderr = captureTail(child);
  child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  const describeExit = () => `exit code ${child.exitCode}, signal ${child.signalCode}${stderr() ? `; stderr:\n${stderr()}` : ''}`;
  const ready = await new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ready within ${options.timeoutMs ?? 60_000} ms: ${stderr()}`)), options.timeoutMs ?? 60_000);
    child.on('message', (message: ChildMessage) => {
      if (message?.rpc !== 'ready') return;
      clearTimeout(timer);
      resolve(message.value as R);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready: ${describeExit()}`));
    });
  });
  return {
    ...remote<A>(name, child, describeExit),
    name,
    pid: child.pid!,
    ready,
    process: child,
    stop: (graceMs = 5_000) => stopProcess(child, graceMs),
  };
}

export type Database = { readonly uri: string; readonly pid: number; stop(): Promise<void> };

/**
 * The standalone embedded database, `scripts/db-embedded.ts` on a free loopback port, in its own
 * process: it prints its connection string on stdout.
 */
export async function startDatabase(): Promise<Database> {
  const child = fork(fileURLToPath(new URL('../db-embedded.ts', import.meta.url)), ['--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--import', GUARD],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stderr = captureTail(child);
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the embedded database printed no connection string: ${stderr()}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => candidate.startsWith('mongodb://'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the embedded database exited: ${stderr()}`));
    });
  });
  return { uri, pid: child.pid!, stop: () => stopProcess(child, 5_000) };
}

/** Stops every child still running (the last started first). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].reverse().map((child) => stopProcess(child, 3_000)));
}

/** On the way out, whatever happened: no child may outlive the benchmark. Synchronous, for `process.on('exit')`. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Runs a script's `main` (answering its exit code) so that no child outlives it: on exit, on
 * SIGINT or SIGTERM (exit code 130) and when `main` throws (exit code 1), every child it started is stopped.
 */
export function runScript(name: string, main: () => Promise<number>): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${name}: ${signal}, stopping every process it started`);
      stopAll().finally(() => process.exit(130));
    });
  }
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      killAll();
      process.exit(1);
    },
  );
}
