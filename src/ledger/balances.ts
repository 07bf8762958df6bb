import type { AccountState } from './account-state.js';
import { meterFigures } from './account-state.js';
import { advanceTo } from './advance.js';
import { dailyFigures, type DailyFigures } from './daily-limits.js';
import { topUpRemainingOn } from './grants.js';
import { reservedOn } from './holds.js';
import { amountOf, METERS, type Meter } from './meters.js';
import type { ClockContext } from './operations.js';

/**
 * What a person sees for one meter. On an unlimited meter `available` is only what grants still
 * hold (top-ups bought before an upgrade, kept for a later downgrade): nothing is refused there.
 */
export type MeterBalance = {
  meter: Meter;
  unlimited: boolean;
  allowance: number;
  available: number;
  used: number;
  reserved: number;
  /** Credits left from purchased top-ups, included in `available`. */
  topUp: number;
  periodStart: Date;
  resetsAt: Date;
  /**
   * The meter's daily limit and its day (a layered limit inside the period); absent without one
   * (and on balances remembered before daily limits).
   */
  daily?: DailyFigures;
};

/** The balance as of `context.now`: resets and expiries due by then are taken into account. */
export function meterBalance(state: AccountState, meter: Meter, context: ClockContext): MeterBalance {
  return balanceOf(advanceTo(state, context).state, meter);
}

/** Every meter's balance as of `context.now`, advancing the account once for all of them. */
export function meterBalances(state: AccountState, context: ClockContext): MeterBalance[] {
  return balancesOf(advanceTo(state, context).state);
}

/** The balances of a state already advanced to the instant they are for (e.g. right after an operation). */
export function balancesOf(current: AccountState): MeterBalance[] {
  return METERS.map((meter) => balanceOf(current, meter));
}

function balanceOf(current: AccountState, meter: Meter): MeterBalance {
  const meterState = current.meters[meter];
  const { unlimited, allowance, available, used, reserved } = meterFigures(current, meter);
  const balance: MeterBalance = {
    meter,
    unlimited,
    allowance,
    available,
    used,
    reserved,
    topUp: topUpRemainingOn(current.grants, meter),
    periodStart: meterState.periodStart,
    resetsAt: meterState.periodEnd,
  };
  const daily = dailyFigures(current, meter, current.clock);
  return daily ? { ...balance, daily } : balance;
}

export type MemberUsage = { memberId: string; meter: Meter; used: number; reserved: number; cap: number | null };

/** What each member of an organization used and holds this period, per meter, with its cap. */
export function memberUsage(state: AccountState, context: ClockContext): MemberUsage[] {
  const current = advanceTo(state, context).state;
  return current.members.flatMap((member) =>
    METERS.map((meter) => ({
      memberId: member.memberId,
      meter,
      used: amountOf(member.used, meter),
      reserved: reservedOn(current.holds, meter, member.memberId),
      cap: member.caps[meter] ?? null,
    })),
  );
}
