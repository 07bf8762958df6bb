/**
 * A page of an account's history, counted by seq: `first` items from the newest (or, with
 * `fromOldest`, from the oldest) strictly between `afterSeq` and `beforeSeq`. What the API's
 * `first`/`after` and `last`/`before` become; pages are answered newest first either way.
 */
export type PageRequest = { first: number; beforeSeq?: number; afterSeq?: number; fromOldest?: boolean };

/** `hasMore`: items beyond the page, in the direction it was counted. `hasOtherSide`: items at or beyond its cursor, on the other side. */
export type Paged = { hasMore: boolean; hasOtherSide: boolean };

/** The seq bounds of the page. */
export function seqWithin(page: PageRequest): { seq?: { $lt?: number; $gt?: number } } {
  if (page.beforeSeq === undefined && page.afterSeq === undefined) return {};
  return { seq: { ...(page.beforeSeq !== undefined && { $lt: page.beforeSeq }), ...(page.afterSeq !== undefined && { $gt: page.afterSeq }) } };
}

export function seqOrder(page: PageRequest): { seq: 1 | -1 } {
  return { seq: page.fromOldest ? 1 : -1 };
}

/** Where the other side of the page's cursor begins (the cursor included), or null when the page has no cursor there. */
export function otherSideOf(page: PageRequest): { seq: { $gte: number } | { $lte: number } } | null {
  if (!page.fromOldest && page.beforeSeq !== undefined) return { seq: { $gte: page.beforeSeq } };
  if (page.fromOldest && page.afterSeq !== undefined) return { seq: { $lte: page.afterSeq } };
  return null;
}
