import type { CreditPolicies } from './credit-policy-terms.js';
import type { DayUsage } from './daily-limits.js';
import type { Grant } from './grants.js';
import { availableOn } from './grants.js';
import type { Hold } from './holds.js';
import { grantsReferencedByHolds, reservedOn } from './holds.js';
import type { Meter, MeterAmounts } from './meters.js';
import type { PeriodKind } from './periods.js';
import type { RolloverPolicy } from './plans.js';

export type AccountType = 'USER' | 'ORGANIZATION';

/**
 * One meter's current period. The rules are copied from the plan at each reset (and raised by
 * upgrades), so a period keeps the terms it started with until it ends.
 */
export type MeterState = {
  period: PeriodKind;
  periodStart: Date;
  /**
   * The seq of the RESET entry that started this period: its identity, even when two periods
   * start at one instant (a reset and an upgrade's restart). Absent on meters stored before it
   * was recorded.
   */
  periodSeq?: number;
  /** When the next reset happens (exclusive end of this period). */
  periodEnd: Date;
  unlimited: boolean;
  allowance: number;
  rollover: RolloverPolicy;
  /** Credits consumed this period, including on an unlimited meter. */
  used: number;
  /**
   * The low-balance thresholds announced this period (`lowBalanceNotices`), so that each is
   * announced once. Absent: none yet; a reset starts a new MeterState, so each period starts afresh.
   */
  thresholdsAnnounced?: number[];
  /** At most this many credits consumed or held per day (`MeterRules.dailyLimit`); absent: no daily limit. */
  dailyLimit?: number;
  /**
   * What the meter consumed on the latest day it consumed anything (`DayUsage`). Carried across
   * resets: a day is a day of the calendar, whatever period it falls in. Absent: nothing yet.
   */
  today?: DayUsage;
};

/** A member of an organization drawing from its pool: usage this period and optional caps. */
export type MemberState = {
  memberId: string;
  used: MeterAmounts;
  caps: MeterAmounts;
};

/**
 * Everything the ledger knows about one account, as a plain object (Dates, arrays, records with
 * fixed keys: no class instances, no Maps, no user-given object keys) so that it is stored as one
 * MongoDB document. Arrays hold grants, holds, members and keys because their ids are not safe
 * field names.
 */
export type AccountState = {
  accountId: string;
  accountType: AccountType;
  planId: string;
  /** A downgrade waiting for the next billing reset. */
  pendingPlan: { planId: string; effectiveAt: Date } | null;
  timeZone: string;
  billingAnchor: Date;
  /** The latest instant the account has been advanced to; the clock never runs backwards. */
  clock: Date;
  /** The seq of the latest entry; 0 before any. */
  lastSeq: number;
  meters: Record<Meter, MeterState>;
  /** In creation order; exhausted grants that no hold refers to are dropped. */
  grants: Grant[];
  holds: Hold[];
  members: MemberState[];
  /**
   * Per-account credit policies: an override of the plan's terms per meter, in force and/or
   * scheduled for the meter's next reset (`CreditPolicy`). Absent or without a meter: the plan's terms.
   */
  policies?: CreditPolicies;
};

/** The four balances of a meter that entries report. */
export type MeterFigures = {
  unlimited: boolean;
  available: number;
  used: number;
  reserved: number;
  allowance: number;
};

export function meterFigures(state: AccountState, meter: Meter): MeterFigures {
  const meterState = state.meters[meter];
  return {
    unlimited: meterState.unlimited,
    available: availableOn(state.grants, meter),
    used: meterState.used,
    reserved: reservedOn(state.holds, meter),
    allowance: meterState.allowance,
  };
}

/**
 * A member with no usage this period, no cap and no open hold is forgotten (the pool's members
 * live in the directory): the account keeps only the members the rules need now.
 */
export function dropIdleMembers(state: AccountState): void {
  const holding = new Set(state.holds.map((hold) => hold.memberId));
  state.members = state.members.filter((member) => Object.keys(member.used).length > 0 || Object.keys(member.caps).length > 0 || holding.has(member.memberId));
}

/** Exhausted grants are forgotten unless a hold may still return credits to them. */
export function dropSpentGrants(state: AccountState): void {
  const referenced = grantsReferencedByHolds(state.holds);
  state.grants = state.grants.filter((grant) => grant.remaining > 0 || referenced.has(grant.id));
}
