import type { Draft } from './draft.js';
import { nextSeq, record } from './draft.js';
import type { Result } from './errors.js';
import { checkCredits, fail, ok } from './errors.js';
import { grantIdFor, takeFromGrants } from './grants.js';
import type { GrantOperation, LedgerContext, RemoveCreditsOperation } from './operations.js';
import type { OperationSuccess } from './outcomes.js';
import { periodRefusal } from './period-refusal.js';

type AdminContext = Pick<LedgerContext, 'now' | 'plans'> & { idempotencyKey: string };

export function grantCredits(draft: Draft, operation: GrantOperation, context: AdminContext): Result<OperationSuccess> {
  const invalid = checkCredits('amount', operation.amount);
  if (invalid) return fail(invalid);
  const expiresAt = operation.expiresAt ?? null;
  if (expiresAt && !(expiresAt.getTime() > context.now.getTime())) {
    return fail({ code: 'VALIDATION_ERROR', field: 'expiresAt', message: 'must be a valid instant in the future' });
  }
  const grantId = grantIdFor(nextSeq(draft), operation.kind, operation.meter);
  const spec = {
    kind: 'GRANT' as const,
    at: context.now,
    memberId: operation.memberId ?? null,
    idempotencyKey: context.idempotencyKey,
    metadata: operation.metadata ?? {},
    details: { grantId, grantKind: operation.kind },
  };
  record(draft, spec, [operation.meter], (state) => {
    state.grants.push({
      id: grantId,
      meter: operation.meter,
      kind: operation.kind,
      amount: operation.amount,
      remaining: operation.amount,
      createdAt: context.now,
      expiresAt,
    });
  });
  return ok({ type: 'GRANTED', grantId, meter: operation.meter, amount: operation.amount, expiresAt });
}

/** Takes credits away in burn order; never below zero, and not counted as usage. */
export function removeCredits(draft: Draft, operation: RemoveCreditsOperation, context: AdminContext): Result<OperationSuccess> {
  const invalid = checkCredits('amount', operation.amount);
  if (invalid) return fail(invalid);
  const { meter, amount } = operation;
  const refusal = periodRefusal(draft.state, meter, amount, context.plans, context.now);
  if (refusal) return fail(refusal);
  const spec = {
    kind: 'ADJUSTMENT' as const,
    at: context.now,
    memberId: operation.memberId ?? null,
    idempotencyKey: context.idempotencyKey,
    metadata: operation.metadata ?? {},
  };
  record(draft, spec, [meter], (state) => {
    takeFromGrants(state.grants, meter, amount, state.meters[meter].rollover);
  });
  return ok({ type: 'CREDITS_REMOVED', meter, amount });
}
