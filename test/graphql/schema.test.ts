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

  it('every codegen target (test/graphql/generated/, demo/src/generated/, schema/possible-types.json) is what codegen makes of the schema and operations (run `npm run codegen`)', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...codegenConfig, cwd: root, silent: true }, false);
    const generated = new Map(outputs.map((output) => [relative(root, resolve(root, output.filename)), output.content]));
    const targets = Object.keys(codegenConfig.generates);
    expect(targets).toEqual(expect.arrayContaining(['test/graphql/generated/', 'demo/src/generated/', 'schema/possible-types.json']));
    const committed = await Promise.all(
      targets.map(async (target) => (target.endsWith('/') ? (await readdir(resolve(root, target))).map((name) => `${target}${name}`) : [target])),
    );
    expect(committed.flat().sort()).toEqual([...generated.keys()].sort());
    for (const [file, content] of generated) expect(await readFile(resolve(root, file), 'utf8'), file).toBe(content);
  });
});
