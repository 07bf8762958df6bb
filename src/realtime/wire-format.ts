import type { LedgerEntry, MeterBalance } from '../ledger/index.js';
import type { LedgerEvent } from './ledger-event-bus.js';

/** A ledger event as JSON between processes, tagged with the bus instance that published it. */
type WireEvent = {
  origin: string;
  accountId: string;
  entries: LedgerEntry[];
  balances: readonly MeterBalance[] | null;
};

export type DecodedEvent = { origin: string; event: LedgerEvent };

/**
 * The entry's own fields only (the store's copies carry more, such as idempotency outcomes) and
 * the balances, computed now because the other processes cannot.
 */
export function encodeEvent(origin: string, event: LedgerEvent): string {
  const wire: WireEvent = {
    origin,
    accountId: event.accountId,
    entries: event.entries.map((entry) => ({
      accountId: entry.accountId,
      seq: entry.seq,
      kind: entry.kind,
      at: entry.at,
      changes: entry.changes,
      memberId: entry.memberId,
      feature: entry.feature,
      sessionId: entry.sessionId,
      assetId: entry.assetId,
      idempotencyKey: entry.idempotencyKey,
      metadata: entry.metadata,
      details: entry.details,
    })),
    balances: event.balances?.() ?? null,
  };
  return JSON.stringify(wire);
}

/**
 * Dates travel as ISO strings and are revived by name (`at`, `periodStart`, `resetsAt`, `dayResetsAt`), never by
 * their look: metadata that happens to hold a date-like string stays a string. Null when the
 * message is not a well-formed event of `accountId`; the caller treats it as a lost message.
 */
export function decodeEvent(text: string, accountId: string): DecodedEvent | null {
  let wire: WireEvent;
  try {
    wire = JSON.parse(text) as WireEvent;
  } catch {
    return null;
  }
  if (typeof wire.origin !== 'string' || wire.accountId !== accountId || !Array.isArray(wire.entries)) return null;
  const entries = wire.entries.map((entry) => ({ ...entry, at: new Date(entry.at) }));
  if (!isEntryRun(entries)) return null;
  const balances = wire.balances?.map((balance) => ({
    ...balance,
    periodStart: new Date(balance.periodStart),
    resetsAt: new Date(balance.resetsAt),
    ...(balance.daily && { daily: { ...balance.daily, dayResetsAt: new Date(balance.daily.dayResetsAt) } }),
  }));
  return { origin: wire.origin, event: { accountId, entries, ...(balances && { balances: () => balances }) } };
}

/** Consecutive seqs, valid times and a list of changes on each entry: what a feed relies on. */
function isEntryRun(entries: readonly LedgerEntry[]): boolean {
  return entries.every(
    (entry, index) =>
      Number.isSafeInteger(entry.seq) &&
      !Number.isNaN(entry.at.getTime()) &&
      Array.isArray(entry.changes) &&
      (index === 0 || entry.seq === entries[index - 1]!.seq + 1),
  );
}

/** The resync notice a bus broadcasts after it failed to publish: every other process re-checks its feeds. */
export function encodeResync(origin: string): string {
  return JSON.stringify({ origin });
}

export function originOfResync(text: string): string | null {
  try {
    const { origin } = JSON.parse(text) as { origin?: unknown };
    return typeof origin === 'string' ? origin : null;
  } catch {
    return null;
  }
}
