import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, type GraphQLFormattedError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config.js';
import { errorCodes, execute, type GraphQLResponse } from './client.js';
import { DashboardDocument } from './generated/graphql.js';
import { Sockets } from './subscription-client.js';
import { useTestServer } from './test-server.js';

/** An operation written in the test, for a WebSocket client (codegen only knows the operations of test/graphql/operations/). */
function operation(source: string): TypedDocumentNode<Record<string, unknown>, Record<string, unknown>> {
  return parse(source, { noLocation: true });
}

/** POSTs `query` as written (printing a deep document indents it to megabytes). */
async function post(server: ReturnType<typeof useTestServer>, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<unknown>> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token({ sub: 'limits-user' })}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** A refusal: the request is answered (never a 500) with no data and exactly these codes. */
function expectRefused(response: GraphQLResponse<unknown>, code: string) {
  expect(response.status).toBeLessThan(500);
  expect(response.data ?? null).toBeNull();
  expect(errorCodes(response)).toContain(code);
  expect(errorCodes(response).every((each) => each !== 'INTERNAL_SERVER_ERROR')).toBe(true);
}

/** `{ ... on Query { ... on Query { … __typename } } }`, `levels` deep. */
const nested = (levels: number) => `{ ${'... on Query { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
const aliased = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(' ')} }`;
const USAGE_PAGE = 'viewer { account { usage(first: 100) { edges { node { seq kind at feature changes { meter delta available } } } } } }';

/** Sends a request over `net` with `head` and then the body a byte every `everyMs`, and reads what comes back until the server closes. */
async function trickle(url: string, body: string, everyMs: number) {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < body.length && !socket.destroyed) socket.write(body[sent++]!);
  }, everyMs);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  await new Promise((resolve) => socket.on('close', resolve).on('error', resolve));
  clearInterval(timer);
  return { answer, sent };
}

/** POSTs `size` bytes of JSON with a Content-Length, or chunked, and resolves with the status and body of the answer. */
async function postLarge(url: string, size: number, framing: 'content-length' | 'chunked') {
  const body = JSON.stringify({ query: '{ __typename }', extensions: { padding: 'x'.repeat(size) } });
  const { hostname, port, pathname } = new URL(url);
  const outgoing = httpRequest({ hostname, port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json', ...(framing === 'content-length' ? { 'content-length': Buffer.byteLength(body) } : {}) } });
  // The server answers before the body is sent and closes: writing the rest may then fail.
  outgoing.on('error', () => undefined);
  const answered = once(outgoing, 'response') as Promise<[IncomingMessage]>;
  for (let offset = 0; offset < body.length && !outgoing.destroyed; offset += 64 * 1024) outgoing.write(body.slice(offset, offset + 64 * 1024));
  outgoing.end();
  const [response] = await answered;
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return { status: response.statusCode, body: JSON.parse(text) as { errors: GraphQLFormattedError[] } };
}

describe('the GraphQL endpoint with the default limits and without the development conveniences (NODE_ENV=test)', () => {
  const server = useTestServer();
  const sockets = new Sockets(() => server.url);
  afterEach(() => sockets.disposeAll());

  it('answers a query nested 1,000 deep with a typed refusal, not HTTP 500', async () => {
    expectRefused(await post(server, nested(1_000)), 'MAX_TOKENS_EXCEEDED');
  });

  it('refuses an operation deeper than GRAPHQL_MAX_DEPTH (12) with MAX_DEPTH_EXCEEDED', async () => {
    expect(errorCodes(await post(server, nested(10)))).toEqual([]);
    const refused = await post(server, nested(12));
    expectRefused(refused, 'MAX_DEPTH_EXCEEDED');
    expect(refused.errors![0]!.message).toBe('Query depth limit of 12 exceeded, found 13.');
  });

  it('refuses 5,000 aliases, and more than GRAPHQL_MAX_ALIASES (15), before running any', async () => {
    expectRefused(await post(server, aliased(5_000, '__typename')), 'MAX_TOKENS_EXCEEDED');
    expect(errorCodes(await post(server, aliased(15, 'viewer { subject }')))).toEqual([]);
    const refused = await post(server, aliased(16, 'viewer { subject }'));
    expectRefused(refused, 'MAX_ALIASES_EXCEEDED');
    expect(refused.errors).toHaveLength(1);
  });

  it('refuses an operation over GRAPHQL_MAX_COST, such as five aliased pages of 100 entries, with MAX_COST_EXCEEDED', async () => {
    expect(errorCodes(await post(server, `{ ${USAGE_PAGE} }`))).toEqual([]);
    expectRefused(await post(server, aliased(5, USAGE_PAGE)), 'MAX_COST_EXCEEDED');
  });

  it('runs the costliest operation the dashboard sends (two pages of 100) within the default cost', async () => {
    const response = await execute(server.url, DashboardDocument, { token: await server.token({ sub: 'limits-admin', org: 'limits-org', role: 'admin' }) });
    expect(response.errors).toBeUndefined();
    expect(response.data?.viewer?.account?.members?.edges).toHaveLength(1);
  });

  it('refuses more than GRAPHQL_MAX_DIRECTIVES (50) directives with MAX_DIRECTIVES_EXCEEDED', async () => {
    const directives = Array.from({ length: 51 }, (_, index) => `a${index % 10}: __typename @include(if: true)`).join(' ');
    expectRefused(await post(server, `{ ${directives} }`), 'MAX_DIRECTIVES_EXCEEDED');
  });

  it('refuses a 5 MB body with HTTP 413 PAYLOAD_TOO_LARGE, with a Content-Length and chunked', async () => {
    for (const framing of ['content-length', 'chunked'] as const) {
      const answer = await postLarge(server.url, 5_000_000, framing);
      expect({ framing, status: answer.status, codes: answer.body.errors.map((error) => error.extensions?.code) }).toEqual({
        framing,
        status: 413,
        codes: ['PAYLOAD_TOO_LARGE'],
      });
    }
    // Just under MAX_BODY_BYTES (100 KiB) is read and answered.
    const accepted = await postLarge(server.url, 100 * 1024 - 100, 'chunked');
    expect(accepted.status).toBe(200);
  });

  it('refuses introspection with INTROSPECTION_DISABLED, and keeps __typename', async () => {
    for (const source of ['{ __schema { queryType { name } } }', '{ __type(name: "Account") { fields { name } } }']) {
      const refused = await post(server, source);
      expectRefused(refused, 'INTROSPECTION_DISABLED');
      expect(refused.errors).toHaveLength(1);
    }
    expect((await post(server, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('suggests no field, argument or enum value ("Did you mean …")', async () => {
    const wrong = [
      await post(server, '{ viewr { subject } }'),
      await post(server, '{ plans(frist: 1) { edges { node { key } } } }'),
      await post(server, '{ viewer { account { balance(meter: AI_CREDIT) { used } } } }'),
      await post(server, 'query ($meter: Meter!) { viewer { account { balance(meter: $meter) { used } } } }', { meter: 'AI_CREDIT' }),
    ];
    for (const response of wrong) {
      expect(response.errors).not.toHaveLength(0);
      expect(JSON.stringify(response.errors)).not.toMatch(/Did you mean|AI_CREDITS|"viewer"|"first"/);
    }
  });

  it('applies the same limits to operations over WebSocket', async () => {
    const socket = await sockets.connectWith(await server.token({ sub: 'limits-user' }));
    const deep = `subscription { balanceChanged(accountId: "x") { ${'... on MeterBalance { '.repeat(12)}used${' }'.repeat(12)} } }`;
    const refusals = [
      [deep, 'MAX_DEPTH_EXCEEDED'],
      // Printed (the client prints what it sends), 1,000 levels would be megabytes: over the socket's 1 MiB.
      [nested(300).replace('{', 'subscription {'), 'MAX_TOKENS_EXCEEDED'],
      [`subscription { balanceChanged(accountId: "x") ${aliased(16, 'used')} }`, 'MAX_ALIASES_EXCEEDED'],
      ['{ __schema { queryType { name } } }', 'INTROSPECTION_DISABLED'],
    ] as const;
    for (const [source, code] of refusals) {
      const errors: readonly GraphQLFormattedError[] | undefined = await socket
        .subscribe(operation(source), {})
        .next()
        .then(
          (result) => result.value?.errors,
          (thrown: unknown) => thrown as readonly GraphQLFormattedError[],
        );
      expect({ code, codes: errors?.map((error) => error.extensions?.code) }).toEqual({ code, codes: [code] });
    }
  });
});

describe('the GraphQL endpoint with GRAPHQL_INTROSPECTION=true, GRAPHQL_MAX_TOKENS=5000 and HTTP timeouts of 1 s', () => {
  const server = useTestServer({
    env: { GRAPHQL_INTROSPECTION: 'true', GRAPHQL_MAX_TOKENS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' },
  });

  it('answers introspection, and suggests names again', async () => {
    expect((await post(server, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(JSON.stringify((await post(server, '{ viewr { subject } }')).errors)).toContain('Did you mean \\"viewer\\"?');
  });

  it('refuses a query nested 1,000 deep within the token limit with MAX_DEPTH_EXCEEDED, not HTTP 500', async () => {
    const deep = `{ __type(name: "Query") { ${'ofType { '.repeat(1_000)}name${' }'.repeat(1_000)} } }`;
    expectRefused(await post(server, deep), 'MAX_DEPTH_EXCEEDED');
  });

  it('answers 408 and closes a connection whose body comes a byte every 50 ms, long before the body is sent', async () => {
    const body = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(200) });
    const { answer, sent } = await trickle(server.url, body, 50);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(body.length);
  });
});

describe('(config) the endpoint limits', () => {
  const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.internal/creditstream', JWT_SECRET: 'an-operator-secret-of-at-least-32-characters' };

  it('turn introspection off without the development conveniences unless GRAPHQL_INTROSPECTION=true', () => {
    expect(loadConfig(production).graphql.introspection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
    expect(loadConfig({}).graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'false' }).graphql.introspection).toBe(false);
  });

  it('refuse a token limit deep enough to overflow the parser, headers allowed longer than the request, and what is not a number', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ GRAPHQL_MAX_TOKENS: '10000', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '2000', MAX_BODY_BYTES: 'lots', GRAPHQL_INTROSPECTION: 'yes' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect([...problems].sort()).toEqual([
      'GRAPHQL_INTROSPECTION must be true or false',
      'GRAPHQL_MAX_TOKENS must be a whole number from 1 to 5000',
      'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS: the headers are part of the request',
      'MAX_BODY_BYTES must be a whole number from 1024 to 10485760',
    ]);
  });
});
