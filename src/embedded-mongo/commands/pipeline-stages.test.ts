import { describe, expect, it } from 'vitest';
import { assertSupportedPipeline } from './pipeline-stages.js';

const failure = (pipeline: unknown[]) => {
  try {
    assertSupportedPipeline(pipeline);
  } catch (error) {
    return error as { code: number; message: string };
  }
  return undefined;
};

describe('assertSupportedPipeline', () => {
  it('accepts the stages mingo runs', () => {
    expect(failure([{ $match: {} }, { $group: { _id: null } }, { $facet: { a: [{ $count: 'n' }] } }])).toBeUndefined();
  });

  it("answers MongoDB's 40323 for a stage of more or less than one field, and 40324 for an unknown name, nested too", () => {
    expect(failure([{ $match: {}, $limit: 1 }])?.code).toBe(40323);
    expect(failure([{}])?.code).toBe(40323);
    expect(failure([{ $nope: 1 }])).toMatchObject({ code: 40324, message: "Unrecognized pipeline stage name: '$nope'" });
    expect(failure([{ $lookup: { from: 'x', as: 'y', pipeline: [{ $nope: 1 }] } }])?.code).toBe(40324);
    expect(failure([{ $unionWith: { coll: 'x', pipeline: [{ $facet: { a: [{ $nope: 1 }] } }] } }])?.code).toBe(40324);
  });

  it('refuses with NotImplemented what MongoDB has but the embedded database does not run', () => {
    for (const stage of ['$out', '$merge', '$collStats', '$geoNear', '$search', '$_internalInhibitOptimization']) {
      expect(failure([{ [stage]: {} }])?.code).toBe(238);
    }
  });
});
