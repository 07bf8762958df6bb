/**
 * The HTTP load generator: autocannon, driven through its API in a process of its own (apart
 * from the servers and from the benchmark). Each request's body may carry `[<id>]`, which
 * autocannon replaces with a fresh id (`idReplacement`): a new idempotency key per request.
 */
import autocannon from 'autocannon';
import { serve } from './rpc.js';

export type LoadPlan = {
  /** One or more GraphQL endpoints: autocannon spreads the connections over them. */
  readonly urls: readonly string[];
  readonly connections: number;
  readonly durationSec: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
};

export type LoadReport = {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
};

async function run(plan: LoadPlan): Promise<LoadReport> {
  const result = await autocannon({
    // autocannon takes several URLs (connections round-robin over them); its types say one.
    url: (plan.urls.length === 1 ? plan.urls[0]! : [...plan.urls]) as string,
    connections: plan.connections,
    duration: plan.durationSec,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...plan.headers },
    body: plan.body,
    idReplacement: plan.body.includes('[<id>]'),
    timeout: 30,
  });
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

const methods = { run };
export type HttpLoadApi = typeof methods;

process.once('SIGTERM', () => process.exit(0));
serve(methods, { pid: process.pid });
