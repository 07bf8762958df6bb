import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { watchLiveUsage, type ConnectionState, type LiveTick } from '../../src/client/live-usage.js';
import { tickCursor } from '../../src/graphql/subscriptions/tick-cursor.js';
import { useServersOnDatabaseProcess } from '../faults/servers-on-database-process.js';
import { cursorsOf, eventually, openUser, spend } from './live-usage-fixture.js';

const servers = useServersOnDatabaseProcess(`cs-live-usage-restart-${randomUUID().slice(0, 8)}`);

describe('the live usage client helper through a server restart', () => {
  it('reconnects to the server started again on the same port and database, and receives every tick once, in order, none lost while it was down', async () => {
    const watched = await servers.startServer();
    // Another server on the same database takes the writes while the watched one is down.
    const other = await servers.startServer();
    const user = await openUser(watched.graphqlUrl, servers.tokenFor);
    const token = await servers.tokenFor(user.userId);
    const received: LiveTick[] = [];
    const states: ConnectionState[] = [];
    const live = watchLiveUsage({
      url: watched.graphqlUrl.replace(/^http/, 'ws'),
      token: () => servers.tokenFor(user.userId),
      after: tickCursor({ seq: 1, change: 0 }),
      onTick: (tick) => received.push(tick),
      onState: (state) => states.push(state),
      webSocketImpl: WebSocket,
      retry: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    try {
      const expected = async () => cursorsOf((await servers.stored(user.accountId)).entries).slice(1);
      await spend(watched.graphqlUrl, token, user.globalId, 5);
      const beforeCrash = await expected();
      await eventually('the ticks before the crash', () => received.length === beforeCrash.length);

      watched.server.child.kill('SIGKILL');
      await watched.server.exited;
      await spend(other.graphqlUrl, token, user.globalId, 5);
      const restarted = await servers.startServer({ PORT: new URL(watched.url).port });
      await eventually('the reconnection', () => states.filter((state) => state === 'live').length === 2);
      await spend(restarted.graphqlUrl, token, user.globalId, 5);

      const all = await expected();
      expect(all).toHaveLength(beforeCrash.length + 10);
      await eventually(`${all.length} ticks`, () => received.length >= all.length);
      expect(received.map((tick) => tick.cursor)).toEqual(all);
      expect(states).toContain('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(all.length);
    } finally {
      await live.dispose();
    }
  });
});
