import type { MeterState } from './account-state.js';
import type { Allocation } from './grants.js';
import type { Meter } from './meters.js';
import type { FailurePolicy } from './pricing.js';

/**
 * Credits set aside before slow work. On a limited meter the hold records exactly which grants
 * gave the credits (taken in burn order at hold time), so a commit consumes and a release returns
 * precisely those credits; a release into a grant that has expired meanwhile forfeits them (an
 * EXPIRY entry). On an unlimited meter nothing is taken from grants: `allocations` stays empty
 * and the hold only shows as reserved usage until it is committed.
 */
export type HoldLine = {
  meter: Meter;
  amount: number;
  allocations: Allocation[];
  /** Locked at hold time, like the price. */
  chargeOnProviderFailure: FailurePolicy;
  /**
   * The meter's period the credits were held in (`MeterState.periodStart` and `periodSeq`): that
   * period is charged for them, even when the hold is settled after a reset (see
   * `earlierPeriodOf`). Absent on holds stored before lines recorded it; those count as the
   * current period's, as they always did.
   */
  periodStart?: Date;
  periodSeq?: number;
  /**
   * The start of the day the credits counted toward (`DayUsage`): credits that go back are given
   * back to that day only while it lasts. Absent on holds stored before days were counted.
   */
  dayStart?: Date;
};

/**
 * The start of the period the line was held in when that is an earlier period of its meter than
 * `current`: the hold outlived a reset. Otherwise null. Periods are told apart by the seq of the
 * RESET that started them (two may start at one instant), or by their start where a seq was not
 * recorded yet.
 */
export function earlierPeriodOf(line: HoldLine, current: Pick<MeterState, 'periodStart' | 'periodSeq'>): Date | null {
  if (!(line.periodStart instanceof Date)) return null;
  const earlier =
    typeof line.periodSeq === 'number' && typeof current.periodSeq === 'number'
      ? line.periodSeq < current.periodSeq
      : line.periodStart.getTime() < current.periodStart.getTime();
  return earlier ? line.periodStart : null;
}

/** What a line held now records of its meter's current period (no field for what the meter does not know). */
export function periodOf(meter: Pick<MeterState, 'periodStart' | 'periodSeq'>): Pick<HoldLine, 'periodStart' | 'periodSeq'> {
  return { periodStart: meter.periodStart, ...(meter.periodSeq !== undefined && { periodSeq: meter.periodSeq }) };
}

/**
 * Who may settle a hold. A hold a caller made through the metering API is settled by that caller,
 * or by whoever may act for any caller of the account (its organization's admins, services). A
 * hold a workflow made (`generate`) is that workflow's alone: settling it from outside would let
 * its work be marked charged for less than its price.
 */
export type HoldOwner = { type: 'CALLER'; callerId: string } | { type: 'WORKFLOW'; workflow: string };

/** Who asks to settle a hold; `anyCaller`: an admin or service acting on an account in its scope. */
export type HoldSettler = { type: 'CALLER'; callerId: string; anyCaller: boolean } | { type: 'WORKFLOW'; workflow: string };

export function maySettle(owner: HoldOwner, settler: HoldSettler): boolean {
  if (owner.type === 'WORKFLOW') return settler.type === 'WORKFLOW' && settler.workflow === owner.workflow;
  return settler.type === 'CALLER' && (settler.anyCaller || settler.callerId === owner.callerId);
}

export type Hold = {
  /** Random: an id is no proof of anything, but a guessable one invites trying. */
  id: string;
  owner: HoldOwner;
  /** What the credits are for; null for a raw amount that named no feature. */
  feature: string | null;
  memberId: string | null;
  sessionId: string | null;
  assetId: string | null;
  quoteId: string | null;
  /** The generation step this hold is for: committing it charges the step. */
  step: { name: string; fingerprint: string } | null;
  createdAt: Date;
  /** Released lazily by the clock at this instant if neither committed nor released. */
  expiresAt: Date;
  lines: HoldLine[];
};

/** What is held on `meter` (by `memberId` only, if given; in the meter's `current` period only, if given). */
export function reservedOn(
  holds: readonly Hold[],
  meter: Meter,
  memberId?: string,
  current?: Pick<MeterState, 'periodStart' | 'periodSeq'>,
): number {
  let reserved = 0;
  for (const hold of holds) {
    if (memberId !== undefined && hold.memberId !== memberId) continue;
    for (const line of hold.lines) {
      if (line.meter !== meter || (current !== undefined && earlierPeriodOf(line, current))) continue;
      reserved += line.amount;
    }
  }
  return reserved;
}

export function grantsReferencedByHolds(holds: readonly Hold[]): Set<string> {
  return new Set(holds.flatMap((hold) => hold.lines.flatMap((line) => line.allocations.map((allocation) => allocation.grantId))));
}
