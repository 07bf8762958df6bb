/**
 * The soak's writes, through the public GraphQL API over HTTP with real tokens: `consumeCredits`
 * on hot pools and cold accounts, `reserveCredits` then `commitReservation` (all or part) or
 * `releaseReservation`, and `generate` by pool members. Some writes are sent a second time with
 * the same idempotency key, as a client that missed the answer would. Every answer is recorded in
 * `Expectations`; a negative balance in any answer is a violation at once.
 */
import { randomInt } from 'node:crypto';
import { Cluster } from '../bench/cluster.js';
import { now } from '../bench/measure.js';
import { consumeBody } from '../bench/workloads/http.js';
import type { EntryKind } from '../../src/ledger/index.js';
import type { Expectations } from './expectations.js';
import type { GraphqlHttp } from './graphql-http.js';

/** Answers that refuse a write of any kind without writing anything. */
const REFUSALS = ['InsufficientCreditsError', 'RateLimitedError'];

/** One write in this many is sent again with the same key once answered. */
const RETRY_ONE_IN = 5;

const RESERVE = /* GraphQL */ `
  mutation Reserve($input: ReserveCreditsInput!) {
    reserveCredits(input: $input) { __typename ... on ReserveCreditsSuccess { reservationId replayed balances { available used reserved } } }
  }
`;
const COMMIT = /* GraphQL */ `
  mutation Commit($input: CommitReservationInput!) {
    commitReservation(input: $input) { __typename ... on CommitReservationSuccess { replayed balances { available used reserved } } }
  }
`;
const RELEASE = /* GraphQL */ `
  mutation Release($input: ReleaseReservationInput!) {
    releaseReservation(input: $input) { __typename ... on ReleaseReservationSuccess { replayed balances { available used reserved } } }
  }
`;
const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateInput!) {
    generate(input: $input) { __typename ... on GenerationSuccess { replayed balances { available used reserved } } }
  }
`;

export type Member = { readonly token: string; readonly poolId: string };

export type Accounts = {
  readonly hot: readonly string[];
  readonly cold: readonly string[];
  readonly members: readonly Member[];
  readonly serviceToken: string;
};

type Result = { readonly __typename: string; readonly replayed?: boolean; readonly reservationId?: string; readonly balances?: readonly Record<string, number>[] };

/** How a write is named in `Expectations` and which answers mean what. */
type Write = {
  readonly accountId: string;
  readonly kind: EntryKind;
  readonly key: string;
  readonly token: string;
  readonly body: string;
  readonly field: string;
  readonly success: string;
  /** Answers that are an expected refusal (nothing written); anything else is a violation. */
  readonly refusals: readonly string[];
  /** Answers that decide nothing yet: a retry of a generation whose first attempt died with its server. */
  readonly undecided?: readonly string[];
};

export type TrafficCounts = { consumes: number; reservations: number; commits: number; releases: number; generations: number; refused: number };

const body = (query: string, input: Record<string, unknown>) => JSON.stringify({ query, variables: { input } });
const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;

export class Traffic {
  readonly counts: TrafficCounts = { consumes: 0, reservations: 0, commits: 0, releases: 0, generations: 0, refused: 0 };
  readonly violations: string[] = [];
  private sequence = 0;

  constructor(
    private readonly http: GraphqlHttp,
    private readonly accounts: Accounts,
    private readonly expectations: Expectations,
    private readonly runId: string,
  ) {}

  /** `workers` closed loops of mixed writes until `deadline` (monotonic ms). */
  async run(workers: number, deadline: number): Promise<void> {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (now() < deadline) await this.one();
      }),
    );
  }

  private key(what: string): string {
    return `soak-${this.runId}-${what}-${++this.sequence}`;
  }

  private async one(): Promise<void> {
    const roll = randomInt(100);
    if (roll < 35) return this.consume(pick(this.accounts.hot));
    if (roll < 60) return this.consume(pick(this.accounts.cold));
    if (roll < 80) return this.reserveAndSettle(roll < 70 ? pick(this.accounts.hot) : pick(this.accounts.cold));
    return this.generate(pick(this.accounts.members));
  }

  async consume(accountId: string): Promise<void> {
    const key = this.key('consume');
    this.counts.consumes += 1;
    await this.write({
      accountId, kind: 'DEBIT', key, token: this.accounts.serviceToken, body: consumeBody(accountId, key),
      field: 'consumeCredits', success: 'ConsumeCreditsSuccess', refusals: REFUSALS,
    });
  }

  private async reserveAndSettle(accountId: string): Promise<void> {
    const key = this.key('reserve');
    const amount = 1 + randomInt(4);
    this.counts.reservations += 1;
    const reserved = await this.write({
      accountId, kind: 'HOLD', key, token: this.accounts.serviceToken,
      body: body(RESERVE, { accountId: Cluster.globalId(accountId), meter: 'AI_CREDITS', amount, idempotencyKey: key }),
      field: 'reserveCredits', success: 'ReserveCreditsSuccess', refusals: REFUSALS,
    });
    if (!reserved?.reservationId) return;
    const reservationId = reserved.reservationId;
    if (randomInt(3) > 0) {
      const commitKey = this.key('commit');
      this.counts.commits += 1;
      await this.write({
        accountId, kind: 'COMMIT', key: commitKey, token: this.accounts.serviceToken,
        body: body(COMMIT, { reservationId, amounts: [{ meter: 'AI_CREDITS', amount: 1 + randomInt(amount) }], idempotencyKey: commitKey }),
        field: 'commitReservation', success: 'CommitReservationSuccess', refusals: [],
      });
    } else {
      const releaseKey = this.key('release');
      this.counts.releases += 1;
      await this.write({
        accountId, kind: 'RELEASE', key: releaseKey, token: this.accounts.serviceToken,
        body: body(RELEASE, { reservationId, idempotencyKey: releaseKey }),
        field: 'releaseReservation', success: 'ReleaseReservationSuccess', refusals: [],
      });
    }
  }

  /** A generation is charged by the commit of its hold: one COMMIT entry under its key. */
  private async generate(member: Member): Promise<void> {
    const key = this.key('generate');
    this.counts.generations += 1;
    await this.write({
      accountId: member.poolId, kind: 'COMMIT', key, token: member.token,
      body: body(GENERATE, { feature: 'image.generate', idempotencyKey: key, input: { prompt: `soak ${key}` }, parameters: { resolution: 'SD' } }),
      field: 'generate', success: 'GenerationSuccess', refusals: REFUSALS, undecided: ['GenerationInProgressError'],
    });
  }

  /** Sends the write (and, one time in `RETRY_ONE_IN`, again with its key); answers its success, if it had one. */
  private async write(write: Write): Promise<Result | null> {
    const first = await this.answer(write);
    if (first === null || randomInt(RETRY_ONE_IN) > 0) return first;
    const retried = await this.answer(write);
    if (first.__typename === write.success && retried?.__typename === write.success) this.expectations.checkReplayed(write.key, retried.replayed);
    return first;
  }

  private async answer(write: Write): Promise<Result | null> {
    const answer = await this.http.send(write.token, write.body);
    const expectation = { accountId: write.accountId, kind: write.kind, clientKey: write.key };
    if (!answer) {
      this.expectations.record({ ...expectation, outcome: 'unknown' });
      return null;
    }
    const result = answer.data[write.field] as Result;
    if (result.__typename === write.success) {
      this.expectations.record({ ...expectation, outcome: 'applied' });
      for (const balance of result.balances ?? []) {
        if (Object.values(balance).some((figure) => figure < 0)) this.violations.push(`${write.field} ${write.key} answered a negative balance ${JSON.stringify(balance)}`);
      }
      return result;
    }
    if (write.refusals.includes(result.__typename)) {
      this.counts.refused += 1;
      this.expectations.record({ ...expectation, outcome: 'refused' });
    } else {
      this.expectations.record({ ...expectation, outcome: 'unknown' });
      if (!write.undecided?.includes(result.__typename)) this.violations.push(`${write.field} ${write.key} answered ${JSON.stringify(result).slice(0, 300)}`);
    }
    return null;
  }
}
