import { describe, expect, it } from 'vitest';
import { useTestServer } from './test-server.js';

type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };

/**
 * A read or a subscription has no result union: a malformed argument answers BAD_USER_INPUT,
 * naming the argument in `extensions.field`, whoever checked it (our parsers or Pothos's), and
 * never repeats the value.
 */
describe('malformed arguments of reads', () => {
  const server = useTestServer();

  async function read(query: string): Promise<Body> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token({ sub: 'reader' })}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as Body;
  }

  it.each([
    ['node(id:) that is no global id, however long', `{ node(id: "${'x'.repeat(100_000)}") { id } }`, 'id'],
    ['a negative page size', '{ plans(first: -1) { edges { cursor } } }', 'first'],
    ['a cursor that is none of the connection', '{ features(after: "zz") { edges { cursor } } }', 'cursor'],
    ['account(id:) of another type', `{ account(id: "${Buffer.from('Plan:rheos.free').toString('base64')}") { id } }`, 'id'],
  ])('%s', async (_case, query, field) => {
    const { errors } = await read(query);
    expect(errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', field]]);
    expect(errors![0]!.message.startsWith(`${field}: `)).toBe(true);
    expect(errors![0]!.message.length).toBeLessThan(200);
  });
});
