import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { organizationAccountId } from '../../src/store/directory.js';
import { debitMany, expectQuiet, render, succeed, take } from '../realtime/realtime-fixture.js';
import { TestClock } from '../store/store-fixture.js';
import { execute } from './client.js';
import { CreditUsageDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId, dataOf, Sockets, ticksInLedger, type Tick } from './subscription-client.js';
import { useTestServer } from './test-server.js';

// reelbot.pro: 500 AI credits a day and 60 video generations a month; a render takes 2 and 1.
const clock = new TestClock(new Date('2026-03-10T12:00:00Z'));
const server = useTestServer({ env: { DEFAULT_PLAN: 'reelbot.pro' }, now: clock.now });
const sockets = new Sockets(() => server.url);
afterEach(() => sockets.disposeAll());

type Results = AsyncIterator<{ data?: { creditUsage: Tick } | null }>;
const ticks = async (results: Results, count: number) => dataOf(await take(results, count)).map((data) => data!.creditUsage);
const positions = (list: readonly Tick[]) => list.map((tick) => `${tick.seq}/${tick.meter}`);

/** An organization's pool with an admin and a plain member, opened by a first request of each. */
async function pool() {
  const organizationId = `o-${randomUUID()}`;
  const tokens = [];
  for (const role of ['admin', 'member'] as const) {
    const token = await server.token({ sub: `u-${randomUUID()}`, org: organizationId, role });
    expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
    tokens.push(token);
  }
  const accountId = organizationAccountId(organizationId);
  return { accountId, globalId: accountGlobalId(accountId), admin: tokens[0]!, member: tokens[1]! };
}

describe('creditUsage(after: cursor)', () => {
  it('resumes after every tick of a sequence of two-meter entries with exactly the ticks after it, the rest of its entry included, whatever the meter filter', async () => {
    const { accountId, globalId, admin } = await pool();
    const { store } = server.app;
    await succeed(store.execute(accountId, render('r1')));
    await debitMany(store, accountId, 1);
    await succeed(store.execute(accountId, render('r2')));
    const history = await ticksInLedger(store, accountId, 0);
    expect(positions(history)).toEqual([
      '1/AI_CREDITS',
      '2/VIDEO_GENERATIONS',
      '3/AI_CREDITS',
      '3/VIDEO_GENERATIONS',
      '4/AI_CREDITS',
      '5/AI_CREDITS',
      '5/VIDEO_GENERATIONS',
    ]);
    const socket = await sockets.connectWith(admin);
    expect(await ticks(socket.subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 0 }), history.length)).toEqual(history);

    for (const [index, seen] of history.entries()) {
      for (const meter of [undefined, 'AI_CREDITS', 'VIDEO_GENERATIONS'] as const) {
        const expected = history.slice(index + 1).filter((tick) => meter === undefined || tick.meter === meter);
        const resumed = socket.subscribe(CreditUsageDocument, { accountId: globalId, meter, after: seen.cursor });
        const replayed = await ticks(resumed, expected.length);
        expect(positions(replayed), `after ${seen.seq}/${seen.meter}, meter ${meter ?? 'any'}`).toEqual(positions(expected));
        expect(replayed).toEqual(expected);
        await expectQuiet(resumed, 20);
        await resumed.return?.();
      }
    }
  });

  it('replays and then goes live without sending a tick twice or skipping one, while renders race with the replay', async () => {
    const { accountId, globalId, admin } = await pool();
    const { store } = server.app;
    await succeed(store.execute(accountId, render('r1')));
    const [, firstOfRender] = await ticksInLedger(store, accountId, 1);
    const socket = await sockets.connectWith(admin);
    const resumed = socket.subscribe(CreditUsageDocument, { accountId: globalId, after: firstOfRender!.cursor });
    await Promise.all(Array.from({ length: 5 }, (_, index) => succeed(store.execute(accountId, render(`race-${index}`)))));
    const expected = (await ticksInLedger(store, accountId, 2)).slice(1);
    expect(expected).toHaveLength(1 + 5 * 2);
    expect(await ticks(resumed, expected.length)).toEqual(expected);
    await expectQuiet(resumed);
  });

  it("gives a tick the same cursor whatever the caller's view and meter filter", async () => {
    const { accountId, globalId, admin, member } = await pool();
    await succeed(server.app.store.execute(accountId, render('r1')));
    const asAdmin = await ticks((await sockets.connectWith(admin)).subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 2 }), 2);
    const asMember = await ticks((await sockets.connectWith(member)).subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 2 }), 2);
    const videos = await ticks((await sockets.connectWith(member)).subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 2, meter: 'VIDEO_GENERATIONS' }), 1);
    expect(asMember.map((tick) => tick.cursor)).toEqual(asAdmin.map((tick) => tick.cursor));
    expect(new Set(asAdmin.map((tick) => tick.cursor)).size).toBe(2);
    expect(videos[0]!.cursor).toBe(asAdmin[1]!.cursor);
  });

  it('refuses after with afterSeq, and what is not a cursor, with BAD_USER_INPUT', async () => {
    const { globalId, admin } = await pool();
    const socket = await sockets.connectWith(admin);
    const [history] = await ticks(socket.subscribe(CreditUsageDocument, { accountId: globalId, afterSeq: 0 }), 1);
    const refusal = async (variables: Parameters<typeof socket.subscribe<unknown, object>>[1]) => {
      const [result] = await take(socket.subscribe(CreditUsageDocument, variables as never), 1);
      return result!.errors!.map((error) => ({ message: error.message, code: error.extensions?.code }));
    };
    expect(await refusal({ accountId: globalId, after: history!.cursor, afterSeq: 0 })).toEqual([
      { message: 'after: cannot be given with afterSeq: resume after a tick or after an entry', code: 'BAD_USER_INPUT' },
    ]);
    const notACursor = [{ message: 'after: must be the cursor of a CreditTick', code: 'BAD_USER_INPUT' }];
    for (const after of ['', 'seq-4', Buffer.from('CreditTick:0:0').toString('base64url'), Buffer.from('CreditTick:4:-1').toString('base64url'), 'A'.repeat(200)]) {
      expect(await refusal({ accountId: globalId, after }), after).toEqual(notACursor);
    }
  });
});
