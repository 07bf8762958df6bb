import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { tsxLoader } from './database-process.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** How a server process started with an operator's environment ended up: listening, or exited with the problems it printed. */
export type Outcome = { listening: string } | { exitCode: number | null; stderr: string };

export type ServerProcess = {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Once it listens (its URL) or exits first. */
  readonly outcome: Promise<Outcome>;
  /** Once it has exited, with what it printed. */
  readonly exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
};

/**
 * Starts `src/main.ts` in a process of its own with exactly `env` (no NODE_ENV of the test
 * runner), as `npm start` runs it. tsx is this process's loader, not its cli, which would run the
 * server in a child of its own: a signal (or SIGKILL) sent here reaches the server itself.
 */
export function spawnServerProcess(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([exitCode, signal]) => ({ exitCode: exitCode as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr }));
  const listening = new Promise<Outcome>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`;
      const url = /^creditstream listening on (\S+)/.exec(line)?.[1];
      if (url) resolve({ listening: url });
    });
  });
  const outcome = Promise.race([listening, exited.then(({ exitCode }) => ({ exitCode, stderr }))]);
  return { child, outcome, exited };
}

/** Stops what `spawnServerProcess` started and is still running. */
export async function killServerProcesses(started: ServerProcess[]): Promise<void> {
  for (const { child, exited } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
