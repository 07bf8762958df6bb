import type { JsonValue } from './canonical-json.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';

/**
 * Identifies one step of a generation session with one input. Regenerating with an unchanged
 * input gives the same fingerprint and so the same idempotency key: the charge is not repeated.
 */
export function stepFingerprint(sessionId: string, step: string, input: JsonValue): string {
  return sha256Hex(canonicalJson([sessionId, step, input]));
}

export function stepChargeKey(fingerprint: string): string {
  return `step:${fingerprint}`;
}
