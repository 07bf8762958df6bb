import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSchema, parse, parseValue, print, valueFromASTUntyped, type ArgumentNode, type FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizationAccountId, userAccountId } from '../src/store/directory.js';
import { execute } from './graphql/client.js';
import { SseStreams } from './graphql/sse-client.js';
import { accountGlobalId } from './graphql/subscription-client.js';
import { useTestServer } from './graphql/test-server.js';
import { claimsOf, codeBlocks, graphqlExamples, operationOf, prose, tokenCommands, type GraphQLExample, type TokenCommand } from './readme/examples.js';
import { schemaProblems } from './readme/schema-check.js';

/**
 * The README's examples, as a newcomer follows them: every GraphQL document it shows (```graphql
 * blocks, and the queries inside ```ts programs) validates against `schema/schema.graphql`, and
 * every operation runs against a real server, in the README's order, with the token of the last
 * token command shown before it (`npm run -s token -- …`, run for real; one shown under a `###`
 * heading is for that subsection's examples only), and answers no error and
 * no typed error. What the README promises of an operation is checked by its root field (PROMISES).
 * A placeholder in an example (`"<quote id>"`, always inside a string) is replaced by the value the
 * README says to put there (PLACEHOLDERS), and the README must explain it outside its code.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(`${ROOT}README.md`, 'utf8');
const schema = buildSchema(readFileSync(`${ROOT}schema/schema.graphql`, 'utf8'));
const examples = graphqlExamples(README);
const label = (example: GraphQLExample) => `README.md:${example.line}`;

/**
 * Examples that are validated but not run, and why: one whose variables come from the program
 * around it (a ```ts block's `query: '…'`) cannot run alone. Each row must match an example.
 */
const NOT_RUN: ReadonlyArray<{ readonly which: string; readonly matches: (example: GraphQLExample) => boolean; readonly why: string }> = [];

type Amount = { meter: string; amount: number };
type Balance = { meter: string; available: number };
type DrawingAccount = { id: string; balances: Balance[] };

/** What the examples run so far left for the later ones. */
type Flow = {
  price?: { input: string; costs: Amount[] };
  quote?: { input: string; id: string; costs: Amount[] };
  /** The meters the last write charged. */
  charged?: Amount[];
};

const PLACEHOLDERS: Record<string, (flow: Flow) => string | undefined> = {
  '<quote id>': (flow) => flow.quote?.id,
};

describe('the README’s GraphQL examples', () => {
  it('include the first flow: a token command, the viewer, generate, and the subscription that watches it', () => {
    const roots = examples.flatMap((example) => (example.document instanceof Error ? [] : (operationOf(example.document)?.selectionSet.selections ?? [])));
    const names = new Set(roots.map((selection) => (selection.kind === 'Field' ? selection.name.value : '')));
    expect(tokenCommands(README).length).toBeGreaterThan(0);
    for (const name of ['viewer', 'generate', 'creditUsage']) expect(names, name).toContain(name);
  });

  it.each(examples.map((example) => [label(example), example] as const))('%s validates against schema/schema.graphql', (_, example) => {
    if (example.document instanceof Error) throw new Error(`${label(example)} does not parse: ${example.document.message}\n${example.source}`);
    expect(schemaProblems(schema, example.document)).toEqual([]);
    operationOf(example.document); // one operation at most
  });

  it('explain every placeholder they use, and use only placeholders the test knows', () => {
    const used = new Set(examples.flatMap((example) => [...example.source.matchAll(/"(<[^">]+>)"/g)].map((match) => match[1]!)));
    for (const placeholder of used) {
      expect(Object.keys(PLACEHOLDERS), `${placeholder}: add it to PLACEHOLDERS`).toContain(placeholder);
      expect(prose(README), `the README never explains ${placeholder}`).toContain(`\`${placeholder}\``);
    }
  });
});

describe('the README’s examples, run against a server as `npm start` serves it', () => {
  const server = useTestServer({ env: { NODE_ENV: 'development' } });
  const streams = new SseStreams(() => server.url);
  afterAll(() => streams.abortAll());
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    // A newcomer's shell: nothing configured, as the README's quick start assumes.
    const shell = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(NODE_ENV|MONGODB_|JWT_|DEMO_TOKENS)/.test(name)));
    for (const { command } of tokenCommands(README)) {
      if (tokens.has(command)) continue;
      const { stdout } = await promisify(execFile)('sh', ['-c', command], { cwd: ROOT, env: shell });
      tokens.set(command, stdout);
    }
  });

  it('prints, for each token command, a token alone on stdout, so that T=$(…) captures it', () => {
    for (const [command, stdout] of tokens) expect(stdout, command).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('runs every example in order, with no error, and does what the README says', async () => {
    for (const row of NOT_RUN) expect(examples.some(row.matches), `NOT_RUN: ${row.which} matches no example`).toBe(true);
    const flow: Flow = {};
    for (const example of examples) {
      if (example.document instanceof Error || NOT_RUN.some((row) => row.matches(example))) continue;
      const operation = operationOf(example.document);
      if (!operation) continue; // a schema excerpt: validated above
      const command = tokenFor(example.line);
      const token = tokens.get(command.command)!.trim();
      const run = { example, flow, token, claims: claimsOf(command.command), source: substitute(example, flow) };
      const field = operation.selectionSet.selections.find((selection) => selection.kind === 'Field');
      if (operation.operation === 'subscription') {
        await subscribe(run, field?.kind === 'Field' ? field.name.value : '');
        continue;
      }
      const before = await drawingAccount(token);
      const data = await request(run.source, token, label(example));
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind !== 'Field') continue;
        const answered = { ...run, before, data: data[selection.alias?.value ?? selection.name.value], argument: argumentOf(run.source, selection.name.value) };
        await PROMISES[selection.name.value]?.(answered);
      }
    }
  });

  type Run = { example: GraphQLExample; flow: Flow; token: string; claims: ReturnType<typeof claimsOf>; source: string };
  /** An operation's answer for one root field, with the drawing account as it was before. */
  type Answered = Run & { before: DrawingAccount | null; data: unknown; argument: string };

  /** The README's promises about an operation's answer, by its root field. */
  const PROMISES: Record<string, (run: Answered) => Promise<void> | void> = {
    viewer: ({ data, claims }) => {
      const viewer = data as { subject?: string; role?: string; organization?: { externalId: string } | null; account?: { id?: string } };
      if ('subject' in viewer) expect(viewer.subject).toBe(claims.sub);
      if ('role' in viewer) expect(viewer.role).toBe(claims.role.toUpperCase());
      if ('organization' in viewer) expect(viewer.organization?.externalId ?? null).toBe(claims.org ?? null);
      // "The account the caller draws from (its organization's pool when the token names one)".
      if (viewer.account?.id) expect(viewer.account.id).toBe(drawingAccountId(claims));
    },
    plans: ({ data }) => expect((data as { edges: unknown[] }).edges.length).toBeGreaterThan(0),
    price: ({ data, flow, argument }) => {
      const { costs } = data as { costs: Amount[] };
      expect(costs.length).toBeGreaterThan(0);
      flow.price = { input: argument, costs };
    },
    createQuote: ({ data, flow, argument }) => {
      const quote = data as { id: string; costs: Amount[] };
      // The quote locks what `price` answers for the same input.
      if (flow.price?.input === argument) expect(quote.costs).toEqual(flow.price.costs);
      flow.quote = { input: argument, ...quote };
    },
    generate: async (run) => {
      const { source, token, flow, example, before } = run;
      const first = run.data as { charged: Amount[]; replayed?: boolean; balances?: Balance[] };
      expect(first.charged, 'a GenerationSuccess').toBeDefined();
      if (source.includes('quoteId')) expect(first.charged).toEqual(flow.quote?.costs);
      // "charged to the caller's drawing account (its organization's pool when the token names one)"
      const after = (await drawingAccount(token))!;
      const charged = Object.fromEntries(first.charged.map((charge) => [charge.meter, charge.amount]));
      expect(available(after.balances)).toEqual(Object.fromEntries(before!.balances.map(({ meter, available }) => [meter, available - (charged[meter] ?? 0)])));
      if (first.balances) expect(available(first.balances)).toEqual(available(after.balances));
      flow.charged = first.charged;
      // "Send the same idempotencyKey again and you get the first result back (replayed: true), charged once."
      const again = (await request(source, token, `${label(example)} sent again`)).generate as typeof first;
      expect(again.charged).toEqual(first.charged);
      if ('replayed' in first) expect([first.replayed, again.replayed]).toEqual([false, true]);
      expect((await drawingAccount(token))?.balances).toEqual(after.balances);
    },
    // "`effective: NOW` applies them at once": the balances answered show the terms given, and the day under its limit.
    setCreditPolicy: ({ data, argument }) => {
      const input = valueFromASTUntyped(parseValue(argument)) as { meter: string; effective: string; allowance?: number; dailyLimit?: number };
      const change = data as { status: string; balances?: (Balance & { allowance?: number; dailyLimit?: number | null; usedToday?: number | null; remainingToday?: number | null })[] };
      expect(change.status).toBe(input.effective === 'NOW' ? 'APPLIED' : 'SCHEDULED');
      const balance = change.balances?.find((candidate) => candidate.meter === input.meter);
      if (input.effective !== 'NOW' || !balance) return;
      if (input.allowance !== undefined && 'allowance' in balance) expect(balance.allowance).toBe(input.allowance);
      if (input.dailyLimit === undefined || !('dailyLimit' in balance)) return;
      expect(balance.dailyLimit).toBe(input.dailyLimit);
      if ('remainingToday' in balance && 'usedToday' in balance) expect(balance.remainingToday).toBe(Math.max(0, input.dailyLimit - balance.usedToday!));
    },
  };

  /**
   * A subscription runs as GraphiQL sends it, over server-sent events. A `creditUsage` that follows
   * a write must bring that write's ticks: the watched account is the one the token's writes charge.
   */
  async function subscribe(run: Run, field: string): Promise<void> {
    const stream = await streams.subscribe(parse(run.source), {}, `Bearer ${run.token}`);
    expect(stream.status, label(run.example)).toBe(200);
    const watched = field === 'creditUsage' && run.flow.charged ? await drawingAccount(run.token) : null;
    const expected = watched ? available(watched.balances) : undefined;
    const seen: unknown[] = [];
    const brought = async () => {
      for (let next = await stream.results.next(); !next.done; next = await stream.results.next()) {
        const result = next.value as FormattedExecutionResult<Record<string, { meter: string; available: number }>>;
        expect(result.errors, label(run.example)).toBeUndefined();
        const tick = result.data![field]!;
        seen.push(tick);
        if (!expected) return;
        // The latest balance of a meter the last write charged, as the drawing account has it now.
        if (run.flow.charged!.some((charge) => charge.meter === tick.meter) && expected[tick.meter] === tick.available) return;
      }
      throw new Error('the stream ended');
    };
    const timer = setTimeout(() => streams.abortAll(), 10_000);
    try {
      await brought();
    } catch (error) {
      throw new Error(`${label(run.example)} brought no tick of the last write within 10 s (the drawing account has ${JSON.stringify(expected)}); it sent ${JSON.stringify(seen)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      streams.abortAll();
    }
  }

  async function request(source: string, token: string, where: string): Promise<Record<string, unknown>> {
    const response = await execute(server.url, parse(source), { token });
    expect(response.errors, `${where}: ${JSON.stringify(response.errors)}`).toBeUndefined();
    expect(typedErrors(response.data), where).toEqual([]);
    return response.data as Record<string, unknown>;
  }

  /** The account the token's writes charge; none for a service, which names the account it writes to. */
  async function drawingAccount(token: string): Promise<DrawingAccount | null> {
    const data = await request('query { viewer { account { id balances { meter available } } } }', token, 'the drawing account');
    return (data.viewer as { account: DrawingAccount | null } | null)?.account ?? null;
  }
});

/** The token command an example at `line` runs with: the last before it, but one under a `###` heading only in that subsection. */
function tokenFor(line: number): TokenCommand {
  const command = tokenCommands(README)
    .filter((candidate) => candidate.line < line)
    .filter((candidate) => {
      const heading = headings.findLast((each) => each.line < candidate.line);
      if (!heading || heading.level < 3) return true;
      const end = headings.find((each) => each.line > heading.line && each.level <= heading.level)?.line ?? Infinity;
      return line < end;
    })
    .at(-1);
  if (!command) throw new Error(`README.md:${line} has no token command before it`);
  return command;
}

/** The README's headings (not a `#` line inside a code block), with their line and level. */
const headings = (() => {
  const inBlocks = new Set(codeBlocks(README).flatMap((block) => Array.from({ length: block.code.split('\n').length }, (_, offset) => block.line + offset)));
  return README.split('\n').flatMap((text, index) => {
    const match = /^(#+) /.exec(text);
    return match && !inBlocks.has(index + 1) ? [{ line: index + 1, level: match[1]!.length }] : [];
  });
})();

function substitute(example: GraphQLExample, flow: Flow): string {
  return example.source.replace(/"(<[^">]+>)"/g, (whole, placeholder: string) => {
    const value = PLACEHOLDERS[placeholder]?.(flow);
    if (value === undefined) throw new Error(`${label(example)}: nothing before it gives ${placeholder}`);
    return JSON.stringify(value);
  });
}

/** The `input` argument of a root field, printed, to tell whether two examples ask the same. */
function argumentOf(source: string, field: string): string {
  const operation = operationOf(parse(source))!;
  const selection = operation.selectionSet.selections.find((candidate) => candidate.kind === 'Field' && candidate.name.value === field);
  const argument = selection?.kind === 'Field' ? selection.arguments?.find((candidate: ArgumentNode) => candidate.name.value === 'input') : undefined;
  return argument ? print(argument.value) : '';
}

function drawingAccountId(claims: { sub: string; org?: string }): string {
  return accountGlobalId(claims.org ? organizationAccountId(claims.org) : userAccountId(claims.sub));
}

const available = (balances: Balance[]) => Object.fromEntries(balances.map((balance) => [balance.meter, balance.available]));

/** Objects of an answer that are typed errors: `... on Error { code message }`, or a `__typename` of an error. */
function typedErrors(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(typedErrors);
  if (value === null || typeof value !== 'object') return [];
  if (('code' in value && 'message' in value) || ('__typename' in value && /Error$/.test(String(value.__typename)))) return [value];
  return Object.values(value).flatMap(typedErrors);
}
