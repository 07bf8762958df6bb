import { badUserInput } from '../errors.js';

/** An optional half-open range [since, until); both bounds given must be in order. */
export function timeRange(since: Date | null | undefined, until: Date | null | undefined, path: readonly string[]) {
  if (since && until && since >= until) throw badUserInput([{ message: 'since must be before until', path }]);
  return { since: since ?? undefined, until: until ?? undefined };
}
