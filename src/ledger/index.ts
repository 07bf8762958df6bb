/**
 * The rules of credits, as pure functions over plain values: no I/O and no clock of its own.
 *
 * What the store needs to know:
 * - One document per account holds an `AccountState`. Load it, call `applyOperation` once or
 *   several times in a row (coalescing: each call takes the previous call's state), then write
 *   the final state together with all returned entries as pending entries, by compare-and-set on
 *   the document's version. Copy pending entries to the entries collection (unique index on
 *   accountId + seq) afterwards; a duplicate-key error there means the copy already happened.
 * - Every call first advances the clock (`advanceTo`): resets, expiries and hold TTLs that fell
 *   due produce entries even when the operation itself is refused. Persist them too (or drop
 *   them: the next call recomputes the same thing). A replayed idempotency key returns the input
 *   state unchanged and no entries: nothing to write.
 * - Idempotency keys are not kept in the account (their number grows with history). Each result
 *   lists the keys the call remembered (`remembered`: its own and, for the commit of a step hold,
 *   the step's); keep them with the last entry the operation wrote (every keyed write writes one).
 *   Before applying an operation, look up the keys `keysOf(state, operation)` names (in the
 *   entries, and among those remembered earlier in the batch) and pass what you found to
 *   `applyOperation`: a key not passed is a new one.
 * - Holds record which grants gave their credits (`Hold.lines[].allocations`), so commits and
 *   releases are exact; hold ids and grant ids are derived from entry seqs (unique per account).
 * - Quotes are created by `createQuote` (needs an id generator) and stored by the store; an
 *   operation carries the whole quote value, and the ledger checks it.
 */
export { applyOperation, keysOf, type OperationResult } from './apply-operation.js';
export { advanceTo, nextDueAt } from './advance.js';
export { openAccount, type OpenAccountRequest, type OpenAccountResult } from './open-account.js';
export type { AccountState, AccountType, MemberState, MeterFigures, MeterState } from './account-state.js';
export { meterFigures } from './account-state.js';
export type {
  ChangePlanOperation,
  ClockContext,
  PricedRequest,
  CommitOperation,
  DebitOperation,
  GrantOperation,
  HoldOperation,
  LedgerContext,
  LedgerOperation,
  ReleaseOperation,
  RemoveCreditPolicyOperation,
  RemoveCreditsOperation,
  ReportFailureOperation,
  SetCreditPolicyOperation,
  SetMemberCapOperation,
} from './operations.js';
export type { CreditPolicyStatus, HoldSettlement, OperationSuccess, Outcome } from './outcomes.js';
export { checkCredits, type LedgerError, type LedgerErrorCode, type Result, type SpendingLimit } from './errors.js';
export { MeterPolicySchema, type CreditPolicies, type CreditPolicy, type MeterPolicy, type PolicyEffect } from './credit-policy-terms.js';
export type { DailyFigures } from './daily-limits.js';
export { MAX_BALANCE, MAX_FIGURE, MAX_PLAN_CREDITS } from './limits.js';
export { INPUT_LIMITS, checkChargeInputs, checkMetadata, checkParameters, checkText, type InputError, type LimitedCollection } from './input-limits.js';
export { METERS, MeterSchema, type Meter, type MeterAmounts } from './meters.js';
export { ENTRY_KINDS, type EntryKind, type EntryMetadata, type LedgerEntry, type MeterChange } from './entries.js';
export { GRANT_KINDS, burnDownOrder, type Allocation, type Grant, type GrantKind } from './grants.js';
export type { Hold, HoldLine } from './holds.js';
export { MAX_HOLD_TTL_MS } from './charges.js';
export type { IdempotencyRecord } from './idempotency.js';
export {
  DEFAULT_PLAN_CATALOG,
  MeterRulesSchema,
  PlanCatalogSchema,
  PlanSchema,
  ProductSchema,
  RolloverPolicySchema,
  findPlan,
  parsePlanCatalog,
  productOf,
  type MeterRules,
  type Plan,
  type PlanCatalog,
  type Product,
  type RolloverPolicy,
} from './plans.js';
export {
  DEFAULT_PRICING_CATALOG,
  FAILURE_POLICIES,
  FeaturePricingSchema,
  PricingCatalogSchema,
  parsePricingCatalog,
  parametersWithDefaults,
  priceFeature,
  type FailurePolicy,
  type FeaturePricing,
  type Price,
  type PricingCatalog,
  type PricingParameters,
} from './pricing.js';
export { createQuote, resolvePrice, type PriceRequest, type Quote, type QuoteContext, type QuoteRequest } from './quotes.js';
export { DEFAULT_LEDGER_SETTINGS, LedgerSettingsSchema, parseLedgerSettings, type LedgerSettings } from './settings.js';
export { CatalogValidationError, plainProblem } from './catalog-validation.js';
export { PERIOD_KINDS, periodContaining, type Calendar, type PeriodKind, type PeriodWindow } from './periods.js';
export { DEFAULT_TIME_ZONE, isValidTimeZone } from './time-zone.js';
export { stepFingerprint } from './regeneration.js';
export { canonicalJson, type JsonValue } from './canonical-json.js';
export { meterBalance, meterBalances, memberUsage, type MemberUsage, type MeterBalance } from './balances.js';
export { LedgerReplayError, replayEntries, type BalanceProjection } from './replay.js';
export { summarizeUsage, type UsageGrouping, type UsageQuery, type UsageRow } from './summaries.js';
export {
  RESERVATION_STATUSES,
  SETTLEMENT_KINDS,
  activeReservation,
  settledReservation,
  settledStatusOf,
  type Reservation,
  type ReservationStatus,
  type SettledStatus,
} from './reservations.js';
export { nextBillingReset } from './plan-changes.js';
