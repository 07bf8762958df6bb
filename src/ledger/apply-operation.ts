import type { AccountState } from './account-state.js';
import { dropIdleMembers, dropSpentGrants } from './account-state.js';
import { advanceTo } from './advance.js';
import { balancesOf } from './balances.js';
import { debit, hold } from './charges.js';
import type { Draft } from './draft.js';
import { beginDraft, record } from './draft.js';
import type { EntryKind, EntryMetadata, LedgerEntry } from './entries.js';
import type { Result } from './errors.js';
import { grantCredits, removeCredits } from './grant-operations.js';
import { removeCreditPolicy, setCreditPolicy } from './credit-policies.js';
import { commitHold, releaseHold, reportFailure } from './hold-settlement.js';
import { remember, requestFingerprint, type IdempotencyRecord, type Recall } from './idempotency.js';
import { checkCollectionLimits, checkOperationInputs } from './input-limits.js';
import { checkBalanceLimits } from './limits.js';
import { setMemberCap } from './members.js';
import type { LedgerContext, LedgerOperation } from './operations.js';
import type { OperationSuccess, Outcome } from './outcomes.js';
import { changePlan } from './plan-changes.js';
import { stepChargeKey, stepFingerprint } from './regeneration.js';

/**
 * The input state is never changed; `entries` continue its seq without gaps. `remembered` lists
 * the keys this call remembered (none for a refusal or a replay): the store keeps them on the
 * last entry the operation wrote, where they outlive the account's window.
 */
export type OperationResult = { state: AccountState; entries: LedgerEntry[]; outcome: Outcome; remembered: IdempotencyRecord[] };

/**
 * The ledger's reducer: advances the clock to `context.now`, then applies the operation all or
 * nothing. Results compose: the store may apply several queued operations one after another to
 * the returned state and write the final state and all entries at once.
 *
 * - A refused operation changes nothing itself, but the returned state and entries still carry
 *   what the clock advance did (resets, expiries); persisting them is safe and saves redoing it.
 * - A repeated idempotency key returns the first outcome with `replayed: true` and the input
 *   state untouched, with no entries: there is nothing to write.
 * - Entries are stamped with the account clock, which never runs backwards, so a caller whose
 *   clock is behind an earlier writer's cannot date an entry before its predecessors.
 * - `known` holds what the store found for the keys the operation names (see `keysOf`): the
 *   first request's fingerprint, outcome and balances, kept on the entries. The account keeps no
 *   keys itself, so a key missing from `known` is a new one.
 */
export function applyOperation(
  state: AccountState,
  operation: LedgerOperation,
  context: LedgerContext,
  known: ReadonlyMap<string, IdempotencyRecord> = new Map(),
): OperationResult {
  const advanced = advanceTo(state, context);
  const refuse = (outcome: Outcome): OperationResult => ({ ...advanced, outcome, remembered: [] });

  const key = operation.idempotencyKey;
  const fingerprint = requestFingerprint(operation);
  if (key.length === 0) {
    return refuse({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'idempotencyKey', message: 'must not be empty' } });
  }
  // The key is judged first: a retry replays what applied, even under limits stricter than then.
  const earlier = known.get(key);
  if (earlier) {
    if (earlier.fingerprint !== fingerprint) {
      return refuse({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: key } });
    }
    const balances = earlier.balances ?? balancesOf(advanced.state);
    return { state, entries: [], outcome: { ok: true, replayed: true, balances, ...earlier.outcome }, remembered: [] };
  }
  const oversized = checkOperationInputs(operation);
  if (oversized) return refuse({ ok: false, error: oversized });

  const now = advanced.state.clock;
  const draft = beginDraft(advanced.state);
  const recall: Recall = (wanted) => draft.remembered.find((record) => record.key === wanted) ?? known.get(wanted);
  const result = perform(draft, operation, { ...context, now, idempotencyKey: key, recall });
  if (!result.ok) return refuse(result);
  // Judged on what the account keeps afterwards: a spent grant or an idle member takes no room.
  dropSpentGrants(draft.state);
  dropIdleMembers(draft.state);
  const beyond = checkBalanceLimits(advanced.state, draft.state) ?? checkCollectionLimits(advanced.state, draft.state, context.settings);
  if (beyond) return refuse({ ok: false, error: beyond });
  if (!draft.entries.some((entry) => entry.idempotencyKey === key)) recordUnmoved(draft, operation, result.value, key);
  const balances = balancesOf(draft.state);
  remember(draft, { key, fingerprint, outcome: result.value, balances });
  return {
    state: draft.state,
    entries: [...advanced.entries, ...draft.entries],
    outcome: { ok: true, replayed: false, balances, ...result.value },
    remembered: draft.remembered,
  };
}

/**
 * The keys whose memory decides what `operation` does on `state`: its own, and for a step hold or
 * the settlement of one, the step's. The store looks them up among the entries and passes what
 * it finds to `applyOperation`.
 */
export function keysOf(state: AccountState, operation: LedgerOperation): string[] {
  const step = stepFingerprintOf(state, operation);
  return [operation.idempotencyKey, ...(step ? [stepChargeKey(step)] : [])];
}

function stepFingerprintOf(state: AccountState, operation: LedgerOperation): string | null {
  switch (operation.type) {
    case 'HOLD':
      return operation.step && operation.sessionId !== undefined
        ? stepFingerprint(operation.sessionId, operation.step.name, operation.step.input)
        : null;
    case 'COMMIT':
    case 'REPORT_FAILURE':
      return state.holds.find((hold) => hold.id === operation.holdId)?.step?.fingerprint ?? null;
    default:
      return null;
  }
}

/**
 * The entry of a keyed write that moved no credit: it records what was done (an audit trail of
 * caps and plan changes) and, as the operation's last entry, keeps its key for good.
 */
function recordUnmoved(draft: Draft, operation: LedgerOperation, outcome: OperationSuccess, key: string): void {
  const at = draft.state.clock;
  const memberId = 'memberId' in operation ? (operation.memberId ?? null) : null;
  const spec = (kind: EntryKind, details: EntryMetadata) => ({ kind, at, idempotencyKey: key, memberId, details });
  switch (outcome.type) {
    case 'MEMBER_CAP_SET':
      record(draft, spec('MEMBER_CAP', { meter: outcome.meter, cap: outcome.cap }), [], () => {});
      return;
    case 'PLAN_CHANGED':
      record(draft, spec('PLAN_CHANGE', { planId: outcome.planId, mode: outcome.mode }), [], () => {});
      return;
    case 'CREDIT_POLICY_CHANGED':
      record(draft, spec('POLICY_CHANGE', { meter: outcome.meter, status: outcome.status, effectiveAt: outcome.effectiveAt.toISOString() }), [], () => {});
      return;
    case 'STEP_REUSED': {
      // Attributed like any hold, so the session it was reused in counts the generation.
      const attribution = operation.type === 'HOLD' ? { sessionId: operation.sessionId ?? null, assetId: operation.assetId ?? null, metadata: operation.metadata ?? {} } : {};
      record(draft, { ...spec('HOLD', { reason: 'STEP_REUSED', fingerprint: outcome.fingerprint }), feature: 'feature' in operation ? (operation.feature ?? null) : null, ...attribution }, [], () => {});
      return;
    }
    default:
      throw new Error(`${operation.type} answered ${outcome.type} without an entry of its own`);
  }
}

function perform(
  draft: Draft,
  operation: LedgerOperation,
  context: LedgerContext & { idempotencyKey: string; recall: Recall },
): Result<OperationSuccess> {
  switch (operation.type) {
    case 'GRANT':
      return grantCredits(draft, operation, context);
    case 'REMOVE_CREDITS':
      return removeCredits(draft, operation, context);
    case 'DEBIT':
      return debit(draft, operation, context);
    case 'HOLD':
      return hold(draft, operation, context);
    case 'COMMIT':
      return commitHold(draft, operation, context);
    case 'RELEASE':
      return releaseHold(draft, operation, context);
    case 'REPORT_FAILURE':
      return reportFailure(draft, operation, context);
    case 'CHANGE_PLAN':
      return changePlan(draft, operation, context);
    case 'SET_MEMBER_CAP':
      return setMemberCap(draft, operation);
    case 'SET_CREDIT_POLICY':
      return setCreditPolicy(draft, operation, context);
    case 'REMOVE_CREDIT_POLICY':
      return removeCreditPolicy(draft, operation, context);
  }
}
