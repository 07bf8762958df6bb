import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenClaims } from '../../src/auth/index.js';
import { FORBIDDEN_MESSAGE } from '../../src/graphql/errors.js';
import { errorCodes, execute, type GraphQLResponse } from './client.js';
import {
  ChangePlanDocument,
  CommitReservationDocument,
  ConsumeCreditsDocument,
  CreateQuoteDocument,
  GenerateDocument,
  GrantCreditsDocument,
  ReleaseReservationDocument,
  ReserveCreditsDocument,
  SetMemberCapDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { useTestServer } from './test-server.js';
import { accountGlobalId, userGlobalId } from './ledger-fixture.js';
import { as, probeOf } from './write-fixture.js';

/**
 * Who may write where. Organization `oa` has the member `m`, the admin `a` and the member `peer`;
 * `ob` has `outsider`. Each caller meets each account: its organization's pool (which members and
 * admins draw from), its own user account, a colleague's, another organization's pool, an
 * outsider's account, and an account that does not exist.
 */
const server = useTestServer();
const probe = probeOf(server);

type Caller = 'member' | 'admin' | 'service';
const CALLERS: Record<Caller, TokenClaims> = {
  member: { sub: 'm', org: 'oa' },
  admin: { sub: 'a', org: 'oa', role: 'admin' },
  service: { sub: 'svc:backend', role: 'service' },
};

const TARGETS = {
  'own pool': 'org:oa',
  'own user account': 'user:{self}',
  'same-org colleague': 'user:peer',
  'foreign pool': 'org:ob',
  'foreign user': 'user:outsider',
  'no such account': 'user:ghost',
} as const;
type Target = keyof typeof TARGETS;

const tokens = {} as Record<Caller, string>;

beforeAll(async () => {
  for (const claims of [{ sub: 'peer', org: 'oa' }, { sub: 'outsider', org: 'ob' }, CALLERS.member, CALLERS.admin]) {
    await execute(server.url, ViewerDocument, { token: await server.token(claims) });
  }
  for (const caller of Object.keys(CALLERS) as Caller[]) tokens[caller] = await server.token(CALLERS[caller]);
});

function accountOf(caller: Caller, target: Target): string {
  return TARGETS[target].replace('{self}', CALLERS[caller].sub);
}

/** What a write answered: FORBIDDEN (with the API's one message, naming nothing), or the typename of its result. */
function outcomeOf(response: GraphQLResponse<Record<string, { __typename: string } | null>>): string {
  if (response.errors) {
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]).toMatchObject({ message: FORBIDDEN_MESSAGE, extensions: { code: 'FORBIDDEN' } });
    // The refused field alone is null (every root field is nullable).
    expect(Object.values(response.data!)).toEqual([null]);
    return 'FORBIDDEN';
  }
  return Object.values(response.data!)[0]!.__typename;
}

let counter = 0;
const key = () => `authz-${(counter += 1)}`;

/** Holds credits on `accountId` as the service, for the callers to settle; on an account that does not exist, a made-up reservation. */
async function reservationOn(accountId: string): Promise<string> {
  const [state] = await probe.store.loadAccounts([accountId]);
  if (!state) return Buffer.from(`Reservation:${JSON.stringify([accountId, 'hold-1'])}`).toString('base64');
  const response = await execute(server.url, ReserveCreditsDocument, {
    token: await server.token(CALLERS.service),
    variables: { input: { accountId: accountGlobalId(accountId), idempotencyKey: key(), meter: 'AI_CREDITS', amount: 1 } },
  });
  return as(response.data?.reserveCredits, 'ReserveCreditsSuccess').reservationId;
}

type Write = (token: string | undefined, accountId: string) => Promise<GraphQLResponse<Record<string, { __typename: string } | null>>>;

const writes: Record<string, Write> = {
  consumeCredits: (token, accountId) =>
    execute(server.url, ConsumeCreditsDocument, {
      token,
      variables: { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key() } },
    }),
  reserveCredits: (token, accountId) =>
    execute(server.url, ReserveCreditsDocument, {
      token,
      variables: { input: { accountId: accountGlobalId(accountId), idempotencyKey: key(), feature: 'image.generate' } },
    }),
  commitReservation: async (token, accountId) =>
    execute(server.url, CommitReservationDocument, { token, variables: { input: { reservationId: await reservationOn(accountId), idempotencyKey: key() } } }),
  releaseReservation: async (token, accountId) =>
    execute(server.url, ReleaseReservationDocument, { token, variables: { input: { reservationId: await reservationOn(accountId), idempotencyKey: key() } } }),
  createQuote: (token, accountId) =>
    execute(server.url, CreateQuoteDocument, { token, variables: { input: { accountId: accountGlobalId(accountId), feature: 'image.generate' } } }),
  grantCredits: (token, accountId) =>
    execute(server.url, GrantCreditsDocument, {
      token,
      variables: { input: { accountId: accountGlobalId(accountId), meter: 'AI_CREDITS', amount: 5, reason: 'test', idempotencyKey: key() } },
    }),
  changePlan: (token, accountId) =>
    execute(server.url, ChangePlanDocument, { token, variables: { input: { accountId: accountGlobalId(accountId), plan: 'rheos.free', idempotencyKey: key() } } }),
  setMemberCap: (token, accountId) =>
    execute(server.url, SetMemberCapDocument, {
      token,
      variables: { input: { accountId: accountGlobalId(accountId), memberId: userGlobalId('peer'), meter: 'AI_CREDITS', cap: 40, idempotencyKey: key() } },
    }),
};

const F = 'FORBIDDEN';
/** A service may act on every account; its own "user account" is no account (a service has none), like the last target. */
const serviceRow = (success: string) => [success, 'AccountNotFoundError', success, success, success, 'AccountNotFoundError'];
/** Per write, per caller: the outcome on each target, in the order of TARGETS. */
const MATRIX: Record<string, Record<Caller, readonly string[]>> = {
  consumeCredits: {
    member: ['ConsumeCreditsSuccess', F, F, F, F, F],
    admin: ['ConsumeCreditsSuccess', F, F, F, F, F],
    service: serviceRow('ConsumeCreditsSuccess'),
  },
  reserveCredits: {
    member: ['ReserveCreditsSuccess', F, F, F, F, F],
    admin: ['ReserveCreditsSuccess', F, F, F, F, F],
    service: serviceRow('ReserveCreditsSuccess'),
  },
  // The reservations are a service's: a plain member settles only its own, an admin any in its pool.
  commitReservation: {
    member: ['ReservationNotFoundError', F, F, F, F, F],
    admin: ['CommitReservationSuccess', F, F, F, F, F],
    service: serviceRow('CommitReservationSuccess'),
  },
  releaseReservation: {
    member: ['ReservationNotFoundError', F, F, F, F, F],
    admin: ['ReleaseReservationSuccess', F, F, F, F, F],
    service: serviceRow('ReleaseReservationSuccess'),
  },
  createQuote: {
    member: ['Quote', F, F, F, F, F],
    admin: ['Quote', F, F, F, F, F],
    service: serviceRow('Quote'),
  },
  grantCredits: {
    member: Array<string>(6).fill(F),
    admin: Array<string>(6).fill(F),
    service: serviceRow('GrantCreditsSuccess'),
  },
  changePlan: {
    member: Array<string>(6).fill(F),
    admin: Array<string>(6).fill(F),
    service: serviceRow('ChangePlanSuccess'),
  },
  setMemberCap: {
    member: Array<string>(6).fill(F),
    admin: ['SetMemberCapSuccess', F, F, F, F, F],
    // Caps are for pools: a service naming a user's account gets a typed refusal, not FORBIDDEN.
    service: ['SetMemberCapSuccess', 'InvalidInputError', 'InvalidInputError', 'SetMemberCapSuccess', 'InvalidInputError', 'InvalidInputError'],
  },
};

describe('the authorization of writes', () => {
  for (const [write, byCaller] of Object.entries(MATRIX)) {
    it(`${write}: members and admins spend from their drawing account only, admins cap their own pool, services act anywhere`, async () => {
      const seen: Record<string, string[]> = {};
      for (const caller of Object.keys(byCaller) as Caller[]) {
        seen[caller] = [];
        for (const target of Object.keys(TARGETS) as Target[]) {
          const accountId = accountOf(caller, target);
          const entries = accountId === 'user:ghost' ? 0 : await probe.entryCount(accountId);
          const outcome = outcomeOf(await writes[write]!(tokens[caller], accountId));
          seen[caller].push(outcome);
          // A refused write leaves the account as it was (reservations the test itself took aside).
          if (outcome === F && accountId !== 'user:ghost' && write !== 'commitReservation' && write !== 'releaseReservation') {
            expect(await probe.entryCount(accountId), `${caller} ${write} ${target}`).toBe(entries);
          }
        }
      }
      expect(seen).toEqual(byCaller);
    });
  }

  it('generate runs on the caller’s drawing account: members and admins, never a service', async () => {
    const input = { feature: 'image.generate', input: { prompt: 'p' } };
    for (const caller of ['member', 'admin'] as const) {
      const response = await execute(server.url, GenerateDocument, { token: tokens[caller], variables: { input: { ...input, idempotencyKey: key() } } });
      expect(as(response.data?.generate, 'GenerationSuccess').accountId).toBe(accountGlobalId('org:oa'));
    }
    const service = await execute(server.url, GenerateDocument, { token: tokens.service, variables: { input: { ...input, idempotencyKey: key() } } });
    expect(outcomeOf(service)).toBe(F);
  });

  it('a member spends as itself: naming another member is FORBIDDEN; a service names members of pools only', async () => {
    const asMember = await execute(server.url, ConsumeCreditsDocument, {
      token: tokens.member,
      variables: { input: { accountId: accountGlobalId('org:oa'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key(), memberId: userGlobalId('peer') } },
    });
    expect(outcomeOf(asMember)).toBe(F);
    const asItself = await execute(server.url, ConsumeCreditsDocument, {
      token: tokens.member,
      variables: { input: { accountId: accountGlobalId('org:oa'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key(), memberId: userGlobalId('m') } },
    });
    expect(outcomeOf(asItself)).toBe('ConsumeCreditsSuccess');
    const forMember = await execute(server.url, ConsumeCreditsDocument, {
      token: tokens.service,
      variables: { input: { accountId: accountGlobalId('org:oa'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key(), memberId: userGlobalId('peer') } },
    });
    expect(outcomeOf(forMember)).toBe('ConsumeCreditsSuccess');
    const onUser = await execute(server.url, ConsumeCreditsDocument, {
      token: tokens.service,
      variables: { input: { accountId: accountGlobalId('user:peer'), meter: 'AI_CREDITS', amount: 1, idempotencyKey: key(), memberId: userGlobalId('peer') } },
    });
    expect(as(onUser.data?.consumeCredits, 'InvalidInputError').field).toBe('memberId');
  });

  it('every write needs a token', async () => {
    for (const [write, run] of Object.entries(writes)) {
      const response = await run(undefined, 'org:oa');
      expect(errorCodes(response), write).toEqual(['UNAUTHENTICATED']);
      expect(Object.values(response.data!), write).toEqual([null]);
    }
  });
});
