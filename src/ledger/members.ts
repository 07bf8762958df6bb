import type { AccountState, MemberState } from './account-state.js';
import type { Draft } from './draft.js';
import type { LedgerError, Result } from './errors.js';
import { checkCredits, fail, ok } from './errors.js';
import { reservedOn } from './holds.js';
import { amountOf, metersIn, type Meter, type MeterAmounts } from './meters.js';
import type { SetMemberCapOperation } from './operations.js';
import type { OperationSuccess } from './outcomes.js';

export function findMember(state: AccountState, memberId: string): MemberState | undefined {
  return state.members.find((member) => member.memberId === memberId);
}

/** The member's record in a draft, created on first use. */
export function memberInDraft(state: AccountState, memberId: string): MemberState {
  let member = findMember(state, memberId);
  if (!member) {
    member = { memberId, used: {}, caps: {} };
    state.members.push(member);
  }
  return member;
}

export function addMemberUsage(state: AccountState, memberId: string | null, meter: Meter, amount: number): void {
  if (memberId === null || amount === 0) return;
  const member = memberInDraft(state, memberId);
  member.used[meter] = amountOf(member.used, meter) + amount;
}

/**
 * A member over its cap is refused even while the pool has credits. What the member holds counts
 * against the cap too, so concurrent holds cannot overshoot it; not what it held in an earlier
 * period, which is that period's usage however late it is committed.
 */
export function checkMemberCaps(state: AccountState, memberId: string | undefined, amounts: MeterAmounts): LedgerError | null {
  if (memberId === undefined) return null;
  const member = findMember(state, memberId);
  if (!member) return null;
  for (const meter of metersIn(amounts)) {
    const cap = member.caps[meter];
    if (cap === undefined) continue;
    const used = amountOf(member.used, meter) + reservedOn(state.holds, meter, memberId, state.meters[meter]);
    const needed = amountOf(amounts, meter);
    if (used + needed > cap) return { code: 'MEMBER_CAP_EXCEEDED', memberId, meter, cap, used, needed };
  }
  return null;
}

/** Caps are settings, not balances: they change no balance and write no entry. */
export function setMemberCap(draft: Draft, operation: SetMemberCapOperation): Result<OperationSuccess> {
  if (draft.state.accountType !== 'ORGANIZATION') {
    return fail({ code: 'VALIDATION_ERROR', field: 'memberId', message: 'member caps apply to ORGANIZATION accounts only' });
  }
  if (operation.cap !== null) {
    const invalid = checkCredits('cap', operation.cap, { allowZero: true });
    if (invalid) return fail(invalid);
  }
  const member = memberInDraft(draft.state, operation.memberId);
  if (operation.cap === null) delete member.caps[operation.meter];
  else member.caps[operation.meter] = operation.cap;
  return ok({ type: 'MEMBER_CAP_SET', memberId: operation.memberId, meter: operation.meter, cap: operation.cap });
}
