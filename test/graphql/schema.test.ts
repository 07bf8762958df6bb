import { readdir, readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen.js';
import { printSortedSchema } from '../../src/graphql/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('committed GraphQL artifacts', () => {
  it('schema/schema.graphql is the schema the server serves (run `npm run schema:print`)', async () => {
    expect(await readFile(resolve(root, 'schema/schema.graphql'), 'utf8')).toBe(printSortedSchema());
  });

  it('test/graphql/generated/ is what codegen makes of the operations (run `npm run codegen`)', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...codegenConfig, cwd: root, silent: true }, false);
    const generated = new Map(outputs.map((output) => [relative(root, resolve(root, output.filename)), output.content]));
    const committed = (await readdir(resolve(root, 'test/graphql/generated'))).map((name) => `test/graphql/generated/${name}`);
    expect(committed.sort()).toEqual([...generated.keys()].sort());
    for (const [file, content] of generated) expect(await readFile(resolve(root, file), 'utf8'), file).toBe(content);
  });
});
