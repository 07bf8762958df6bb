import { INPUT_LIMITS } from '../../ledger/index.js';
import type { SessionPlace, SessionTotals } from '../../store/session-queries.js';
import { AccountRef, itemizedMemberFor } from '../accounts/index.js';
import { builder } from '../builder.js';
import { viewerOf, type Context } from '../context.js';
import { boundedText } from '../inputs/index.js';
import { InvalidInputError, MeterAmountRef, meterAmountList } from '../results/index.js';
import { MAX_PAGE_SIZE } from '../usage/seq-paging.js';
import { timeRange } from '../usage/time-range.js';
import { accountKey, accountOfId, loadByAccount } from './account-keys.js';

type SessionNode = SessionTotals & { readonly accountId: string };

const DAY_MS = 86_400_000;
/** Without `since`, the sessions of the last 31 days; a range spans at most 366. */
const DEFAULT_SESSION_DAYS = 31;
const MAX_SESSION_DAYS = 366;

export const GenerationSessionRef = builder.loadableNodeRef<SessionNode | null, string, string, string, SessionNode>('GenerationSession', {
  id: { resolve: ({ accountId, sessionId }) => accountKey(accountId, sessionId) },
  load: (keys: readonly string[], context: Context) =>
    loadByAccount(keys, context, async (accountId, sessionIds, viewer) => {
      // A plain member of a pool counts its own entries only, as its history lists them.
      const itemized = itemizedMemberFor(viewer, accountOfId(accountId));
      const totals = await context.services.store.sessionTotals(accountId, sessionIds, itemized ?? undefined);
      return new Map(totals.map((total) => [total.sessionId, { ...total, accountId }]));
    }),
});

GenerationSessionRef.implement({
  description:
    "A generation session of an account (the `sessionId` its writes named): what it was charged, whole, and how many generations it took. In an organization pool a plain member sees its own part only.",
  fields: (t) => ({
    sessionId: t.exposeString('sessionId'),
    charged: t.field({
      type: [MeterAmountRef],
      description: 'What its debits and commits consumed, per meter: the sum of its entries, as usage summaries count them. A reused step adds nothing.',
      resolve: ({ charged }) => meterAmountList(charged),
    }),
    generations: t.exposeInt('generations', { description: 'The generations made in it, reused steps and failures included.' }),
    startedAt: t.field({ type: 'DateTime', description: 'Its first entry.', resolve: ({ firstAt }) => firstAt }),
    lastActivityAt: t.field({ type: 'DateTime', description: 'Its latest entry.', resolve: ({ lastAt }) => lastAt }),
  }),
});

/** A page of sessions continues after the last one of the previous page, by its place. */
function cursorOf({ sessionId, lastAt }: SessionPlace): string {
  return Buffer.from(JSON.stringify([lastAt.getTime(), sessionId])).toString('base64url');
}

function placeOf(cursor: string | null | undefined): SessionPlace | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== 'string') {
    throw new InvalidInputError({ field: 'after', problem: 'must be a cursor from this connection' });
  }
  return { lastAt: new Date(parsed[0] as number), sessionId: parsed[1] as string };
}

/** [since, until): up to now and 31 days back by default, at most 366 days. */
function sessionRange(context: Context, since: Date | null | undefined, until: Date | null | undefined) {
  const bounds = timeRange(since, until);
  // Just after now: what was written this very instant is in.
  const to = bounds.until ?? new Date(context.services.store.now().getTime() + 1);
  const from = bounds.since ?? new Date(to.getTime() - DEFAULT_SESSION_DAYS * DAY_MS);
  if (from >= to) throw new InvalidInputError({ field: 'until', problem: 'must be after `since`' });
  if (to.getTime() - from.getTime() > MAX_SESSION_DAYS * DAY_MS) throw new InvalidInputError({ field: 'since', problem: `must be at most ${MAX_SESSION_DAYS} days before \`until\`` });
  return { since: from, until: to };
}

const GenerationSessionConnectionRef = builder.connectionObject(
  { type: GenerationSessionRef, name: 'GenerationSessionConnection' },
  { name: 'GenerationSessionEdge' },
);

builder.objectField(AccountRef, 'sessions', (t) =>
  t.field({
    type: GenerationSessionConnectionRef,
    description:
      'The sessions with entries in [since, until), the latest active first, each with its whole total. Forward only. In an organization pool a plain member sees its own only.',
    args: {
      first: t.arg.int({ required: true, defaultValue: 20, description: `At most ${MAX_PAGE_SIZE}.` }),
      after: t.arg.string(),
      since: t.arg({ type: 'DateTime', description: `Inclusive; by default ${DEFAULT_SESSION_DAYS} days before \`until\`, at most ${MAX_SESSION_DAYS}.` }),
      until: t.arg({ type: 'DateTime', description: 'Exclusive; by default just after now.' }),
    },
    resolve: async (account, args, context) => {
      if (args.first < 1 || args.first > MAX_PAGE_SIZE) throw new InvalidInputError({ field: 'first', problem: `must be 1 to ${MAX_PAGE_SIZE}, got ${args.first}` });
      const itemized = itemizedMemberFor(viewerOf(context), account);
      const query = { ...sessionRange(context, args.since, args.until), first: args.first, after: placeOf(args.after), ...(itemized !== null && { memberId: itemized }) };
      const { sessions, hasMore } = await context.services.store.sessionsActiveIn(account.accountId, query);
      const edges = sessions.map((place) => ({ cursor: cursorOf(place), node: accountKey(account.accountId, place.sessionId) }));
      return {
        edges,
        pageInfo: { hasNextPage: hasMore, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }),
);

builder.objectField(AccountRef, 'session', (t) =>
  t.field({
    type: GenerationSessionRef,
    nullable: true,
    description: 'One session by its `sessionId`, whole; null when it has no entries (that the caller may see).',
    args: { sessionId: t.arg.string({ required: true }) },
    resolve: (account, args) => accountKey(account.accountId, boundedText('sessionId', args.sessionId, INPUT_LIMITS.sessionId)),
  }),
);
