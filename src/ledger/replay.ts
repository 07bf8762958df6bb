import type { MeterFigures } from './account-state.js';
import type { LedgerEntry } from './entries.js';
import { recordOfMeters, type Meter } from './meters.js';

export class LedgerReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerReplayError';
  }
}

export type BalanceProjection = { lastSeq: number; meters: Record<Meter, MeterFigures> };

/**
 * Rebuilds the balances from an account's entries alone, starting from nothing. Every change is
 * checked against the running totals (its "before" and "after" figures must agree with the sum of
 * the deltas so far) and seq must count up from 1 without gaps, so a lost, duplicated or
 * miscounted entry is caught. The result equals the account's `meterFigures`.
 */
export function replayEntries(entries: readonly LedgerEntry[]): BalanceProjection {
  const meters = recordOfMeters((): MeterFigures => ({ unlimited: false, available: 0, used: 0, reserved: 0, allowance: 0 }));
  let lastSeq = 0;
  for (const entry of entries) {
    if (entry.seq !== lastSeq + 1) throw new LedgerReplayError(`expected seq ${lastSeq + 1}, found ${entry.seq}`);
    lastSeq = entry.seq;
    for (const change of entry.changes) {
      const figures = meters[change.meter];
      const where = `entry ${entry.seq} (${entry.kind}) on ${change.meter}`;
      if (change.previousAvailable !== figures.available) {
        throw new LedgerReplayError(`${where}: previousAvailable ${change.previousAvailable}, replay has ${figures.available}`);
      }
      figures.available += change.delta;
      figures.used += change.usedDelta;
      figures.reserved += change.reservedDelta;
      const mismatch = (
        [
          ['availableAfter', change.availableAfter, figures.available],
          ['usedAfter', change.usedAfter, figures.used],
          ['reservedAfter', change.reservedAfter, figures.reserved],
        ] as const
      ).find(([, stated, replayed]) => stated !== replayed);
      if (mismatch) throw new LedgerReplayError(`${where}: ${mismatch[0]} ${mismatch[1]}, replay has ${mismatch[2]}`);
      if (figures.available < 0 || figures.used < 0 || figures.reserved < 0) {
        throw new LedgerReplayError(`${where}: a balance went negative`);
      }
      figures.allowance = change.allowanceAfter;
      figures.unlimited = change.unlimited;
    }
  }
  return { lastSeq, meters };
}
