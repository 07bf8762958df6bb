import type { AccountState } from './account-state.js';
import { meterFigures } from './account-state.js';
import { dailyFigures, dayUsageAt } from './daily-limits.js';
import type { EntryKind, EntryMetadata, LedgerEntry, MeterChange } from './entries.js';
import type { IdempotencyRecord } from './idempotency.js';
import { closesPeriod, lowBalanceNotices } from './low-balance.js';
import type { Meter } from './meters.js';
import { METERS, recordOfMeters } from './meters.js';

/**
 * A private copy of an account that an operation changes step by step, collecting the entries
 * and the idempotency keys it remembers (the store keeps those with the entries, beyond the
 * account's window). Every balance change goes through `record`, which measures the meters
 * before and after the change, so an entry's numbers are right by construction and no change
 * goes unrecorded.
 */
export type Draft = { state: AccountState; entries: LedgerEntry[]; remembered: IdempotencyRecord[] };

export function beginDraft(state: AccountState): Draft {
  return { state: structuredClone(state), entries: [], remembered: [] };
}

/** Who and what an entry is about; the same for every entry one operation writes. */
export type EntryAttribution = {
  memberId?: string | null;
  feature?: string | null;
  sessionId?: string | null;
  assetId?: string | null;
  idempotencyKey?: string | null;
  metadata?: EntryMetadata;
};

export type EntrySpec = EntryAttribution & { kind: EntryKind; at: Date; details?: EntryMetadata };

/** The seq the next recorded entry will get. */
export function nextSeq(draft: Draft): number {
  return draft.state.lastSeq + 1;
}

/**
 * Applies `change` to the draft and appends the entry describing it; `change` gets the entry's seq.
 * The entry's low-balance notices are decided here too (`lowBalanceNotices`), once, from the
 * figures before and after it and what its meter's period announced already.
 */
export function record(
  draft: Draft,
  spec: EntrySpec,
  meters: readonly Meter[],
  change: (state: AccountState, seq: number) => void,
): LedgerEntry {
  const { state } = draft;
  const seq = nextSeq(draft);
  const before = recordOfMeters((meter) => meterFigures(state, meter));
  const periodEnds = recordOfMeters((meter) => state.meters[meter].periodEnd);
  change(state, seq);
  const after = recordOfMeters((meter) => meterFigures(state, meter));
  for (const meter of METERS) {
    if (!meters.includes(meter) && JSON.stringify(before[meter]) !== JSON.stringify(after[meter])) {
      throw new Error(`record: ${spec.kind} changed ${meter} without listing it`);
    }
  }
  const changes = meters.map((meter): MeterChange => {
    const was = before[meter];
    const now = after[meter];
    if (now.available < 0 || now.reserved < 0 || now.used < 0) {
      throw new Error(`record: ${spec.kind} would leave ${meter} negative (${JSON.stringify(now)})`);
    }
    // After `change`: a RESET's meter is the new period's, with nothing announced yet.
    const meterState = state.meters[meter];
    const announced = meterState.thresholdsAnnounced ?? [];
    const thresholdsCrossed = lowBalanceNotices({ before: was, after: now, announced, closesPeriod: closesPeriod(spec, periodEnds[meter]) });
    if (thresholdsCrossed.length > 0) meterState.thresholdsAnnounced = [...announced, ...thresholdsCrossed];
    const daily = dailyChange(state, meter, spec.at);
    return {
      meter,
      unlimited: now.unlimited,
      delta: now.available - was.available,
      previousAvailable: was.available,
      availableAfter: now.available,
      usedDelta: now.used - was.used,
      usedAfter: now.used,
      reservedDelta: now.reserved - was.reserved,
      reservedAfter: now.reserved,
      allowanceAfter: now.allowance,
      thresholdsCrossed,
      ...(daily && { daily }),
    };
  });
  const entry: LedgerEntry = {
    accountId: state.accountId,
    seq,
    kind: spec.kind,
    at: spec.at,
    changes,
    memberId: spec.memberId ?? null,
    feature: spec.feature ?? null,
    sessionId: spec.sessionId ?? null,
    assetId: spec.assetId ?? null,
    idempotencyKey: spec.idempotencyKey ?? null,
    metadata: spec.metadata ?? {},
    details: spec.details ?? {},
  };
  state.lastSeq = seq;
  draft.entries.push(entry);
  return entry;
}

/**
 * The day of a meter with a daily limit after an entry, announcing once a day that the limit is
 * reached: on the entry that finds the day's usage at its limit while the day has not said so.
 */
function dailyChange(state: AccountState, meter: Meter, at: Date): MeterChange['daily'] {
  const figures = dailyFigures(state, meter, at);
  if (!figures) return undefined;
  const meterState = state.meters[meter];
  const today = dayUsageAt(state, meterState, at);
  const limitReached = figures.remainingToday === 0 && today === meterState.today && today.limitAnnounced !== true;
  if (limitReached) today.limitAnnounced = true;
  return { limit: figures.limit, usedToday: figures.usedToday, dayResetsAt: figures.dayResetsAt, limitReached };
}
