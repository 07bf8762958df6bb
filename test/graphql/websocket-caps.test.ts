import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { take } from '../realtime/realtime-fixture.js';
import { BalanceChangedDocument } from './generated/graphql.js';
import { newSubscriber, Sockets, type SubscriptionSocket } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// Small caps, so that a test reaches each one with a handful of sockets and messages.
const server = useTestServer({
  env: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL: '5', WS_MAX_SOCKETS_PER_PRINCIPAL: '3', WS_MESSAGES_PER_SECOND: '10' },
});
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

/** A `balanceChanged` subscription of the user's own account, once its first result arrived. */
async function watching(socket: SubscriptionSocket, accountId: string) {
  const results = socket.subscribe(BalanceChangedDocument, { accountId });
  const [first] = await take(results, 1);
  expect(first!.errors).toBeUndefined();
  return results;
}

/** The errors a subscription ended with (graphql-ws `error` message). */
async function refusalOf(results: AsyncIterator<unknown>): Promise<unknown> {
  return results.next().then(
    (step) => ({ unexpected: step }),
    (errors: unknown) => errors,
  );
}

const limit = (scope: 'SOCKET' | 'PRINCIPAL', cap: number) => [
  expect.objectContaining({ extensions: { code: 'SUBSCRIPTION_LIMIT', scope, limit: cap }, message: expect.stringContaining(`${cap} operations open`) }),
];

describe('WebSocket caps', () => {
  it('refuses an operation over the cap of its socket with SUBSCRIPTION_LIMIT, keeping the socket and the others; completing one frees its place', async () => {
    const { token, globalId: accountId } = await newSubscriber(server);
    const socket = await sockets.connectWith(token);
    const open = [await watching(socket, accountId), await watching(socket, accountId), await watching(socket, accountId)];

    expect(await refusalOf(socket.subscribe(BalanceChangedDocument, { accountId }))).toEqual(limit('SOCKET', 3));

    await open[0]!.return?.();
    await watching(socket, accountId);
  });

  it("refuses an operation over its principal's cap across sockets, and not another principal's; a closed socket frees its places", async () => {
    const { token, globalId: accountId } = await newSubscriber(server);
    const first = await sockets.connectWith(token);
    const second = await sockets.connectWith(token);
    for (let index = 0; index < 3; index++) await watching(first, accountId);
    await watching(second, accountId);
    await watching(second, accountId);

    expect(await refusalOf(second.subscribe(BalanceChangedDocument, { accountId }))).toEqual(limit('PRINCIPAL', 5));
    const other = await newSubscriber(server);
    await watching(await sockets.connectWith(other.token), other.globalId);

    await first.dispose();
    // The server forgets the socket when its side of the close is done, a moment after the client's.
    await vi.waitFor(async () => void (await watching(second, accountId)), { timeout: 2_000, interval: 100 });
  });

  it('closes a socket over the cap of its principal with 4430 instead of acknowledging it; a closed socket frees its place', async () => {
    const { token } = await newSubscriber(server);
    const open = [await sockets.connectWith(token), await sockets.connectWith(token), await sockets.connectWith(token)];

    const refused = sockets.connect({ authorization: `Bearer ${token}` });
    expect(await refused.closed).toEqual({ code: 4430, reason: 'Too many sockets for this access token: close one first.' });
    await sockets.connectWith((await newSubscriber(server)).token);

    await open[0]!.dispose();
    await vi.waitFor(() => sockets.connectWith(token), { timeout: 2_000, interval: 100 });
  });

  it('closes with 4429 a socket that floods subscribe and complete messages, having let at most its cap of subscriptions run', async () => {
    const { token, globalId: accountId } = await newSubscriber(server);
    const socket = await rawSocket(token);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    const answered = new Map<string, string>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: [{ extensions?: { code?: string } }] };
      if (message.id && !answered.has(message.id)) answered.set(message.id, message.type === 'error' ? message.payload![0].extensions!.code! : message.type);
    });
    const query = 'subscription ($id: ID!) { balanceChanged(accountId: $id) { meter available } }';
    const send = (index: number) => {
      socket.send(JSON.stringify({ id: `s${index}`, type: 'subscribe', payload: { query, variables: { id: accountId } } }));
      socket.send(JSON.stringify({ id: `unknown${index}`, type: 'complete' }));
    };
    // Six subscribes first: the three past the cap are refused (waited for, as a flood's later
    // refusals may still be on their way when the close cuts them off).
    for (let index = 0; index < 6; index++) send(index);
    await vi.waitFor(() => expect([...answered.values()].filter((type) => type === 'SUBSCRIPTION_LIMIT')).toHaveLength(3), { timeout: 2_000 });
    // Then 288 messages at once: with the first 12, three times what 10 a second allows in a 10-second window.
    for (let index = 6; index < 150; index++) send(index);

    expect(await closed).toEqual({ code: 4429, reason: 'Too many messages: send fewer subscribe and complete messages.' });
    // Before the close, the subscribes past the first three were refused, whatever their pace.
    const answers = [...answered.values()];
    expect(answers.filter((type) => type === 'next').length).toBeLessThanOrEqual(3);
    expect(answers.filter((type) => type === 'SUBSCRIPTION_LIMIT').length).toBeGreaterThan(0);
    expect(answers.every((type) => type === 'next' || type === 'SUBSCRIPTION_LIMIT')).toBe(true);
    // The principal's places were freed with the socket.
    await vi.waitFor(async () => void (await watching(await sockets.connectWith(token), accountId)), { timeout: 2_000, interval: 100 });
  });
});

/** A socket speaking graphql-transport-ws by hand, once acknowledged. */
async function rawSocket(token: string): Promise<WebSocket> {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  return socket;
}
