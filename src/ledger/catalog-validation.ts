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

export function parseCatalog<Schema extends z.ZodType>(catalog: string, schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new CatalogValidationError(
      catalog,
      parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
