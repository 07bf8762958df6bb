import { describe, expect, it } from 'vitest';
import { CommandError } from '../errors.js';
import { Query, queryOptions } from './context.js';

const refusal = (filterJson: string) => {
  try {
    new Query(JSON.parse(filterJson) as Record<string, unknown>, queryOptions());
  } catch (error) {
    return error instanceof CommandError ? error.code : error;
  }
  return undefined;
};

describe('filters naming __proto__', () => {
  it('are refused with 238 NotImplemented, as a path or inside a value, instead of silently matching everything', () => {
    expect(refusal('{"__proto__": 2}')).toBe(238);
    expect(refusal('{"a.__proto__.b": 2}')).toBe(238);
    expect(refusal('{"a": {"__proto__": 5}}')).toBe(238);
    expect(refusal('{"a": {"$in": [{"__proto__": 5}]}}')).toBe(238);
    expect(refusal('{"a": 1}')).toBeUndefined();
  });
});
