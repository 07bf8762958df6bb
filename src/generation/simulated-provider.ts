import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson, type JsonValue } from '../ledger/index.js';
import type { FailureStage, GenerationProvider, ProviderRequest, ProviderResult } from './generation-provider.js';

export type SimulatedProviderOptions = {
  /** How long each run takes; 0 answers at once. */
  latencyMs?: number;
  /**
   * Honour `{ "simulateFailure": "BEFORE_WORK" | "AFTER_PROVIDER_WORK" }` in a request's input.
   * For development and tests only; without it such an input is an input like any other.
   */
  failureInjection?: boolean;
};

const STAGES: readonly FailureStage[] = ['BEFORE_WORK', 'AFTER_PROVIDER_WORK'];

/**
 * A stand-in for a real AI provider, so the whole generation workflow runs without one. It makes
 * nothing: its output is a deterministic placeholder (the same feature, parameters and input
 * always give the same `simulated://` URL), after a configurable latency.
 */
export class SimulatedGenerationProvider implements GenerationProvider {
  readonly #latencyMs: number;
  readonly #failureInjection: boolean;

  constructor(options: SimulatedProviderOptions = {}) {
    const latencyMs = options.latencyMs ?? 0;
    if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`latencyMs must be zero or more, got ${latencyMs}`);
    this.#latencyMs = latencyMs;
    this.#failureInjection = options.failureInjection ?? false;
  }

  async run(request: ProviderRequest, signal?: AbortSignal): Promise<ProviderResult> {
    const injected = this.#failureInjection ? injectedFailure(request.input) : null;
    if (injected === 'BEFORE_WORK') {
      return { ok: false, stage: injected, reason: 'SIMULATED_FAILURE', message: 'The simulated provider rejected the request before doing any work.' };
    }
    if (this.#latencyMs > 0) await sleep(this.#latencyMs, undefined, { signal });
    if (injected === 'AFTER_PROVIDER_WORK') {
      return { ok: false, stage: injected, reason: 'SIMULATED_FAILURE', message: 'The simulated provider failed after doing its work.' };
    }
    const { feature, parameters, input } = request;
    const digest = createHash('sha256').update(canonicalJson({ feature, parameters, input })).digest('hex');
    const kind = feature.split('.')[0] ?? feature;
    return { ok: true, output: { kind, url: `simulated://${feature}/${digest}`, feature, parameters, simulated: true } };
  }
}

function injectedFailure(input: JsonValue): FailureStage | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const requested = input.simulateFailure;
  return STAGES.find((stage) => stage === requested) ?? null;
}
