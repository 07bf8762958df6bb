import { InvalidInputError } from '../results/index.js';

/** An optional half-open range [since, until); both bounds given must be in order (`prefix` places them in the input). */
export function timeRange(since: Date | null | undefined, until: Date | null | undefined, prefix = '') {
  if (since && until && since >= until) throw new InvalidInputError({ field: `${prefix}until`, problem: 'must be after `since`' });
  return { since: since ?? undefined, until: until ?? undefined };
}
