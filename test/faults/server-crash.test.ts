import { describe, expect, it } from 'vitest';
import { accountGlobalId, reservationGlobalId } from '../../src/graphql/inputs/global-ids.js';
import { clientKeyOf } from '../../src/graphql/inputs/idempotency-keys.js';
import { meterFigures, METERS, replayEntries } from '../../src/ledger/index.js';
import { execute } from '../graphql/client.js';
import { AccountDocument, ConsumeCreditsDocument, ReserveCreditsDocument } from '../graphql/generated/graphql.js';
import { useServersOnDatabaseProcess } from './servers-on-database-process.js';

/**
 * Issue 12: the server process (src/main.ts, as `npm start` runs it) killed with SIGKILL at a
 * random point of a burst of keyed writes, several times over, on one database process. What the
 * dead server applied is all in the database, once: a new server replays every answer it gave,
 * applies what it never got to, and the holds nobody settles expire by themselves.
 *
 * The moments are random: a failure prints its seed, and CRASH_SEED=<seed> repeats its rounds.
 */
const ACCOUNT = 'user:crash';
const ROUNDS = 3;
/** Keys a round sends, and how many of them it sends twice: 60 requests. */
const KEYS_PER_ROUND = 50;
const SENT_TWICE = 10;
/** Short, so that the holds the rounds leave open expire within the test. */
const HOLD_TTL_SECONDS = 4;
/** rheos.pro: 1,000 AI credits a month, far more than the rounds spend (no refusal for lack of credits). */
const PLAN = 'rheos.pro';
const ALLOWANCE = 1_000;

const seed = Number(process.env.CRASH_SEED) || Math.floor(Math.random() * 2 ** 31);
const because = (what: string) => `${what} (CRASH_SEED=${seed})`;

/** mulberry32: a small seeded generator, so that a failing run can be repeated. */
function seededRandom(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = seededRandom(seed);
const randomInt = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const servers = useServersOnDatabaseProcess('server-crash', {
  DEFAULT_PLAN: PLAN,
  LEDGER_HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
  // Every round sends 120 spending requests or more; the spend limit is not what is tested here.
  RATE_LIMIT_SPEND_PER_MINUTE: '0',
});
const startServer = () => servers.startServer();
const stored = () => servers.stored(ACCOUNT);
const token = await servers.tokenFor('crash');
const accountId = accountGlobalId(ACCOUNT);

type Request = { key: string; kind: 'consume' | 'reserve'; amount: number };
type ConsumeAnswer = NonNullable<NonNullable<Awaited<ReturnType<typeof consume>>['data']>['consumeCredits']>;
type ReserveAnswer = NonNullable<NonNullable<Awaited<ReturnType<typeof reserve>>['data']>['reserveCredits']>;
type Answer = ConsumeAnswer | ReserveAnswer | { __typename: 'NoData'; errors: unknown };

const consume = (graphqlUrl: string, request: Request) =>
  execute(graphqlUrl, ConsumeCreditsDocument, { token, variables: { input: { accountId, meter: 'AI_CREDITS', amount: request.amount, idempotencyKey: request.key } } });
const reserve = (graphqlUrl: string, request: Request) =>
  execute(graphqlUrl, ReserveCreditsDocument, { token, variables: { input: { accountId, meter: 'AI_CREDITS', amount: request.amount, idempotencyKey: request.key } } });

/** The answer to one request, or undefined when none came (the server died first, or refused the connection once dead). */
async function send(graphqlUrl: string, request: Request): Promise<Answer | undefined> {
  try {
    const response = request.kind === 'consume' ? await consume(graphqlUrl, request) : await reserve(graphqlUrl, request);
    const data = response.data as { consumeCredits?: ConsumeAnswer; reserveCredits?: ReserveAnswer } | null | undefined;
    return data?.consumeCredits ?? data?.reserveCredits ?? { __typename: 'NoData', errors: response.errors };
  } catch {
    return undefined;
  }
}

/** An answer apart from whether it was a replay: what a retry must repeat. */
const payload = (answer: Answer) => ({ ...answer, replayed: undefined });
const successOf = (request: Request) => (request.kind === 'consume' ? 'ConsumeCreditsSuccess' : 'ReserveCreditsSuccess');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The history is whole: seqs 1..lastSeq without a gap, nothing left uncopied in the account, and the stored balances are what the entries replay to. */
async function expectWholeHistory() {
  const { account, entries } = await stored();
  expect(account.pendingEntries, because('entries left uncopied after a server started')).toEqual([]);
  expect(
    entries.map((entry) => entry.seq),
    because('seqs 1..N'),
  ).toEqual(Array.from({ length: account.state.lastSeq }, (_, index) => index + 1));
  const replayed = replayEntries(entries);
  expect(replayed.lastSeq).toBe(account.state.lastSeq);
  for (const meter of METERS) expect(replayed.meters[meter], because(`${meter} replayed from the history`)).toEqual(meterFigures(account.state, meter));
  return { account, entries };
}

describe('SIGKILL mid-burst, several times (issue 12)', () => {
  it('after each restart the ledger replays to the stored balances, no key is charged twice, every retry gets the original answer, and the open holds expire and release', async () => {
    const requests: Request[] = [];
    /** Every answer each key got, the burst's and the retry's. */
    const answers = new Map<string, Answer[]>();
    let lost = 0;
    let current = await startServer();

    for (let round = 0; round < ROUNDS; round += 1) {
      const keys: Request[] = Array.from({ length: KEYS_PER_ROUND }, (_, index) => ({
        key: `r${round}-k${index}`,
        kind: random() < 0.5 ? 'consume' : 'reserve',
        amount: randomInt(1, 3),
      }));
      requests.push(...keys);
      // The same request twice for some keys, everything in a random order.
      const sends = [...keys, ...keys.slice(0, SENT_TWICE)]
        .map((request) => ({ request, order: random() }))
        .sort((a, b) => a.order - b.order)
        .map(({ request }) => request);

      // Killed after a random number of answers, or a random delay after the first one.
      const killAfterAnswers = round % 2 === 0 ? randomInt(1, 40) : undefined;
      const killDelayMs = randomInt(0, 150);
      const { server, graphqlUrl } = current;
      let answered = 0;
      const kill = () => server.child.kill('SIGKILL');
      const inFlight: Promise<void>[] = [];
      for (const request of sends) {
        inFlight.push(
          send(graphqlUrl, request).then((answer) => {
            if (answer === undefined) {
              lost += 1;
              return;
            }
            answers.set(request.key, [...(answers.get(request.key) ?? []), answer]);
            answered += 1;
            if (killAfterAnswers !== undefined && answered === killAfterAnswers) kill();
            if (killAfterAnswers === undefined && answered === 1) setTimeout(kill, killDelayMs);
          }),
        );
        // Sent over a few tens of milliseconds, so that the kill falls among them (what is sent
        // after it finds the connection refused).
        await sleep(randomInt(0, 2));
      }
      expect(await server.exited, because(`round ${round}: killed`)).toMatchObject({ signal: 'SIGKILL' });
      await Promise.all(inFlight);

      // A new server on the same database: what the dead one left uncopied is copied at start.
      current = await startServer();
      await expectWholeHistory();

      // Every key of the round again, with the same request.
      const retries = await Promise.all(keys.map((request) => send(current.graphqlUrl, request)));
      keys.forEach((request, index) => {
        const retry = retries[index];
        const first = answers.get(request.key) ?? [];
        expect(retry?.__typename, because(`${request.key} retried`)).toBe(successOf(request));
        for (const answer of first) expect(answer.__typename, because(`${request.key} answered in the burst`)).toBe(successOf(request));
        // An answered key replays exactly what it first answered; one whose answers were all
        // lost replays (the dead server applied it) or applies now.
        if (first.length > 0) expect(retry && 'replayed' in retry && retry.replayed, because(`${request.key} replayed`)).toBe(true);
        const all = [...first, retry!];
        for (const answer of all) expect(payload(answer), because(`${request.key} answered the same each time`)).toEqual(payload(all[0]!));
        expect(all.filter((answer) => 'replayed' in answer && !answer.replayed).length, because(`${request.key} applied once`)).toBeLessThanOrEqual(1);
        answers.set(request.key, all);
      });
    }
    // The kills fell mid-burst: some answers never came.
    expect(lost, because('answers lost to the kills')).toBeGreaterThan(0);

    // No key charged twice, whichever server applied it: one DEBIT or HOLD per key, of its amount.
    const { entries } = await expectWholeHistory();
    const charges = entries
      .filter((entry) => entry.kind === 'DEBIT' || entry.kind === 'HOLD')
      .map((entry) => ({ ...entry, idempotencyKey: clientKeyOf(entry.idempotencyKey!) }));
    expect(charges.map((entry) => entry.idempotencyKey).sort(), because('one charge per key')).toEqual(requests.map((request) => request.key).sort());
    const holdIds = new Map<string, string>();
    for (const request of requests) {
      const charge = charges.find((entry) => entry.idempotencyKey === request.key)!;
      expect(charge.kind, because(request.key)).toBe(request.kind === 'consume' ? 'DEBIT' : 'HOLD');
      expect(charge.changes, because(request.key)).toMatchObject([{ meter: 'AI_CREDITS', delta: -request.amount }]);
      if (request.kind === 'reserve') {
        const holdId = String(charge.details.holdId);
        holdIds.set(request.key, holdId);
        // The reservation every answer of the key named is the hold the history has.
        for (const answer of answers.get(request.key)!) expect(answer, because(request.key)).toMatchObject({ reservationId: reservationGlobalId(ACCOUNT, holdId) });
      }
    }
    expect(holdIds.size, because('holds taken')).toBeGreaterThan(0);

    // The holds are never committed: once the last has expired, nothing is reserved and what is
    // available is what the debits alone leave.
    const reserves = [...answers.values()].map((all) => all[0]!).filter((answer): answer is Extract<ReserveAnswer, { __typename: 'ReserveCreditsSuccess' }> => answer.__typename === 'ReserveCreditsSuccess');
    const lastExpiry = Math.max(...reserves.map((answer) => new Date(answer.expiresAt as string).getTime()));
    expect(lastExpiry - Date.now(), because(`holds live LEDGER_HOLD_TTL_SECONDS=${HOLD_TTL_SECONDS}`)).toBeLessThanOrEqual(HOLD_TTL_SECONDS * 1000);
    await sleep(Math.max(0, lastExpiry - Date.now() + 100));
    const debited = requests.filter((request) => request.kind === 'consume').reduce((sum, request) => sum + request.amount, 0);
    const read = await execute(current.graphqlUrl, AccountDocument, { token, variables: { id: accountId } });
    expect(read.data?.account?.balances.find((balance) => balance.meter === 'AI_CREDITS'), because('read after the holds expired')).toMatchObject({
      available: ALLOWANCE - debited,
      used: debited,
      reserved: 0,
    });
    // The next write records the expiries in the history: a RELEASE of each hold, HOLD_EXPIRED.
    const after = await send(current.graphqlUrl, { key: 'after-expiry', kind: 'consume', amount: 1 });
    expect(after, because('a write after the holds expired')).toMatchObject({
      __typename: 'ConsumeCreditsSuccess',
      replayed: false,
      balances: expect.arrayContaining([expect.objectContaining({ meter: 'AI_CREDITS', available: ALLOWANCE - debited - 1, used: debited + 1, reserved: 0 })]),
    });
    current.server.child.kill('SIGTERM');
    expect(await current.server.exited).toMatchObject({ exitCode: 0 });

    const final = await expectWholeHistory();
    expect(final.account.state.holds, because('open holds left')).toEqual([]);
    const releases = final.entries.filter((entry) => entry.kind === 'RELEASE');
    expect(releases.map((entry) => entry.details.holdId).sort(), because('one release per hold')).toEqual([...holdIds.values()].sort());
    for (const release of releases) expect(release.details, because('released by expiry')).toMatchObject({ reason: 'HOLD_EXPIRED', settlement: 'RELEASED' });
    expect(final.entries.some((entry) => entry.kind === 'COMMIT')).toBe(false);
    for (const [key, holdId] of holdIds) {
      const held = requests.find((request) => request.key === key)!.amount;
      expect(releases.find((entry) => entry.details.holdId === holdId)!.changes, because(key)).toMatchObject([{ meter: 'AI_CREDITS', delta: held, reservedDelta: -held }]);
    }
  });
});
