import type { JsonValue, PricingParameters, ReportFailureOperation } from '../ledger/index.js';

/** What a provider is asked to make. `parameters` are the priced ones (e.g. resolution, count). */
export type ProviderRequest = {
  accountId: string;
  feature: string;
  parameters: PricingParameters;
  input: JsonValue;
  sessionId: string | null;
  step: string | null;
};

/**
 * Where a failure happened, which decides what it costs: BEFORE_WORK (the provider refused the
 * request or never started) charges nothing; AFTER_PROVIDER_WORK (it did billable work, then
 * failed) charges per the feature's failure policy, which never consumes a video generation.
 */
export type FailureStage = ReportFailureOperation['stage'];

/** What a provider made: a JSON object (e.g. a URL, a kind, a duration), never empty-handed. */
export type ProviderOutput = { [key: string]: JsonValue };

export type ProviderResult =
  | { ok: true; output: ProviderOutput }
  /** `reason` is a short code for programs (e.g. CONTENT_REJECTED), `message` is for people. */
  | { ok: false; stage: FailureStage; reason: string; message: string };

/**
 * Does the work of a generation: an AI model behind an API, or the simulated provider. The
 * generation service holds the credits before calling `run` and settles the hold from the result,
 * so a provider never touches the ledger and a real one plugs in without changing it.
 *
 * Expected failures are results, classified by stage. A rejected promise (a bug, a lost
 * connection, `signal` aborting when the hold is about to expire) does not show that work was
 * done, so the service charges nothing for it.
 */
export interface GenerationProvider {
  run(request: ProviderRequest, signal?: AbortSignal): Promise<ProviderResult>;
}
