import type { MeterBalance } from './balances.js';
import type { LedgerError } from './errors.js';
import type { Meter, MeterAmounts } from './meters.js';

export type HoldSettlement = 'COMMITTED' | 'RELEASED' | 'FAILED_BEFORE_WORK' | 'FAILED_AFTER_WORK';

/** What an operation did. This is what an idempotency key remembers and returns on a repeat. */
export type OperationSuccess =
  | { type: 'GRANTED'; grantId: string; meter: Meter; amount: number; expiresAt: Date | null }
  | { type: 'CREDITS_REMOVED'; meter: Meter; amount: number }
  | { type: 'DEBITED'; charged: MeterAmounts; quoteId: string | null }
  /**
   * A step charged for this input by committing the step hold `holdId`: what the step's key
   * remembers (the COMMIT itself answers HOLD_SETTLED), so later holds of the step reuse it.
   */
  | { type: 'STEP_CHARGED'; fingerprint: string; charged: MeterAmounts; quoteId: string | null; holdId: string }
  /**
   * A HOLD, or the COMMIT of a step hold, found the step charged already: nothing is held or
   * charged (a COMMIT releases its hold). `charged` is what the first charge cost, and
   * `chargedByHoldId` the hold whose commit charged it.
   */
  | { type: 'STEP_REUSED'; fingerprint: string; charged: MeterAmounts; chargedByHoldId: string }
  | { type: 'HELD'; holdId: string; held: MeterAmounts; expiresAt: Date }
  | {
      type: 'HOLD_SETTLED';
      holdId: string;
      settlement: HoldSettlement;
      committed: MeterAmounts;
      released: MeterAmounts;
      /** Released credits whose grants had expired meanwhile. */
      expired: MeterAmounts;
    }
  | { type: 'PLAN_CHANGED'; planId: string; mode: 'IMMEDIATE' | 'SCHEDULED' | 'UNCHANGED'; effectiveAt: Date }
  | { type: 'MEMBER_CAP_SET'; memberId: string; meter: Meter; cap: number | null }
  | { type: 'CREDIT_POLICY_CHANGED'; meter: Meter; status: CreditPolicyStatus; effectiveAt: Date };

/**
 * What a credit policy change did: APPLIED (in force now), SCHEDULED (at the meter's next reset,
 * `effectiveAt`), REMOVED (the plan's terms apply now), REMOVAL_SCHEDULED (they apply from the
 * next reset), UNCHANGED (a removal with no override in force: the plan's terms apply and go on
 * applying; one only scheduled is cancelled).
 */
export type CreditPolicyStatus = 'APPLIED' | 'SCHEDULED' | 'REMOVED' | 'REMOVAL_SCHEDULED' | 'UNCHANGED';

/**
 * `replayed`: this is the remembered outcome of an earlier operation with the same key.
 * `balances`: the account's balances right after the operation, one per meter; a replay answers
 * those the first request answered, as payment APIs replay the original response.
 */
export type Outcome = ({ ok: true; replayed: boolean; balances: MeterBalance[] } & OperationSuccess) | { ok: false; error: LedgerError };
