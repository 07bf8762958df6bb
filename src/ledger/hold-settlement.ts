import type { Draft, EntryAttribution } from './draft.js';
import type { EntryMetadata, MeterChange } from './entries.js';
import { record } from './draft.js';
import { giveBack } from './daily-limits.js';
import type { LedgerError, Result } from './errors.js';
import { checkCredits, fail, ok } from './errors.js';
import { splitAllocations, totalOf } from './grants.js';
import type { Hold, HoldSettler } from './holds.js';
import { earlierPeriodOf, maySettle, reservedOn } from './holds.js';
import { remember, type Recall } from './idempotency.js';
import { addMemberUsage } from './members.js';
import { amountOf, METERS, recordOfMeters, type Meter, type MeterAmounts } from './meters.js';
import type { CommitOperation, ReleaseOperation, ReportFailureOperation } from './operations.js';
import type { HoldSettlement, OperationSuccess } from './outcomes.js';
import { chargeOfStep, reuseOf, stepChargeKey } from './regeneration.js';
import type { LedgerSettings } from './settings.js';

type Settled = Extract<OperationSuccess, { type: 'HOLD_SETTLED' }>;

/**
 * Ends a hold: consumes `commit` per meter (taking the credits the hold took first, in burn
 * order) and returns the rest to the grants it came from, so the latest grants in burn order
 * (e.g. purchased top-ups) are the ones given back. Up to three entries: COMMIT (reserved →
 * used), EXPIRY (credits whose grant expired while held) and RELEASE (reserved → available).
 * Each meter's commit is usage of the period its line was held in: after a reset, the earlier
 * one's (`MeterChange.earlierPeriod`), not the current period's `used`.
 */
export function settleHold(
  draft: Draft,
  holdId: string,
  commit: MeterAmounts,
  settlement: HoldSettlement,
  entry: EntryAttribution & { at: Date; details?: EntryMetadata },
): Settled {
  const hold = draft.state.holds.find((candidate) => candidate.id === holdId);
  if (!hold) throw new Error(`settleHold: no hold ${holdId}`);
  const spec = {
    memberId: hold.memberId,
    feature: hold.feature,
    sessionId: hold.sessionId,
    assetId: hold.assetId,
    ...entry,
    details: { holdId, settlement, ...(hold.step && { step: hold.step.name, fingerprint: hold.step.fingerprint }), ...entry.details },
  };
  const outcome: Settled = { type: 'HOLD_SETTLED', holdId, settlement, committed: {}, released: {}, expired: {} };
  const linesOn = (meters: readonly Meter[]) => hold.lines.filter((line) => meters.includes(line.meter));

  const committing = METERS.filter((meter) => amountOf(commit, meter) > 0);
  if (committing.length > 0) {
    const earlier = new Map<Meter, NonNullable<MeterChange['earlierPeriod']>>();
    const committed = record(draft, { ...spec, kind: 'COMMIT' }, committing, (state) => {
      for (const line of linesOn(committing)) {
        const amount = amountOf(commit, line.meter);
        line.allocations = splitAllocations(line.allocations, amount)[1];
        line.amount -= amount;
        outcome.committed[line.meter] = amount;
        // Held before the meter's last reset: the credits are consumed all the same, but as usage
        // of the period that supplied them, so neither this period's `used` nor the member's grows.
        const periodStart = earlierPeriodOf(line, state.meters[line.meter]);
        if (periodStart) {
          // Dated within its period even if a server behind the account's clock dated the hold earlier.
          const heldAt = new Date(Math.max(hold.createdAt.getTime(), periodStart.getTime()));
          earlier.set(line.meter, { periodStart, heldAt, used: amount });
          continue;
        }
        state.meters[line.meter].used += amount;
        addMemberUsage(state, hold.memberId, line.meter, amount);
      }
    });
    // Not a balance, so `record` cannot measure it: the entry says it itself.
    for (const change of committed.changes) {
      const usage = earlier.get(change.meter);
      if (usage) change.earlierPeriod = usage;
    }
  }

  const liveGrantIds = new Set(draft.state.grants.map((grant) => grant.id));
  const forfeiting = METERS.filter((meter) =>
    linesOn([meter]).some((line) => line.allocations.some((allocation) => !liveGrantIds.has(allocation.grantId))),
  );
  if (forfeiting.length > 0) {
    record(draft, { ...spec, kind: 'EXPIRY' }, forfeiting, (state) => {
      for (const line of linesOn(forfeiting)) {
        const lost = line.allocations.filter((allocation) => !liveGrantIds.has(allocation.grantId));
        line.allocations = line.allocations.filter((allocation) => liveGrantIds.has(allocation.grantId));
        line.amount -= totalOf(lost);
        // Not consumed: the day the hold was taken gets them back, if it is still that day.
        giveBack(state, line.meter, line.dayStart, entry.at, totalOf(lost));
        outcome.expired[line.meter] = totalOf(lost);
      }
    });
  }

  const releasing = METERS.filter((meter) => linesOn([meter]).some((line) => line.amount > 0));
  if (releasing.length > 0) {
    record(draft, { ...spec, kind: 'RELEASE' }, releasing, (state) => {
      for (const line of linesOn(releasing)) {
        for (const allocation of line.allocations) {
          const grant = state.grants.find((candidate) => candidate.id === allocation.grantId);
          if (!grant) throw new Error(`settleHold: grant ${allocation.grantId} vanished`);
          grant.remaining += allocation.amount;
        }
        outcome.released[line.meter] = line.amount;
        giveBack(state, line.meter, line.dayStart, entry.at, line.amount);
        line.allocations = [];
        line.amount = 0;
      }
    });
  }

  draft.state.holds = draft.state.holds.filter((candidate) => candidate.id !== holdId);
  return outcome;
}

type HoldContext = { now: Date; idempotencyKey: string; recall: Recall; settings: LedgerSettings };

/** A hold the settler may not settle is not found, so a refusal tells nothing of other callers' holds. */
function findHold(draft: Draft, operation: { holdId: string; settler: HoldSettler }): Result<Hold> {
  const hold = draft.state.holds.find((candidate) => candidate.id === operation.holdId);
  return hold && maySettle(hold.owner, operation.settler) ? ok(hold) : fail({ code: 'HOLD_NOT_FOUND', holdId: operation.holdId });
}

export function commitHold(draft: Draft, operation: CommitOperation, context: HoldContext): Result<OperationSuccess> {
  const hold = findHold(draft, operation);
  if (!hold.ok) return hold;
  const held = recordOfMeters((meter) => reservedOn([hold.value], meter));
  const amounts = operation.amounts ?? held;
  for (const meter of METERS) {
    const requested = amountOf(amounts, meter);
    const invalid: LedgerError | null = checkCredits(`amounts.${meter}`, requested, { allowZero: true });
    if (invalid) return fail(invalid);
    if (requested > held[meter]) {
      return fail({ code: 'COMMIT_EXCEEDS_HOLD', holdId: operation.holdId, meter, held: held[meter], requested });
    }
  }
  // Nothing consumed is a release: above all, it never marks a step charged.
  if (METERS.every((meter) => amountOf(amounts, meter) === 0)) return ok(settle(draft, operation, {}, 'RELEASED', context));
  const { step, quoteId } = hold.value;
  if (!step) return ok(settle(draft, operation, amounts, 'COMMITTED', context));
  // A charged step is reused for free later, so it is charged its whole price or not at all.
  const partial = METERS.find((meter) => amountOf(amounts, meter) !== held[meter]);
  if (partial) return fail({ code: 'VALIDATION_ERROR', field: `amounts.${partial}`, message: 'a step hold is committed whole or released' });
  // Concurrent regenerations of one step each hold; the first to commit charges the step and the
  // others find it charged, so their holds go back.
  const charge = chargeOfStep(context.recall, step.fingerprint);
  if (charge) {
    settle(draft, operation, {}, 'RELEASED', context, { reason: 'STEP_REUSED' });
    return ok(reuseOf(charge));
  }
  const settled = settle(draft, operation, amounts, 'COMMITTED', context);
  const { fingerprint } = step;
  const outcome = { type: 'STEP_CHARGED' as const, fingerprint, charged: settled.committed, quoteId, holdId: operation.holdId };
  remember(draft, { key: stepChargeKey(fingerprint), fingerprint, outcome });
  return ok(settled);
}

export function releaseHold(draft: Draft, operation: ReleaseOperation, context: HoldContext): Result<OperationSuccess> {
  const hold = findHold(draft, operation);
  if (!hold.ok) return hold;
  return ok(settle(draft, operation, {}, 'RELEASED', context));
}

/**
 * A failure before the work releases everything; after the provider's work, the locked policy
 * decides, except for a step that has been charged meanwhile: an unchanged step is never charged
 * twice, not even for a failed attempt at it.
 */
export function reportFailure(draft: Draft, operation: ReportFailureOperation, context: HoldContext): Result<OperationSuccess> {
  const hold = findHold(draft, operation);
  if (!hold.ok) return hold;
  const { step } = hold.value;
  if (operation.stage === 'BEFORE_WORK') return ok(settle(draft, operation, {}, 'FAILED_BEFORE_WORK', context));
  if (step && chargeOfStep(context.recall, step.fingerprint)) return ok(settle(draft, operation, {}, 'FAILED_AFTER_WORK', context));
  const charged: MeterAmounts = {};
  for (const line of hold.value.lines) {
    if (line.chargeOnProviderFailure === 'FULL') charged[line.meter] = amountOf(charged, line.meter) + line.amount;
  }
  return ok(settle(draft, operation, charged, 'FAILED_AFTER_WORK', context));
}

function settle(
  draft: Draft,
  operation: { holdId: string; metadata?: EntryAttribution['metadata'] },
  commit: MeterAmounts,
  settlement: HoldSettlement,
  context: HoldContext,
  details?: EntryMetadata,
): Settled {
  return settleHold(draft, operation.holdId, commit, settlement, {
    at: context.now,
    idempotencyKey: context.idempotencyKey,
    metadata: operation.metadata ?? {},
    details,
  });
}
