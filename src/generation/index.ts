/**
 * The generation workflow behind `Mutation.generate`: quote, hold, run the work through a
 * `GenerationProvider`, then commit or settle the failure per the feature's policy. The GraphQL
 * layer calls `createGenerationService(...).generate(request)` and maps the result union.
 */
export {
  createGenerationService,
  GENERATION_LEASE_MARGIN_MS,
  generationStepInput,
  type GenerateRequest,
  type GenerateResult,
  type GenerationError,
  type GenerationService,
  type GenerationServiceOptions,
  type GenerationSuccess,
} from './generation-service.js';
export type { FailureStage, GenerationProvider, ProviderOutput, ProviderRequest, ProviderResult } from './generation-provider.js';
export { SimulatedGenerationProvider, type SimulatedProviderOptions } from './simulated-provider.js';
