import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// tsx as a loader of the database's own process, not its cli (which runs the script in a child of
// its own): a signal sent to the process is then a signal to the database itself.
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * The embedded database in a process of its own (`npm run db:embedded`), for tests of what the
 * server does when its database goes down (`kill`), stops answering (`freeze`) or comes back empty
 * on the same port (`restart`).
 */
export type DatabaseProcess = {
  readonly uri: string;
  /** SIGKILL: connections are refused until `restart`. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and the port accepts, but nothing answers until `thaw`. */
  freeze(): void;
  thaw(): void;
  /** A new, empty database on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

export async function startDatabaseProcess(): Promise<DatabaseProcess> {
  let child = await launch('0');
  const uri = child.uri;
  const port = /:(\d+)\//.exec(uri)![1]!;
  return {
    uri,
    async kill() {
      await child.kill();
    },
    freeze: () => child.process.kill('SIGSTOP'),
    thaw: () => child.process.kill('SIGCONT'),
    async restart() {
      await child.kill();
      child = await launch(port);
    },
    async stop() {
      child.process.kill('SIGCONT');
      await child.kill();
    },
  };
}

async function launch(port: string) {
  const process_: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', tsxLoader, 'scripts/db-embedded.ts', '--port', port], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(process_, 'exit');
  const [uri] = (await Promise.race([once(createInterface({ input: process_.stdout }), 'line'), exited.then(() => [undefined])])) as [string | undefined];
  if (uri === undefined) throw new Error(`the database process on port ${port} exited before it listened`);
  return {
    process: process_,
    uri,
    async kill() {
      if (process_.exitCode !== null || process_.signalCode !== null) return;
      process_.kill('SIGKILL');
      await exited;
    },
  };
}
