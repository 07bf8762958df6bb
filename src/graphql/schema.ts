import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './accounts/index.js';
import './balances/index.js';
import './catalog/index.js';
import './subscriptions/index.js';
import './usage/index.js';
import './metering/index.js';
import './admin/index.js';
import './generation/index.js';
import './billing/index.js';
import './webhooks/index.js';

/** The executable schema: the builder with every domain module's types and fields. */
export const schema = builder.toSchema();

/** The schema as committed in `schema/schema.graphql`: sorted, so that its diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
