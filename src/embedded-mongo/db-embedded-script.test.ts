import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// tsx as this node's loader, not its cli (which runs the script in a child of its own, so that a
// SIGKILL of the cli left the database running): a signal sent is a signal to the script itself.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

type Child = ChildProcessByStdio<null, Readable, Readable>;

function runScript(...args: string[]): Child {
  return spawn(process.execPath, ['--import', tsxLoader, 'scripts/db-embedded.ts', ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(stream: Readable): Promise<string> {
  const lines = createInterface({ input: stream });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

async function exitOf(child: Child): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('npm run db:embedded', () => {
  let child: Child | undefined;

  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('serves clients in another process on the port it prints, and stops on SIGTERM', async () => {
    child = runScript('--port', '0');
    const exited = exitOf(child);
    const uri = await firstLine(child.stdout);
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:(\d+)\/\?directConnection=true$/);
    expect(uri).not.toContain(':0/');

    const client = await new MongoClient(uri).connect();
    await client.db('script').collection<{ _id: string }>('things').insertOne({ _id: 'from-driver' });
    const connection = await mongoose.createConnection(uri, { dbName: 'script' }).asPromise();
    expect(await connection.db?.collection('things').findOne({})).toEqual({ _id: 'from-driver' });
    await connection.close();
    await client.close();

    child.kill('SIGTERM');
    const { code, stderr } = await exited;
    expect(code).toBe(0);
    expect(stderr).toContain('development and tests only');
  });

  it('rejects bad arguments with exit code 2 and a usage message', async () => {
    child = runScript('--port', 'eighty');
    const { code, stderr } = await exitOf(child);
    expect(code).toBe(2);
    expect(stderr).toContain("--port must be an integer from 0 to 65535, got 'eighty'");
    expect(stderr).toContain('usage:');
  });
});
