import { describe, expect, it } from 'vitest';
import { SimulatedGenerationProvider, type ProviderRequest } from '../../src/generation/index.js';

const image: ProviderRequest = {
  accountId: 'acct-1',
  feature: 'image.generate',
  parameters: { resolution: 'HD' },
  input: { prompt: 'a cat' },
  sessionId: null,
  step: null,
};

describe('the simulated provider', () => {
  it('makes a deterministic placeholder for the feature, parameters and input', async () => {
    const provider = new SimulatedGenerationProvider();
    const made = await provider.run(image);
    expect(made).toEqual({
      ok: true,
      output: {
        kind: 'image',
        url: expect.stringMatching(/^simulated:\/\/image\.generate\/[0-9a-f]{64}$/),
        feature: 'image.generate',
        parameters: { resolution: 'HD' },
        simulated: true,
      },
    });
    expect(await provider.run({ ...image, accountId: 'acct-2', input: { prompt: 'a cat' } })).toEqual(made);
    expect(await provider.run({ ...image, input: { prompt: 'a dog' } })).not.toEqual(made);
    expect(await provider.run({ ...image, parameters: { resolution: 'SD' } })).not.toEqual(made);
  });

  it('fails on request only when built with failure injection', async () => {
    const before = { ...image, input: { prompt: 'a cat', simulateFailure: 'BEFORE_WORK' } };
    const after = { ...image, input: { simulateFailure: 'AFTER_PROVIDER_WORK' } };
    expect(await new SimulatedGenerationProvider().run(before)).toMatchObject({ ok: true });
    const injecting = new SimulatedGenerationProvider({ failureInjection: true });
    expect(await injecting.run(before)).toMatchObject({ ok: false, stage: 'BEFORE_WORK', reason: 'SIMULATED_FAILURE' });
    expect(await injecting.run(after)).toMatchObject({ ok: false, stage: 'AFTER_PROVIDER_WORK', reason: 'SIMULATED_FAILURE' });
    expect(await injecting.run({ ...image, input: { simulateFailure: 'SOMETIMES' } })).toMatchObject({ ok: true });
  });

  it('takes its latency, and stops when aborted', async () => {
    const provider = new SimulatedGenerationProvider({ latencyMs: 40 });
    const started = performance.now();
    await provider.run(image);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    await expect(provider.run(image, AbortSignal.timeout(5))).rejects.toThrow();
    expect(() => new SimulatedGenerationProvider({ latencyMs: -1 })).toThrow(RangeError);
  });
});
