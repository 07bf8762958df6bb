import { createHash } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { AccountState, LedgerEntry, Meter, MeterChange } from '../ledger/index.js';
import { closesPeriod } from '../ledger/low-balance.js';
import type { WebhookEventType } from './event-types.js';

/** JSON as a webhook body carries it. */
export type EventData = { readonly [field: string]: string | number | boolean | null | EventData | readonly EventData[] };

/**
 * One event of the outbox, derived from committed entries: the same entries always give the same
 * events with the same ids, so that copying entries again (after a crash) adds nothing.
 */
export type WebhookEvent = {
  /** `evt_` and 32 hex digits, a digest of what the event is (account, seq, type, meter, …). */
  readonly id: string;
  readonly type: WebhookEventType;
  readonly accountId: string;
  /** The seq of the entry it derives from (the first, for an event of several entries). */
  readonly seq: number;
  /** Orders the events of one seq (several thresholds of one debit, one per meter). */
  readonly ordinal: number;
  readonly at: Date;
  /** The body delivered, serialized once so that every attempt and redelivery sends the same bytes. */
  readonly payload: string;
};

/** The meter's figures after an entry, as every event about a meter reports them (the day's too, under a daily limit). */
function meterFigures(change: MeterChange, resetsAt: Date): EventData {
  const { daily } = change;
  return {
    meter: change.meter,
    available: change.availableAfter,
    used: change.usedAfter,
    reserved: change.reservedAfter,
    allowance: change.allowanceAfter,
    unlimited: change.unlimited,
    resetsAt: resetsAt.toISOString(),
    ...(daily && { dailyLimit: daily.limit, usedToday: daily.usedToday, dayResetsAt: daily.dayResetsAt.toISOString() }),
  };
}

type Draft = { type: WebhookEventType; entry: LedgerEntry; identity: readonly (string | number)[]; data: EventData };

/**
 * The events `entries` (one write's, in seq order) give, in order. `state` is the account as
 * that write left it: a meter's period end after each entry is the `at` of the meter's next RESET
 * among the entries, or, after its last, the state's.
 */
export function webhookEventsOf(entries: readonly LedgerEntry[], state: AccountState): WebhookEvent[] {
  const periodEnds = periodEndsAfter(entries);
  const resetsAtAfter = (index: number, meter: Meter): Date => periodEnds[index]!.get(meter) ?? state.meters[meter].periodEnd;
  const settlements = holdSettlements(entries);
  const drafts: Draft[] = [];
  entries.forEach((entry, index) => {
    for (const change of entry.changes) drafts.push(...meterEvents(entry, change, resetsAtAfter(index, change.meter)));
    if (entry.kind === 'PLAN_CHANGE' || entry.kind === 'POLICY_CHANGE') drafts.push(termsChanged(entry, entry.kind, (meter) => resetsAtAfter(index, meter)));
    const holdId = entry.details.holdId;
    const settlement = typeof holdId === 'string' ? settlements.get(holdId) : undefined;
    // A hold ends in up to three entries written together (COMMIT, EXPIRY, RELEASE): one event for all, at the first.
    if (settlement?.entries[0] === entry) {
      const settled = holdSettled(holdId as string, settlement.entries, (meter) => resetsAtAfter(settlement.lastIndex, meter));
      if (settled) drafts.push(settled);
    }
  });
  let previousSeq = -1;
  let ordinal = 0;
  return drafts.map((draft) => {
    ordinal = draft.entry.seq === previousSeq ? ordinal + 1 : 0;
    previousSeq = draft.entry.seq;
    return finished(draft, ordinal);
  });
}

/**
 * Per entry, each meter's period end after it when a later entry of the write resets the meter
 * (the `at` of that RESET); computed walking back, so a write of many entries costs one pass.
 */
function periodEndsAfter(entries: readonly LedgerEntry[]): ReadonlyMap<Meter, Date>[] {
  const ends: ReadonlyMap<Meter, Date>[] = [];
  let after = new Map<Meter, Date>();
  for (let index = entries.length - 1; index >= 0; index--) {
    ends[index] = after;
    const entry = entries[index]!;
    if (entry.kind !== 'RESET') continue;
    after = new Map(after);
    for (const change of entry.changes) after.set(change.meter, entry.at);
  }
  return ends;
}

/** The entries settling each hold (all but its HOLD), and the index of the last of them. */
function holdSettlements(entries: readonly LedgerEntry[]): Map<string, { entries: LedgerEntry[]; lastIndex: number }> {
  const settlements = new Map<string, { entries: LedgerEntry[]; lastIndex: number }>();
  entries.forEach((entry, index) => {
    const holdId = entry.details.holdId;
    if (typeof holdId !== 'string' || entry.kind === 'HOLD') return;
    const settlement = settlements.get(holdId) ?? { entries: [], lastIndex: index };
    settlement.entries.push(entry);
    settlement.lastIndex = index;
    settlements.set(holdId, settlement);
  });
  return settlements;
}

/** Threshold, exhaustion, reset and grant events of one meter's change. */
function meterEvents(entry: LedgerEntry, change: MeterChange, resetsAt: Date): Draft[] {
  const figures = { ...meterFigures(change, resetsAt), member: entry.memberId };
  const drafts: Draft[] = (change.thresholdsCrossed ?? []).map((percent) => ({
    type: 'credits.threshold_crossed',
    entry,
    identity: [change.meter, percent],
    data: { ...figures, percent },
  }));
  // Credits expiring with their period are not running out: the RESET at the same instant follows.
  const ranOut = !change.unlimited && change.previousAvailable > 0 && change.availableAfter === 0 && !closesPeriod(entry, resetsAt);
  if (ranOut) drafts.push({ type: 'credits.exhausted', entry, identity: [change.meter], data: figures });
  if (change.daily?.limitReached) {
    drafts.push({ type: 'credits.daily_limit_reached', entry, identity: [change.meter], data: figures });
  }
  if (entry.kind === 'RESET') {
    const data = { ...figures, periodStart: detail(entry, 'periodStart'), rolledOver: detail(entry, 'rolledOver'), planId: detail(entry, 'planId') };
    drafts.push({ type: 'credits.reset', entry, identity: [change.meter], data });
  }
  if (entry.kind === 'GRANT' || entry.kind === 'ADJUSTMENT') {
    const grantKind = entry.kind === 'ADJUSTMENT' ? 'ADJUSTMENT' : detail(entry, 'grantKind');
    drafts.push({ type: 'credits.granted', entry, identity: [change.meter], data: { ...figures, credits: change.delta, grantKind, metadata: entry.metadata } });
  }
  return drafts;
}

/** Facts of the entry each kind of terms change reports. */
const TERMS_DETAILS = {
  PLAN_CHANGE: ['status', 'fromPlanId', 'toPlanId', 'effectiveAt'],
  POLICY_CHANGE: ['meter', 'status', 'effectiveAt', 'allowance', 'period', 'unlimited', 'rollover', 'rolloverMaxCredits', 'dailyLimit'],
} as const;

/** `plan.changed` or `policy.changed` (an account's own terms for a meter), with the meters' figures after it. */
function termsChanged(entry: LedgerEntry, kind: keyof typeof TERMS_DETAILS, resetsAt: (meter: Meter) => Date): Draft {
  const meters = entry.changes.map((change) => meterFigures(change, resetsAt(change.meter)));
  const data = Object.fromEntries(TERMS_DETAILS[kind].map((name) => [name, detail(entry, name)]));
  const type = kind === 'PLAN_CHANGE' ? 'plan.changed' : 'policy.changed';
  return { type, entry, identity: [], data: { ...data, meters } };
}

/**
 * `reservation.expired` for a hold its TTL released, `generation.failed` for one settled as a
 * failure, with what it cost (the credits committed, per meter); none for other settlements.
 */
function holdSettled(holdId: string, settlement: readonly LedgerEntry[], resetsAt: (meter: Meter) => Date): Draft | undefined {
  const first = settlement[0]!;
  const figuresAfter = latestChanges(settlement).map((change) => meterFigures(change, resetsAt(change.meter)));
  const attribution = { holdId, member: first.memberId, feature: first.feature, sessionId: first.sessionId, assetId: first.assetId };
  if (first.details.reason === 'HOLD_EXPIRED') {
    const released = creditsLeavingReserved(settlement);
    return { type: 'reservation.expired', entry: first, identity: [holdId], data: { ...attribution, released, meters: figuresAfter } };
  }
  const how = first.details.settlement;
  if (how !== 'FAILED_BEFORE_WORK' && how !== 'FAILED_AFTER_WORK') return undefined;
  const cost = creditsLeavingReserved(settlement.filter((entry) => entry.kind === 'COMMIT'));
  const stage = how === 'FAILED_BEFORE_WORK' ? 'BEFORE_WORK' : 'AFTER_WORK';
  return { type: 'generation.failed', entry: first, identity: [holdId], data: { ...attribution, stage, step: detail(first, 'step'), cost, meters: figuresAfter } };
}

/** Per meter, the credits the entries took out of `reserved` (committed, released or expired). */
function creditsLeavingReserved(entries: readonly LedgerEntry[]): EventData[] {
  const byMeter = new Map<Meter, number>();
  for (const change of entries.flatMap((entry) => entry.changes)) byMeter.set(change.meter, (byMeter.get(change.meter) ?? 0) - change.reservedDelta);
  return [...byMeter].map(([meter, credits]) => ({ meter, credits }));
}

/** Each meter's last change among the entries: its figures once they are all written. */
function latestChanges(entries: readonly LedgerEntry[]): MeterChange[] {
  const byMeter = new Map<Meter, MeterChange>();
  for (const change of entries.flatMap((entry) => entry.changes)) byMeter.set(change.meter, change);
  return [...byMeter.values()];
}

/** A fact the ledger recorded about the entry, null when it recorded none. */
function detail(entry: LedgerEntry, name: string): string | number | boolean | null {
  return entry.details[name] ?? null;
}

function finished({ type, entry, identity, data }: Draft, ordinal: number): WebhookEvent {
  const digest = createHash('sha256').update(JSON.stringify([entry.accountId, entry.seq, type, ...identity])).digest('hex');
  const id = `evt_${digest.slice(0, 32)}`;
  const timestamp = entry.at.toISOString();
  const body = { id, type, timestamp, data: { account: encodeGlobalID('Account', entry.accountId), accountId: entry.accountId, seq: entry.seq, ...data } };
  return { id, type, accountId: entry.accountId, seq: entry.seq, ordinal, at: entry.at, payload: JSON.stringify(body) };
}
