import type { AccountState } from './account-state.js';
import type { Draft, EntryAttribution } from './draft.js';
import { record } from './draft.js';
import type { LedgerError, Result } from './errors.js';
import { countToward, dailyLimitOf, dailyShortfall, dayEndAfter, fitsInDay } from './daily-limits.js';
import { checkCredits, fail, ok } from './errors.js';
import { availableOn, takeFromGrants } from './grants.js';
import { periodOf, type Hold } from './holds.js';
import type { Recall } from './idempotency.js';
import { addMemberUsage, checkMemberCaps, memberInDraft } from './members.js';
import { amountOf, metersIn, type Meter, type MeterAmounts } from './meters.js';
import type { DebitOperation, HoldOperation, LedgerContext } from './operations.js';
import type { OperationSuccess } from './outcomes.js';
import { periodShortfall, type Shortfall } from './period-refusal.js';
import type { Price } from './pricing.js';
import { resolvePrice } from './quotes.js';
import { firstFitAfter } from './resets-ahead.js';
import { chargeOfStep, reuseOf, stepFingerprint } from './regeneration.js';

/**
 * A hold lasts at most 90 days: long enough for any slow work, short enough to come back. So a
 * hold's COMMIT is never more than this after the hold (usage summaries rely on it).
 */
export const MAX_HOLD_TTL_MS = 90 * 86_400_000;

type ChargeContext = LedgerContext & { idempotencyKey: string; recall: Recall };
type PricedOperation = DebitOperation | HoldOperation;

/**
 * Layered limits: a limited meter needs the credits available this period (PERIOD), and a meter
 * with a daily limit, unlimited or not, the day's remainder (DAILY). A refusal's `freesAt` is
 * looked for once, for the whole request (see `firstFitAfter`).
 */
function checkAvailable(state: AccountState, amounts: MeterAmounts, context: ChargeContext): LedgerError | null {
  const meters = metersIn(amounts);
  const fitsPeriod = (future: AccountState, meter: Meter): boolean => future.meters[meter].unlimited || availableOn(future.grants, meter) >= amountOf(amounts, meter);
  for (const meter of meters) {
    const needed = amountOf(amounts, meter);
    const period = state.meters[meter].unlimited ? null : periodShortfall(state, meter, needed);
    const daily = dailyShortfall(state, meter, context.now, needed);
    const refusal = period && daily ? freesLater(state, context.now, period, daily) : (period ?? daily);
    if (!refusal) continue;
    // One limit's freeing time may not suit another (a reset mid-day with the day spent, a midnight
    // reset lowering a limit, another meter of the request): the request fits when all do at once.
    const freesAt = firstFitAfter(
      state,
      meters,
      context.plans,
      { from: context.now, notBefore: period ? period.resetsAt : context.now },
      dayEndAfter,
      (future, at) => meters.every((each) => fitsPeriod(future, each) && fitsInDay(future, each, at, amountOf(amounts, each))),
    );
    return { ...refusal, freesAt };
  }
  return null;
}

/**
 * When both limits refuse, the one that frees later: the day ends before the period unless the
 * period resets first, and a request larger than the daily limit fits in no day.
 */
function freesLater(state: AccountState, at: Date, period: Shortfall, daily: Shortfall): Shortfall {
  const meterState = state.meters[daily.meter];
  if (daily.needed > (dailyLimitOf(meterState) ?? Infinity)) return daily;
  return period.resetsAt.getTime() >= dayEndAfter(state, daily.meter, at)!.getTime() ? period : daily;
}

/**
 * Checks every meter before anything changes, so a charge spanning several meters applies on all
 * of them or on none.
 */
function checkAffordable(state: AccountState, memberId: string | undefined, costs: MeterAmounts, context: ChargeContext): LedgerError | null {
  return checkAvailable(state, costs, context) ?? checkMemberCaps(state, memberId, costs);
}

/** A price, with what the charge is recorded as: its feature and the quote that locked it. */
type Priced = Price & { feature: string | null; quoteId: string | null };

function priceOf(state: AccountState, operation: PricedOperation, context: ChargeContext): Result<Priced> {
  if (operation.amounts) {
    const price = explicitPrice(operation.amounts);
    return price.ok ? ok({ ...price.value, feature: operation.feature ?? null, quoteId: null }) : price;
  }
  if (operation.quoteId === undefined) {
    const price = resolvePrice({ ...operation, accountId: state.accountId }, context.pricing, context.now);
    return price.ok ? ok({ ...price.value, feature: operation.feature, quoteId: null }) : price;
  }
  const quote = context.quotes?.get(operation.quoteId);
  if (!quote) return fail({ code: 'QUOTE_NOT_FOUND', quoteId: operation.quoteId });
  const feature = operation.feature ?? quote.feature;
  const price = resolvePrice({ ...operation, feature, quote, accountId: state.accountId }, context.pricing, context.now);
  return price.ok ? ok({ ...price.value, feature, quoteId: quote.id }) : price;
}

/** Amounts a caller names: each a whole number of credits, at least one of them positive; a failure after the work charges nothing. */
function explicitPrice(amounts: MeterAmounts): Result<Price> {
  for (const meter of metersIn(amounts)) {
    const invalid = checkCredits(`amounts.${meter}`, amountOf(amounts, meter), { allowZero: true });
    if (invalid) return fail(invalid);
  }
  const costs = Object.fromEntries(metersIn(amounts).filter((meter) => amountOf(amounts, meter) > 0).map((meter) => [meter, amountOf(amounts, meter)]));
  if (Object.keys(costs).length === 0) return fail({ code: 'VALIDATION_ERROR', field: 'amounts', message: 'must name at least one meter with a positive amount' });
  return ok({ costs, chargeOnProviderFailure: {} });
}

function priceAndCheck(state: AccountState, operation: PricedOperation, context: ChargeContext): Result<Priced> {
  const price = priceOf(state, operation, context);
  if (!price.ok) return price;
  const refusal = checkAffordable(state, operation.memberId, price.value.costs, context);
  return refusal ? fail(refusal) : price;
}

function attribution(operation: PricedOperation, priced: Priced, context: ChargeContext): EntryAttribution {
  return {
    memberId: operation.memberId ?? null,
    feature: priced.feature,
    sessionId: operation.sessionId ?? null,
    assetId: operation.assetId ?? null,
    idempotencyKey: context.idempotencyKey,
    metadata: operation.metadata ?? {},
  };
}

/** Charges the price at once; the entry names the quote that locked the price. */
export function debit(draft: Draft, operation: DebitOperation, context: ChargeContext): Result<OperationSuccess> {
  const price = priceAndCheck(draft.state, operation, context);
  if (!price.ok) return price;
  const { costs: charged, quoteId } = price.value;
  const spec = { ...attribution(operation, price.value, context), kind: 'DEBIT' as const, at: context.now, details: { quoteId } };
  record(draft, spec, metersIn(charged), (state) => {
    for (const meter of metersIn(charged)) {
      const amount = amountOf(charged, meter);
      if (!state.meters[meter].unlimited) takeFromGrants(state.grants, meter, amount, state.meters[meter].rollover);
      state.meters[meter].used += amount;
      countToward(state, meter, context.now, amount);
      addMemberUsage(state, operation.memberId ?? null, meter, amount);
    }
  });
  return ok({ type: 'DEBITED', charged, quoteId });
}

function stepOfHold(operation: HoldOperation): Result<Hold['step']> {
  if (!operation.step) return ok(null);
  if (operation.sessionId === undefined) {
    return fail({ code: 'VALIDATION_ERROR', field: 'sessionId', message: 'is required for a step hold' });
  }
  const { name, input } = operation.step;
  return ok({ name, fingerprint: stepFingerprint(operation.sessionId, name, input) });
}

export function hold(draft: Draft, operation: HoldOperation, context: ChargeContext): Result<OperationSuccess> {
  const ttlMs = operation.ttlMs ?? context.settings.holdTtlMs;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_HOLD_TTL_MS) {
    return fail({ code: 'VALIDATION_ERROR', field: 'ttlMs', message: `must be 1 to ${MAX_HOLD_TTL_MS} milliseconds, got ${ttlMs}` });
  }
  const step = stepOfHold(operation);
  if (!step.ok) return step;
  const price = priceOf(draft.state, operation, context);
  if (!price.ok) return price;
  // An unchanged step is never charged twice, so it needs no credits: check before affordability.
  const charge = step.value && chargeOfStep(context.recall, step.value.fingerprint);
  if (charge) return ok(reuseOf(charge));
  const refusal = checkAffordable(draft.state, operation.memberId, price.value.costs, context);
  if (refusal) return fail(refusal);
  const { costs, chargeOnProviderFailure, quoteId } = price.value;
  const expiresAt = new Date(context.now.getTime() + ttlMs);
  // Random rather than counted: a replay answers the remembered outcome, so it keeps this id.
  const holdId = context.newId();
  // The hold's expiry is recorded for readers of the history: once settled, it is gone from the state.
  const details = { holdId, quoteId, expiresAt: expiresAt.toISOString(), ...(step.value && { step: step.value.name, fingerprint: step.value.fingerprint }) };
  const spec = { ...attribution(operation, price.value, context), kind: 'HOLD' as const, at: context.now, details };
  record(draft, spec, metersIn(costs), (state) => {
    const created: Hold = {
      id: holdId,
      owner: operation.owner,
      feature: price.value.feature,
      memberId: operation.memberId ?? null,
      sessionId: operation.sessionId ?? null,
      assetId: operation.assetId ?? null,
      quoteId,
      step: step.value,
      createdAt: context.now,
      expiresAt,
      lines: metersIn(costs).map((meter) => ({
        meter,
        amount: amountOf(costs, meter),
        allocations: state.meters[meter].unlimited ? [] : takeFromGrants(state.grants, meter, amountOf(costs, meter), state.meters[meter].rollover),
        chargeOnProviderFailure: chargeOnProviderFailure[meter] ?? 'NONE',
        ...periodOf(state.meters[meter]),
        dayStart: countToward(state, meter, context.now, amountOf(costs, meter)),
      })),
    };
    state.holds.push(created);
    // The member's record exists from the hold on, so that its commit never needs room the pool lacks.
    if (operation.memberId !== undefined) memberInDraft(state, operation.memberId);
  });
  return ok({ type: 'HELD', holdId, held: costs, expiresAt });
}
