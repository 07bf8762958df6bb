import { parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** A fenced code block of a Markdown file: its language tag, its text and the line of its opening fence. */
export type CodeBlock = { readonly language: string; readonly code: string; readonly line: number };

/** A GraphQL document the README shows: in a ```graphql block, or a `query: '…'` string of a ```ts block. */
export type GraphQLExample = { readonly line: number; readonly language: string; readonly source: string; readonly document: DocumentNode | Error };

/** A token command the README shows (`npm run -s token -- …`), in a shell block or inline code, and its line. */
export type TokenCommand = { readonly command: string; readonly line: number };

const lineOf = (markdown: string, index: number) => markdown.slice(0, index).split('\n').length;

export function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ language: match[1]!, code: match[2]!, line: lineOf(markdown, match.index) }));
}

/** The README without its fenced blocks: where it explains what a reader types. */
export function prose(markdown: string): string {
  return markdown.replace(/^```\w*\n[\s\S]*?^```$/gm, '');
}

export function graphqlExamples(markdown: string): GraphQLExample[] {
  return codeBlocks(markdown).flatMap((block) => {
    if (block.language === 'graphql') return [example(block, block.line, block.code)];
    if (block.language !== 'ts') return [];
    return [...block.code.matchAll(/\bquery:\s*(['`])([\s\S]*?)\1/g)].map((match) => example(block, block.line + lineOf(block.code, match.index), match[2]!));
  });
}

function example({ language }: CodeBlock, line: number, source: string): GraphQLExample {
  try {
    return { line, language, source, document: parse(source) };
  } catch (error) {
    return { line, language, source, document: error as Error };
  }
}

export function tokenCommands(markdown: string): TokenCommand[] {
  const inBlocks = codeBlocks(markdown)
    .filter((block) => block.language === 'sh')
    .flatMap((block) =>
      block.code
        .split('\n')
        .map((text, offset) => ({ command: text.trim(), line: block.line + 1 + offset }))
        .filter(({ command }) => /^npm run (-s )?token\b/.test(command)),
    );
  // Inline code in the prose; one with placeholders (`--sub U [--org O]`) describes the script, not a token to use.
  const inline = [...markdown.matchAll(/`(npm run (?:-s )?token -- [^`\n]+)`/g)]
    .filter((match) => !/[[\]]/.test(match[1]!))
    .map((match) => ({ command: match[1]!, line: lineOf(markdown, match.index) }));
  return [...inBlocks, ...inline].sort((a, b) => a.line - b.line);
}

/** The operation of an example, none for a schema excerpt; an example shows one operation, so that it runs as one. */
export function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
  if (operations.length > 1) throw new Error(`an example with ${operations.length} operations: show one per block`);
  return operations[0];
}

/** The claims a token command asks for (`--sub u1 --org o1 --role admin`). */
export function claimsOf(command: string): { sub: string; org?: string; role: string } {
  const option = (name: string) => new RegExp(`--${name}[ =](\\S+)`).exec(command)?.[1];
  const sub = option('sub');
  if (!sub) throw new Error(`the token command \`${command}\` names no --sub`);
  return { sub, org: option('org'), role: option('role') ?? 'member' };
}
