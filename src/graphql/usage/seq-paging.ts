import type { PageRequest, Paged } from '../../store/seq-pages.js';
import { InvalidInputError } from '../results/index.js';

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

/** The Relay arguments of a connection over an account's history, newest first. */
export type SeqPageArgs = { first?: number | null; last?: number | null; after?: string | null; before?: string | null };

/** What a cursor names: the seqs of the entries its item stands at (one seq for an entry). */
export type SeqPlace = { firstSeq: number; lastSeq: number };

export function cursorOf({ firstSeq, lastSeq }: SeqPlace): string {
  return firstSeq === lastSeq ? String(firstSeq) : `${firstSeq}-${lastSeq}`;
}

const CURSOR = /^([1-9]\d{0,15})(?:-([1-9]\d{0,15}))?$/;

function placeOf(cursor: string | null | undefined, field: string): SeqPlace | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const match = CURSOR.exec(cursor);
  const firstSeq = Number(match?.[1]);
  const lastSeq = match?.[2] === undefined ? firstSeq : Number(match[2]);
  if (!match || lastSeq < firstSeq) throw new InvalidInputError({ field, problem: 'must be a cursor from this connection' });
  return { firstSeq, lastSeq };
}

/** A page size as asked, or INVALID_INPUT outside 1 to MAX_PAGE_SIZE (a connection's `first` or `last`). */
export function sizeOf(field: 'first' | 'last', size: number): number {
  if (size < 1 || size > MAX_PAGE_SIZE) throw new InvalidInputError({ field, problem: `must be 1 to ${MAX_PAGE_SIZE}, got ${size}` });
  return size;
}

/** `first` items after `after` (older), or `last` items before `before` (newer), as the store pages by seq. */
export function pageRequestOf(args: SeqPageArgs): PageRequest {
  const { first, last } = args;
  if (first !== null && first !== undefined && last !== null && last !== undefined) {
    throw new InvalidInputError({ field: 'last', problem: 'give `first` or `last`, not both' });
  }
  const fromOldest = last !== null && last !== undefined;
  const after = placeOf(args.after, 'after');
  const before = placeOf(args.before, 'before');
  return {
    first: fromOldest ? sizeOf('last', last) : sizeOf('first', first ?? DEFAULT_PAGE_SIZE),
    fromOldest,
    ...(after && { beforeSeq: after.firstSeq }),
    ...(before && { afterSeq: before.lastSeq }),
  };
}

/** A page (newest first) as a Relay connection: whether there is more on each side follows the way it was counted. */
export function seqConnection<T, N>(items: readonly T[], placeOfItem: (item: T) => SeqPlace, nodeOf: (item: T) => N, page: PageRequest, paged: Paged) {
  const edges = items.map((item) => ({ cursor: cursorOf(placeOfItem(item)), node: nodeOf(item) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.fromOldest ? paged.hasOtherSide : paged.hasMore,
      hasPreviousPage: page.fromOldest ? paged.hasMore : paged.hasOtherSide,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The four Relay arguments of a connection paged by `pageRequestOf`, from a field builder's `t.arg`. */
export function seqPageArgs<A extends { int: (options: { description: string }) => unknown; string: () => unknown }>(arg: A) {
  return {
    first: arg.int({ description: `At most ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when neither \`first\` nor \`last\` is given.` }) as ReturnType<A['int']>,
    after: arg.string() as ReturnType<A['string']>,
    last: arg.int({ description: `At most ${MAX_PAGE_SIZE}: the oldest page before \`before\` (not with \`first\`).` }) as ReturnType<A['int']>,
    before: arg.string() as ReturnType<A['string']>,
  };
}
