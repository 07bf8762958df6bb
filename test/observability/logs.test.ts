import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { execute } from '../graphql/client.js';
import { CreditUsageDocument, PlansDocument, ViewerDocument } from '../graphql/generated/graphql.js';
import { accountGlobalId } from '../graphql/ledger-fixture.js';
import { Sockets } from '../graphql/subscription-client.js';
import { useTestServer } from '../graphql/test-server.js';
import { failingPlanCatalog } from '../support/faults.js';
import { captureLogs, type LogLine } from '../support/log-capture.js';

const logs = captureLogs('debug');
const server = useTestServer({ logger: logs.logger });
const failingLogs = captureLogs('info');
const failing = useTestServer({ logger: failingLogs.logger, adjust: failingPlanCatalog('catalog store at 10.0.0.7 refused the read') });
const sockets = new Sockets(() => server.url);
const failingSockets = new Sockets(() => failing.url);
afterEach(() => Promise.all([sockets.disposeAll(), failingSockets.disposeAll()]));

const linesWith = (field: string, value: string): LogLine[] => logs.lines.filter((line) => line[field] === value);


describe('structured logs', () => {
  it("gives every line of an HTTP request the client's x-request-id and, once authenticated, the principal, and never the token", async () => {
    const token = await server.token({ sub: 'log-user', org: 'log-org', role: 'admin' });
    const requestId = `req-${randomUUID()}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: '{ viewer { subject } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(await response.json()).toEqual({ data: { viewer: { subject: 'log-user' } } });

    await vi.waitFor(() => expect(linesWith('requestId', requestId).map((line) => line.msg)).toContain('request'));
    const lines = linesWith('requestId', requestId);
    // yoga's own lines at debug, and the request's last line.
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'request', method: 'POST', path: '/graphql', status: 200, principal: { sub: 'log-user', role: 'admin', org: 'log-org' } });
    expect(typeof lines.at(-1)!.time).toBe('string');
    expect(logs.text()).not.toContain(token);
  });

  it('keeps the lines of concurrent requests apart, each with its own id and principal', async () => {
    const callers = await Promise.all(Array.from({ length: 8 }, async (_, index) => ({ sub: `many-${index}`, token: await server.token({ sub: `many-${index}` }), requestId: `many-${index}-${randomUUID()}` })));
    await Promise.all(
      callers.map(({ token, requestId }) =>
        fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId }, body: JSON.stringify({ query: '{ viewer { subject } }' }) }),
      ),
    );
    await vi.waitFor(() => expect(callers.every(({ requestId }) => linesWith('requestId', requestId).some((line) => line.msg === 'request'))).toBe(true));
    for (const { sub, requestId } of callers) {
      const principals = linesWith('requestId', requestId).flatMap((line) => (line.principal ? [(line.principal as { sub: string }).sub] : []));
      expect(principals.length).toBeGreaterThan(0);
      expect(new Set(principals)).toEqual(new Set([sub]));
    }
  });

  it("puts the request's id on the line of an unexpected error, logged in full while the client gets none of it", async () => {
    const requestId = `failing-${randomUUID()}`;
    const response = await fetch(failing.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify({ query: '{ plans { edges { node { name } } } }' }) });
    expect(JSON.stringify(await response.json())).not.toContain('10.0.0.7');
    const lines = failingLogs.lines.filter((line) => line.requestId === requestId);
    expect(lines.find((line) => line.level === 'error')?.msg).toContain('catalog store at 10.0.0.7 refused the read');
  });

  it('makes up a request id when the one sent is not a sane token, and echoes its own', async () => {
    const response = await fetch(server.url.replace('/graphql', '/health'), { headers: { 'x-request-id': 'two words\tand a tab' } });
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await vi.waitFor(() => expect(linesWith('requestId', requestId)).toContainEqual(expect.objectContaining({ msg: 'request', path: '/health', status: 200 })));
    expect(linesWith('requestId', requestId).every((line) => line.principal === undefined)).toBe(true);

    const tooLong = await fetch(server.url.replace('/graphql', '/health'), { headers: { 'x-request-id': 'x'.repeat(129) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives the lines of a WebSocket connection its connection id and principal, and never the token', async () => {
    const userId = `ws-${randomUUID()}`;
    const token = await server.token({ sub: userId });
    expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
    const socket = await sockets.connectWith(token);
    const usage = socket.subscribe(CreditUsageDocument, { accountId: accountGlobalId(`user:${userId}`), afterSeq: 0 });
    await usage.next();
    await socket.dispose();

    await vi.waitFor(() => expect(logs.lines.find((line) => line.msg === 'WebSocket connection closed' && (line.principal as { sub?: string })?.sub === userId)).toBeDefined());
    const accepted = logs.lines.find((line) => line.msg === 'WebSocket connection accepted' && (line.principal as { sub?: string })?.sub === userId)!;
    expect(accepted).toMatchObject({ level: 'info', principal: { sub: userId, role: 'member', org: null } });
    const connectionId = accepted.connectionId as string;
    expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesWith('connectionId', connectionId).map((line) => line.msg)).toEqual(['WebSocket connection accepted', 'WebSocket connection closed']);
    expect(linesWith('connectionId', connectionId).at(-1)).toMatchObject({ code: 1000, principal: { sub: userId } });
    expect(logs.text()).not.toContain(token);
  });

  it("puts the connection's id and principal on what its operations log: an unexpected error in building the context, and in executing", async () => {
    const errorsOf = async (claims: { sub: string; role?: 'service' }) => {
      const socket = await failingSockets.connectWith(await failing.token(claims));
      const first = await socket.subscribe(PlansDocument, {}).next().catch(() => undefined);
      const { connectionId } = failingLogs.lines.find((line) => line.msg === 'WebSocket connection accepted' && (line.principal as { sub?: string })?.sub === claims.sub)!;
      const lines = failingLogs.lines.filter((line) => line.level === 'error' && line.connectionId === connectionId);
      return { first, socket, lines };
    };
    // A member's first operation opens its account, which reads the failing catalog: graphql-ws
    // closes the socket, saying nothing of the error.
    const member = await errorsOf({ sub: `ws-failing-${randomUUID()}` });
    expect(await member.socket.closed).toEqual({ code: 4500, reason: 'Internal server error' });
    // A service opens no account: the query itself fails, masked.
    const service = await errorsOf({ sub: `svc:failing-${randomUUID()}`, role: 'service' });
    expect((service.first?.value?.errors as GraphQLFormattedError[] | undefined)?.map((error) => [error.message, error.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
    for (const { lines } of [member, service]) {
      expect(lines.map((line) => line.msg.split('\n')[0])).toEqual(['Error: catalog store at 10.0.0.7 refused the read']);
      expect(lines[0]!.principal).toBeDefined();
    }
  });
});

describe('createLogger', () => {
  it('writes only what LOG_LEVEL lets through', () => {
    for (const [level, expected] of [
      ['debug', ['debug', 'info', 'warn', 'error']],
      ['info', ['info', 'warn', 'error']],
      ['warn', ['warn', 'error']],
      ['error', ['error']],
      ['silent', []],
    ] as const) {
      const { logger, lines } = captureLogs(level);
      for (const at of ['debug', 'info', 'warn', 'error'] as const) logger[at](`at ${at}`);
      expect(lines.map((line) => line.level), level).toEqual(expected);
    }
  });

  it('blanks credentials in whatever object a line is given', () => {
    const written: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void written.push(line) });
    logger.info({ headers: { authorization: 'Bearer abc.def.ghi' }, connectionParams: { token: 'abc.def.ghi' }, token: 'abc.def.ghi' }, 'careless');
    expect(written.join('')).not.toContain('abc.def.ghi');
    expect(JSON.parse(written[0]!)).toMatchObject({ headers: { authorization: '[redacted]' }, token: '[redacted]', connectionParams: '[redacted]' });
  });
});
