import type { z } from 'zod';

/** Thrown when configuration (plans, pricing, settings) is invalid; lists every problem at once. */
export class CatalogValidationError extends Error {
  constructor(
    readonly catalog: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid ${catalog}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'CatalogValidationError';
  }
}

/** What a value of each kind zod expects is called in a problem, with its article. */
const KINDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a text',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
};

const SIZES: Readonly<Record<string, string>> = { string: 'character', array: 'item', set: 'item' };

/** A bound, with the unit of what it counts when it counts characters or items: "1 character", "8 items", "0". */
function bound(origin: string, count: number | bigint): string {
  const unit = SIZES[origin];
  return unit === undefined ? String(count) : `${count} ${unit}${count === 1 || count === 1n ? '' : 's'}`;
}

/**
 * A problem zod found, in our words (zod's read "Too small: expected number to be >=1"): what the
 * value must be, with its bound. A schema's own message, where it gives one, is used instead.
 */
export function plainProblem(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${bound(issue.origin, issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${bound(issue.origin, issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'an unknown key' : 'unknown keys'}: ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    default:
      return undefined;
  }
}

export function parseCatalog<Schema extends z.ZodType>(catalog: string, schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input, { error: plainProblem });
  if (!parsed.success) {
    throw new CatalogValidationError(
      catalog,
      parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
