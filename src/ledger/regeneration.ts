import type { JsonValue } from './canonical-json.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Recall } from './idempotency.js';
import type { OperationSuccess } from './outcomes.js';

/**
 * Identifies one step of a generation session with one input. Regenerating with an unchanged
 * input gives the same fingerprint and so the same step key: the charge is not repeated.
 */
export function stepFingerprint(sessionId: string, step: string, input: JsonValue): string {
  return sha256Hex(canonicalJson([sessionId, step, input]));
}

/**
 * The key under which an account remembers that a step was charged. The COMMIT of a step hold
 * remembers it; HOLD, COMMIT and REPORT_FAILURE of a step consult it, so a step is charged once
 * however many holds are taken for it.
 */
export function stepChargeKey(fingerprint: string): string {
  return `step:${fingerprint}`;
}

export type StepCharge = Extract<OperationSuccess, { type: 'STEP_CHARGED' }>;
type StepReuse = Extract<OperationSuccess, { type: 'STEP_REUSED' }>;

/** The charge of a step, if it has been charged. */
export function chargeOfStep(recall: Recall, fingerprint: string): StepCharge | undefined {
  const outcome = recall(stepChargeKey(fingerprint))?.outcome;
  return outcome?.type === 'STEP_CHARGED' ? outcome : undefined;
}

export function reuseOf(charge: StepCharge): StepReuse {
  return { type: 'STEP_REUSED', fingerprint: charge.fingerprint, charged: charge.charged, chargedByHoldId: charge.holdId };
}
