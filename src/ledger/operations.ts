import type { JsonValue } from './canonical-json.js';
import type { MeterPolicy, PolicyEffect } from './credit-policy-terms.js';
import type { EntryMetadata } from './entries.js';
import type { Meter, MeterAmounts } from './meters.js';
import type { HoldOwner, HoldSettler } from './holds.js';
import type { PlanCatalog } from './plans.js';
import type { PricingCatalog, PricingParameters } from './pricing.js';
import type { Quote } from './quotes.js';
import type { LedgerSettings } from './settings.js';

/** What the ledger needs from outside: the clock and the configuration. */
export type LedgerContext = {
  now: Date;
  plans: PlanCatalog;
  pricing: PricingCatalog;
  settings: LedgerSettings;
  /** Ids for what an operation creates (holds): random, so that none can be guessed from another. */
  newId: () => string;
  /** The stored quotes that operations name by `quoteId` (the store looks them up); one missing is QUOTE_NOT_FOUND. */
  quotes?: ReadonlyMap<string, Quote>;
};

/** Advancing the clock needs no prices. */
export type ClockContext = Pick<LedgerContext, 'now' | 'plans' | 'settings'>;

/** Who used the credits and on what; copied onto the entries. */
type Attribution = {
  memberId?: string;
  sessionId?: string;
  assetId?: string;
  metadata?: EntryMetadata;
};

/**
 * What to charge: the price of `feature` with `parameters` from the catalog, or exactly the
 * price of the quote `quoteId` (which must be for this account and feature and not have expired:
 * it is judged after the idempotency key, so a retry replays even once the quote is gone), or exactly
 * `amounts` per meter: a backend metering its own work, where `feature` (if any) only records
 * what the credits were used for.
 */
export type PricedRequest =
  | { feature: string; parameters?: PricingParameters; quoteId?: undefined; amounts?: undefined }
  /** The quote's feature unless `feature` is given (which must then be the quote's). */
  | { quoteId: string; feature?: string; parameters?: PricingParameters; amounts?: undefined }
  | { feature?: string | null; amounts: MeterAmounts; parameters?: undefined; quoteId?: undefined };

export type GrantOperation = {
  type: 'GRANT';
  idempotencyKey: string;
  meter: Meter;
  amount: number;
  kind: 'TOP_UP' | 'ADJUSTMENT';
  expiresAt?: Date | null;
  memberId?: string;
  metadata?: EntryMetadata;
};

/** An admin's negative correction: burns grants like a debit but is not usage (an ADJUSTMENT entry). */
export type RemoveCreditsOperation = {
  type: 'REMOVE_CREDITS';
  idempotencyKey: string;
  meter: Meter;
  amount: number;
  memberId?: string;
  metadata?: EntryMetadata;
};

export type DebitOperation = { type: 'DEBIT'; idempotencyKey: string } & PricedRequest & Attribution;

/**
 * Reserves the price before slow work. With `step` (which needs `sessionId`), the hold is for
 * one step of a generation session: if that step was charged already for this input, nothing
 * is held and the outcome is STEP_REUSED; otherwise committing the hold charges the step, so a
 * later regeneration of it is reused. A failed or released step hold leaves the step uncharged.
 * The step's session, name and input are its whole identity (see `stepFingerprint`): put into
 * `input` whatever decides the result (e.g. the feature's parameters).
 */
export type HoldOperation = {
  type: 'HOLD';
  idempotencyKey: string;
  /** Who may settle the hold (see `maySettle`). */
  owner: HoldOwner;
  ttlMs?: number;
  step?: { name: string; input: JsonValue };
} & PricedRequest &
  Attribution;

/**
 * Consumes `amounts` (default: everything held) and releases the rest of the hold. Committing
 * nothing is a release. A hold the settler may not settle is, to it, not found.
 */
export type CommitOperation = {
  type: 'COMMIT';
  idempotencyKey: string;
  holdId: string;
  settler: HoldSettler;
  amounts?: MeterAmounts;
  metadata?: EntryMetadata;
};

export type ReleaseOperation = { type: 'RELEASE'; idempotencyKey: string; holdId: string; settler: HoldSettler; metadata?: EntryMetadata };

/**
 * The work behind a hold failed. BEFORE_WORK: nothing is charged. AFTER_PROVIDER_WORK: each
 * meter is charged per the feature's `chargeOnProviderFailure` locked into the hold.
 */
export type ReportFailureOperation = {
  type: 'REPORT_FAILURE';
  idempotencyKey: string;
  holdId: string;
  settler: HoldSettler;
  stage: 'BEFORE_WORK' | 'AFTER_PROVIDER_WORK';
  metadata?: EntryMetadata;
};

export type ChangePlanOperation = { type: 'CHANGE_PLAN'; idempotencyKey: string; planId: string; metadata?: EntryMetadata };

/** Caps what one member of an organization may use per period on a meter; `cap: null` lifts it. */
export type SetMemberCapOperation = {
  type: 'SET_MEMBER_CAP';
  idempotencyKey: string;
  memberId: string;
  meter: Meter;
  cap: number | null;
};

/** Gives the account its own terms on `meter` over its plan's (see `setCreditPolicy`). */
export type SetCreditPolicyOperation = {
  type: 'SET_CREDIT_POLICY';
  idempotencyKey: string;
  meter: Meter;
  terms: MeterPolicy;
  effective: PolicyEffect;
  metadata?: EntryMetadata;
};

/** Back to the plan's terms on `meter`, at once or at its next reset. */
export type RemoveCreditPolicyOperation = { type: 'REMOVE_CREDIT_POLICY'; idempotencyKey: string; meter: Meter; effective: PolicyEffect; metadata?: EntryMetadata };

export type LedgerOperation =
  | GrantOperation
  | RemoveCreditsOperation
  | DebitOperation
  | HoldOperation
  | CommitOperation
  | ReleaseOperation
  | ReportFailureOperation
  | ChangePlanOperation
  | SetMemberCapOperation
  | SetCreditPolicyOperation
  | RemoveCreditPolicyOperation;
