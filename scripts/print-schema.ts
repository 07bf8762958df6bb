/**
 * Writes the GraphQL schema, printed from the Pothos builder, to schema/schema.graphql:
 *   npm run schema:print
 * The file is committed; test/graphql/schema.test.ts fails while it is out of date.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSortedSchema } from '../src/graphql/schema.js';

const target = new URL('../schema/schema.graphql', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, printSortedSchema());
console.log(`wrote ${fileURLToPath(target)}`);
