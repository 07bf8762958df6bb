/**
 * A small typed request/answer channel between the benchmark and its child processes, over the
 * IPC channel of `child_process.fork` (with `serialization: 'advanced'`, so typed arrays and
 * large arrays travel cheaply). A child `serve`s an object of methods, each taking at most one
 * argument; the parent calls them through a `Remote`.
 */
import type { ChildProcess } from 'node:child_process';
import { errorMessage } from './measure.js';

/** Methods a child offers: each takes zero or one structured-clonable argument. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a method's argument type is its own
export type Api = Record<string, (...params: any[]) => unknown>;

type Call = { rpc: 'call'; id: number; method: string; params: unknown[] };
type Answer = { rpc: 'answer'; id: number; ok: true; value: unknown } | { rpc: 'answer'; id: number; ok: false; message: string };
type Ready = { rpc: 'ready'; value: unknown };
export type ChildMessage = Answer | Ready;

/**
 * Child side: answers the parent's calls with `methods`, tells the parent it is ready with
 * `ready`, and ends the process when the parent goes away (so no child outlives the benchmark).
 */
export function serve<A extends Api>(methods: A, ready: unknown): void {
  if (!process.send) throw new Error('this script is a child process of the benchmark (npm run bench)');
  const send = (message: ChildMessage) => process.send!(message);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Call) => {
    if (message?.rpc !== 'call') return;
    const method = methods[message.method];
    void (async () => {
      try {
        if (!method) throw new Error(`no method ${message.method}`);
        send({ rpc: 'answer', id: message.id, ok: true, value: await method(...message.params) });
      } catch (error) {
        send({ rpc: 'answer', id: message.id, ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
  send({ rpc: 'ready', value: ready });
}

export type Remote<A extends Api> = {
  call<K extends keyof A & string>(method: K, ...params: Parameters<A[K]>): Promise<Awaited<ReturnType<A[K]>>>;
};

/** Parent side: calls into `child`; a call fails if the child answers with an error or exits first. */
export function remote<A extends Api>(name: string, child: ChildProcess, describeExit: () => string): Remote<A> {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: ChildMessage) => {
    if (message?.rpc !== 'answer') return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(new Error(`${name}: ${message.message}`));
  });
  child.once('exit', () => {
    for (const [, waiting] of pending) waiting.reject(new Error(`${name} exited during a call: ${describeExit()}`));
    pending.clear();
  });
  return {
    call(method, ...params) {
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
          return reject(new Error(`${name} is not running: ${describeExit()}`));
        }
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ rpc: 'call', id, method, params } satisfies Call, (error) => {
          if (!error) return;
          pending.delete(id);
          reject(new Error(`${name}: cannot send ${method}: ${errorMessage(error)}`));
        });
      });
    },
  };
}
