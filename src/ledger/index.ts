/**
 * The rules of credits, as pure functions over plain values: no I/O and no clock of its own.
 * The store loads an account, calls `applyOperation` (possibly several times), and writes the
 * resulting state and entries.
 */
export { applyOperation, type OperationResult } from './apply-operation.js';
export { advanceTo } from './advance.js';
export { openAccount, type OpenAccountRequest, type OpenAccountResult } from './open-account.js';
export type { AccountState, AccountType, MemberState, MeterFigures, MeterState } from './account-state.js';
export { meterFigures } from './account-state.js';
export type {
  ChangePlanOperation,
  ChargeStepOperation,
  ClockContext,
  CommitOperation,
  DebitOperation,
  GrantOperation,
  HoldOperation,
  LedgerContext,
  LedgerOperation,
  ReleaseOperation,
  RemoveCreditsOperation,
  ReportFailureOperation,
  SetMemberCapOperation,
} from './operations.js';
export type { HoldSettlement, OperationSuccess, Outcome } from './outcomes.js';
export { checkCredits, type LedgerError, type LedgerErrorCode, type Result } from './errors.js';
export { METERS, MeterSchema, type Meter, type MeterAmounts } from './meters.js';
export { ENTRY_KINDS, type EntryKind, type EntryMetadata, type LedgerEntry, type MeterChange } from './entries.js';
export { GRANT_KINDS, burnDownOrder, type Allocation, type Grant, type GrantKind } from './grants.js';
export type { Hold, HoldLine } from './holds.js';
export type { IdempotencyRecord } from './idempotency.js';
export {
  DEFAULT_PLAN_CATALOG,
  MeterRulesSchema,
  PlanCatalogSchema,
  PlanSchema,
  RolloverPolicySchema,
  findPlan,
  parsePlanCatalog,
  type MeterRules,
  type Plan,
  type PlanCatalog,
  type RolloverPolicy,
} from './plans.js';
export {
  DEFAULT_PRICING_CATALOG,
  FAILURE_POLICIES,
  FeaturePricingSchema,
  PricingCatalogSchema,
  parsePricingCatalog,
  priceFeature,
  type FailurePolicy,
  type FeaturePricing,
  type Price,
  type PricingCatalog,
  type PricingParameters,
} from './pricing.js';
export { createQuote, resolvePrice, type PriceRequest, type Quote, type QuoteContext, type QuoteRequest } from './quotes.js';
export { DEFAULT_LEDGER_SETTINGS, LedgerSettingsSchema, parseLedgerSettings, type LedgerSettings } from './settings.js';
export { CatalogValidationError } from './catalog-validation.js';
export { PERIOD_KINDS, periodContaining, type Calendar, type PeriodKind, type PeriodWindow } from './periods.js';
export { DEFAULT_TIME_ZONE, isValidTimeZone } from './time-zone.js';
export { stepFingerprint } from './regeneration.js';
export { canonicalJson, type JsonValue } from './canonical-json.js';
export { meterBalance, memberUsage, type MemberUsage, type MeterBalance } from './balances.js';
export { LedgerReplayError, replayEntries, type BalanceProjection } from './replay.js';
export { summarizeUsage, type UsageGrouping, type UsageQuery, type UsageRow } from './summaries.js';
export { nextBillingReset } from './plan-changes.js';
