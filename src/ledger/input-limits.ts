import type { AccountState } from './account-state.js';
import { canonicalJson } from './canonical-json.js';
import type { LedgerError } from './errors.js';
import type { Hold } from './holds.js';
import type { LedgerOperation } from './operations.js';
import type { LedgerSettings } from './settings.js';

/**
 * The most a caller may send, so that nothing it sends grows an account without bound: strings
 * are stored on holds, members and entries, and the account document is rewritten by every
 * write. The API checks the same limits at its edge, naming the field; the ledger checks them
 * again for every caller of its own (a workflow, a script).
 */
export const INPUT_LIMITS = {
  /** Characters of an idempotency key as a client gives it. */
  idempotencyKey: 200,
  sessionId: 200,
  assetId: 200,
  memberId: 200,
  feature: 100,
  step: 100,
  planId: 100,
  quoteId: 100,
  reason: 500,
  metadataKeys: 32,
  metadataKeyName: 64,
  metadataText: 500,
  /** Bytes of the caller's metadata of one request, as JSON. */
  metadataBytes: 2_048,
  parameters: 16,
  parameterName: 64,
  parameterText: 100,
  /** Bytes of a generation's input, as JSON, and how deeply it nests. */
  generationInputBytes: 65_536,
  generationInputDepth: 32,
} as const;

/** Ledger keys carry the caller's scope (see the API's `ledgerKeyOf`): a client's key plus a bounded prefix. */
const MAX_LEDGER_KEY_LENGTH = 500;

/** Keys of metadata: letters, digits, `_` and `-`, so they are safe field names and display plainly. */
const METADATA_KEY = /^[A-Za-z0-9_-]+$/;

/** A refusal of malformed input, naming the field. */
export type InputError = Extract<LedgerError, { code: 'VALIDATION_ERROR' }>;

const invalid = (field: string, message: string): InputError => ({ code: 'VALIDATION_ERROR', field, message });

export function checkText(field: string, value: string | null | undefined, max: number): InputError | null {
  if (value === null || value === undefined || value.length <= max) return null;
  return invalid(field, `must be at most ${max} characters, got ${value.length}`);
}

/** What a caller attaches to entries: at most 32 keys of safe names, short scalar values, 2 KiB in all. */
export function checkMetadata(field: string, metadata: Record<string, unknown> | undefined): InputError | null {
  if (metadata === undefined) return null;
  const entries = Object.entries(metadata);
  if (entries.length > INPUT_LIMITS.metadataKeys) return invalid(field, `must have at most ${INPUT_LIMITS.metadataKeys} keys`);
  for (const [key, item] of entries) {
    if (key.length > INPUT_LIMITS.metadataKeyName || !METADATA_KEY.test(key)) {
      return invalid(field, `keys must be 1 to ${INPUT_LIMITS.metadataKeyName} letters, digits, "_" or "-", got ${JSON.stringify(key.slice(0, 80))}`);
    }
    const scalar = item === null || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)) || typeof item === 'string';
    if (!scalar) return invalid(`${field}.${key}`, 'must be a string, a number, a boolean or null');
    const tooLong = typeof item === 'string' ? checkText(`${field}.${key}`, item, INPUT_LIMITS.metadataText) : null;
    if (tooLong) return tooLong;
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  if (bytes > INPUT_LIMITS.metadataBytes) return invalid(field, `must be at most ${INPUT_LIMITS.metadataBytes} bytes as JSON, got ${bytes}`);
  return null;
}

/** Pricing parameters: a few short names with short strings or numbers. */
export function checkParameters(field: string, parameters: Record<string, unknown> | undefined): InputError | null {
  if (parameters === undefined) return null;
  const entries = Object.entries(parameters);
  if (entries.length > INPUT_LIMITS.parameters) return invalid(field, `must have at most ${INPUT_LIMITS.parameters} parameters`);
  for (const [name, value] of entries) {
    if (name.length > INPUT_LIMITS.parameterName) return invalid(field, `names must be at most ${INPUT_LIMITS.parameterName} characters`);
    const tooLong = typeof value === 'string' ? checkText(`${field}.${name}`, value, INPUT_LIMITS.parameterText) : null;
    if (tooLong) return tooLong;
  }
  return null;
}

/** A generation's input (or a step's): any JSON, up to 64 KiB and 32 levels deep. */
export function checkGenerationInput(field: string, input: unknown): InputError | null {
  if (depthOf(input, INPUT_LIMITS.generationInputDepth + 1) > INPUT_LIMITS.generationInputDepth) {
    return invalid(field, `must nest at most ${INPUT_LIMITS.generationInputDepth} levels deep`);
  }
  const bytes = Buffer.byteLength(canonicalJson(input));
  if (bytes > INPUT_LIMITS.generationInputBytes) return invalid(field, `must be at most ${INPUT_LIMITS.generationInputBytes} bytes as JSON, got ${bytes}`);
  return null;
}

/** How deeply `value` nests, counting no further than `stop` (so a hostile input costs little). */
function depthOf(value: unknown, stop: number): number {
  if (value === null || typeof value !== 'object' || stop === 0) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, stop - 1));
    if (deepest + 1 >= stop) break;
  }
  return deepest + 1;
}

/** What a charge names, however it is asked for (a ledger operation, a generation request). */
export type ChargeInputs = {
  feature?: string | null;
  sessionId?: string | null;
  assetId?: string | null;
  quoteId?: string | null;
  parameters?: Record<string, unknown>;
  step?: string | null;
  /** A step's or a generation's input. */
  input?: unknown;
};

/** The strings and structures of a charge, against `INPUT_LIMITS`; `inputField` names `input` in the refusal. */
export function checkChargeInputs(inputs: ChargeInputs, inputField = 'input'): InputError | null {
  return (
    checkText('feature', inputs.feature, INPUT_LIMITS.feature) ??
    checkText('sessionId', inputs.sessionId, INPUT_LIMITS.sessionId) ??
    checkText('assetId', inputs.assetId, INPUT_LIMITS.assetId) ??
    checkText('quoteId', inputs.quoteId, INPUT_LIMITS.quoteId) ??
    checkParameters('parameters', inputs.parameters) ??
    checkText('step', inputs.step, INPUT_LIMITS.step) ??
    (inputs.input === undefined ? null : checkGenerationInput(inputField, inputs.input))
  );
}

/** Every string and structure an operation carries, against `INPUT_LIMITS`. */
export function checkOperationInputs(operation: LedgerOperation): InputError | null {
  const text = (field: string, value: string | null | undefined, max: number) => checkText(field, value, max);
  const common =
    text('idempotencyKey', 'idempotencyKey' in operation ? operation.idempotencyKey : null, MAX_LEDGER_KEY_LENGTH) ??
    ('metadata' in operation ? checkMetadata('metadata', operation.metadata) : null) ??
    ('memberId' in operation ? text('memberId', operation.memberId, INPUT_LIMITS.memberId) : null);
  if (common) return common;
  switch (operation.type) {
    case 'DEBIT':
      return checkChargeInputs(operation);
    case 'HOLD':
      return checkChargeInputs({ ...operation, step: operation.step?.name, input: operation.step?.input }, 'step.input');
    case 'CHANGE_PLAN':
      return text('planId', operation.planId, INPUT_LIMITS.planId);
    default:
      return null;
  }
}

/** What an account keeps a bounded number of: open holds (in all, and per holder), grants, members. */
export type LimitedCollection = 'OPEN_HOLDS' | 'HOLDER_OPEN_HOLDS' | 'GRANTS' | 'MEMBERS';

/** Who a hold counts against: its calling owner, or for a workflow's hold the member it works for. */
function holderOf(hold: Hold): string {
  return hold.owner.type === 'CALLER' ? `caller:${hold.owner.callerId}` : `workflow:${hold.owner.workflow}:${hold.memberId ?? ''}`;
}

/**
 * Refuses an operation that would grow what the account document keeps past its bounds: open
 * holds (in all, and per holder, so that one member cannot take every slot of its pool), grants
 * and members. Like the balance limits, only what the operation grew is judged.
 */
export function checkCollectionLimits(before: AccountState, after: AccountState, settings: LedgerSettings): LedgerError | null {
  const grew = (what: LimitedCollection, was: number, now: number, limit: number): LedgerError | null =>
    now > was && now > limit ? { code: 'LIMIT_REACHED', what, limit } : null;
  const holders = (state: AccountState) => {
    const counts = new Map<string, number>();
    for (const hold of state.holds) counts.set(holderOf(hold), (counts.get(holderOf(hold)) ?? 0) + 1);
    return counts;
  };
  const holdsBefore = holders(before);
  for (const [holder, count] of holders(after)) {
    const limited = grew('HOLDER_OPEN_HOLDS', holdsBefore.get(holder) ?? 0, count, settings.maxOpenHoldsPerHolder);
    if (limited) return limited;
  }
  return (
    grew('OPEN_HOLDS', before.holds.length, after.holds.length, settings.maxOpenHolds) ??
    grew('GRANTS', before.grants.length, after.grants.length, settings.maxGrants) ??
    grew('MEMBERS', before.members.length, after.members.length, settings.maxMembers)
  );
}
