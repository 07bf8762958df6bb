import { createHash } from 'node:crypto';
import {
  canonicalJson,
  checkChargeInputs,
  parametersWithDefaults,
  resolvePrice,
  stepFingerprint,
  type HoldOperation,
  type JsonValue,
  type MeterAmounts,
  type MeterBalance,
  type OperationSuccess,
  type PlanCatalog,
  type PricingCatalog,
  type PricingParameters,
} from '../ledger/index.js';
import { refusalOf as meteringRefusalOf, type Refusal } from '../metering/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { Finish, GenerationRecord, GenerationRequestRecord, GenerationStore, ProviderAnswer } from '../store/generations.js';
import type { FailureStage, GenerationProvider } from './generation-provider.js';

export type GenerateRequest = {
  accountId: string;
  /** Who generates, in an organization pool: attributed on the entries and held to member caps. */
  memberId?: string;
  feature: string;
  /** Names this request: a retry with the same key never generates or charges twice. */
  idempotencyKey: string;
  sessionId?: string;
  /** The asset the generation works on, recorded with its entries. */
  assetId?: string;
  /** A step of the session (needs `sessionId`): regenerating it unchanged charges nothing. */
  step?: string;
  input: JsonValue;
  /** The feature's parameters (e.g. resolution, count); with a quote, the quoted ones by default. */
  parameters?: PricingParameters;
  /** Charge exactly this quote's price. */
  quoteId?: string;
};

export type GenerationSuccess = {
  ok: true;
  generationId: string;
  output: JsonValue;
  /** Per meter; empty when nothing was charged. */
  charged: MeterAmounts;
  /** An unchanged step regenerated: nothing charged, and `output` is what the charged step made. */
  reused: boolean;
  /** The stored result of an earlier call with this key. */
  replayed: boolean;
  /** The account's balances as of this answer. */
  balances: MeterBalance[];
};

/**
 * Why `generate` answered no result: refused before anything was held (a refusal of the ledger,
 * running out of credits with its upgrade hint), failed, or still running under this key.
 */
export type GenerationError =
  | Refusal
  /** `charged` is what the failure cost per meter (empty: nothing). */
  | {
      code: 'GENERATION_FAILED';
      generationId: string;
      stage: FailureStage;
      reason: string;
      message: string;
      charged: MeterAmounts;
      /** The account charged, and its balances after the failure. */
      accountId: string;
      balances: MeterBalance[];
    }
  /** Another call with this key is generating; retry shortly for its result. */
  | { code: 'GENERATION_IN_PROGRESS'; generationId: string; idempotencyKey: string };

export type GenerateResult = GenerationSuccess | { ok: false; error: GenerationError };

export type GenerationServiceOptions = {
  store: LedgerStore;
  generations: GenerationStore;
  provider: GenerationProvider;
  plans: PlanCatalog;
  pricing: PricingCatalog;
};

export type GenerationService = ReturnType<typeof createGenerationService>;

/**
 * A step is its session, name and input to the ledger; the feature and its parameters decide the
 * result too, so they are part of the step's input: the same prompt at another resolution is a
 * changed step. So is the member of a pool it is generated for: members keep their work apart, and
 * one member who names another's session, step and input gets neither its output nor its charge.
 */
export function generationStepInput(request: { feature: string; parameters: PricingParameters; input: JsonValue; memberId?: string | null }): JsonValue {
  return { feature: request.feature, parameters: request.parameters, input: request.input, member: request.memberId ?? null };
}

/**
 * `generate`: validate → record the request (its idempotency) → HOLD → provider → COMMIT, or
 * REPORT_FAILURE with the provider's stage → record the result → answer with the balances.
 *
 * A retry of a finished request gets the stored result; the provider does not run again. While
 * an attempt runs, a retry is answered GENERATION_IN_PROGRESS (no waiting: the client retries).
 * A refused request (e.g. insufficient credits) held nothing, so its key stays free for a retry.
 *
 * Every ledger operation's key is derived from the request's (`gen:<key>:hold`, `:commit`,
 * `:failure`), so each applies at most once per request however attempts interleave; and the
 * provider's answer is saved before the hold is settled. An attempt owns its request for a lease
 * of a hold's time-to-live plus `GENERATION_LEASE_MARGIN_MS`; once that ran out (its process
 * died), a retry takes over and rebuilds the same operations from the record, which the ledger
 * replays. The margin is what keeps a live attempt from being taken for a dead one: the lease
 * starts when the request is claimed, the hold (and its time-to-live) a write later, and the
 * provider runs until the hold expires; so a lease of the bare time-to-live would end while the
 * provider may still answer, and a retry would declare the live attempt INTERRUPTED and release
 * its hold. With the margin, an attempt whose provider answers as late as allowed still has the
 * margin, less the time its hold took, to save the answer and settle. After a crash:
 *
 * - after the HOLD, before the provider answered: the hold expires and its credits go back. The
 *   retry replays the HOLD, finds no saved answer, does not run the provider again and records
 *   a failure before work (reason INTERRUPTED): nothing charged. A new key generates anew.
 * - after the provider answered, before the COMMIT: the retry settles as the saved answer says.
 *   By then the hold has expired (nothing charged), so the request fails with HOLD_EXPIRED and
 *   the output stays on the record; a failure is reported, and charges nothing more.
 * - after the COMMIT, before the result was recorded: the retry's COMMIT replays the charge and
 *   records the result: the user is charged once and gets the output.
 */
export function createGenerationService(options: GenerationServiceOptions) {
  const { store, generations, provider, plans, pricing } = options;
  const leaseMs = store.settings.holdTtlMs + GENERATION_LEASE_MARGIN_MS;

  /** For a record settled before generations recorded their balances: as they are now. */
  async function balancesOf(accountId: string): Promise<MeterBalance[]> {
    const [state] = await store.loadAccounts([accountId]);
    return state ? store.balances(state) : [];
  }

  /** What a recorded request answers to a call that does not own it. */
  async function answer(record: GenerationRecord, replayed: boolean): Promise<GenerateResult> {
    if (record.status === 'SUCCEEDED') {
      const { id: generationId, output, charged, reused, accountId } = record;
      return { ok: true, generationId, output, charged, reused, replayed, balances: record.balances ?? (await balancesOf(accountId)) };
    }
    if (record.status === 'FAILED' && record.failure) {
      const balances = record.balances ?? (await balancesOf(record.accountId));
      return { ok: false, error: { code: 'GENERATION_FAILED', generationId: record.id, ...record.failure, charged: record.charged, accountId: record.accountId, balances } };
    }
    // RUNNING: another attempt owns it.
    return { ok: false, error: { code: 'GENERATION_IN_PROGRESS', generationId: record.id, idempotencyKey: record.idempotencyKey } };
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    if (request.idempotencyKey.length === 0) return refusal({ code: 'VALIDATION_ERROR', field: 'idempotencyKey', message: 'must not be empty' });
    if (request.step !== undefined && request.sessionId === undefined) {
      return refusal({ code: 'VALIDATION_ERROR', field: 'sessionId', message: 'is required for a step' });
    }
    // Bounded before anything is stored: the request is recorded (input and all) before it is held.
    const oversized = checkChargeInputs(request);
    if (oversized) return refusal(oversized);
    const requestFingerprint = fingerprintOf(request);
    for (;;) {
      const now = store.now();
      const existing = await generations.find(request.accountId, request.idempotencyKey);
      if (existing && existing.requestFingerprint !== requestFingerprint) {
        return refusal({ code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: request.idempotencyKey });
      }
      if (existing?.status === 'RUNNING' && existing.leaseExpiresAt !== null && existing.leaseExpiresAt.getTime() <= now.getTime()) {
        // Abandoned: resume it as it was validated, so its ledger operations replay.
        const taken = await generations.takeOver(existing, now, leaseMs);
        if (taken) return run(taken);
        continue;
      }
      if (existing) return answer(existing, true);
      const validated = await validate(request, requestFingerprint, now);
      if (!validated.ok) return validated;
      const claimed = await generations.create(validated.value, now, leaseMs);
      if (claimed) return run(claimed);
      // Another call with this key got there first: answer as it says.
    }
  }

  async function validate(request: GenerateRequest, requestFingerprint: string, now: Date): Promise<ValidationResult> {
    const quote = request.quoteId === undefined ? null : await store.findQuote(request.accountId, request.quoteId);
    if (request.quoteId !== undefined && !quote) return refusal({ code: 'QUOTE_NOT_FOUND', quoteId: request.quoteId });
    const price = resolvePrice({ ...request, quote: quote ?? undefined }, pricing, now);
    // Pricing refuses only with UNKNOWN_FEATURE, INVALID_PARAMETER and the quote's errors.
    if (!price.ok) return refusal(price.error as GenerationError);
    // Spelled out in full, so that a step regenerated with its defaults written out is the same step.
    const parameters = parametersWithDefaults(pricing, request.feature, request.parameters ?? quote?.parameters ?? {});
    const step = request.step ?? null;
    const sessionId = request.sessionId ?? null;
    return {
      ok: true,
      value: {
        accountId: request.accountId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint,
        memberId: request.memberId ?? null,
        feature: request.feature,
        parameters,
        quote,
        sessionId,
        assetId: request.assetId ?? null,
        step,
        input: request.input,
        stepFingerprint:
          step !== null && sessionId !== null ? stepFingerprint(sessionId, step, generationStepInput({ ...request, parameters })) : null,
      },
    };
  }

  /** Carries one attempt through, as the owner of `record`. */
  async function run(record: GenerationRecord): Promise<GenerateResult> {
    const held = await store.execute(record.accountId, holdOperation(record));
    if (!held.ok) {
      await generations.refuse(record);
      return refusal(await refusalOf(record, held.error));
    }
    if (held.type === 'STEP_REUSED') return reuse(record, held, held.balances, null, null);
    if (held.type !== 'HELD') throw new Error(`HOLD answered ${held.type}`);

    let provided = savedAnswer(record);
    if (!provided) {
      // The HOLD replayed for a request taken over: an earlier attempt held, then died without
      // saving the provider's answer. (The first attempt's own HOLD can replay too, when the
      // store re-ran a write whose answer it lost: that attempt is alive and asks the provider.)
      if (held.replayed && record.attempt > 1) provided = interrupted();
      else {
        provided = await ask(record, held.expiresAt);
        if (!(await generations.saveProviderAnswer(record, held.holdId, provided, store.now()))) return lost(record);
      }
    }

    if (provided.failure) {
      const reported = await store.execute(record.accountId, {
        type: 'REPORT_FAILURE',
        idempotencyKey: ledgerKey(record, 'failure'),
        holdId: held.holdId,
        settler: GENERATE_WORKFLOW,
        stage: provided.failure.stage,
        metadata: metadataOf(record),
      });
      // Not found: the hold had expired and its credits went back; the failure costs nothing more.
      const charged = reported.ok && reported.type === 'HOLD_SETTLED' ? reported.committed : {};
      const balances = reported.ok ? reported.balances : await balancesOf(record.accountId);
      return finish(record, { status: 'FAILED', output: null, failure: provided.failure, charged, reused: false, holdId: held.holdId, balances });
    }
    const commit = { type: 'COMMIT' as const, idempotencyKey: ledgerKey(record, 'commit'), holdId: held.holdId, settler: GENERATE_WORKFLOW, metadata: metadataOf(record) };
    const committed = await store.execute(record.accountId, commit);
    if (!committed.ok) {
      // Usually HOLD_NOT_FOUND: the hold expired before the provider answered, and its credits went back.
      const expired = committed.error.code === 'HOLD_NOT_FOUND';
      // Any other refusal leaves the hold: give it back now rather than at its expiry.
      const released = expired ? null : await store.execute(record.accountId, { ...commit, type: 'RELEASE', idempotencyKey: ledgerKey(record, 'release') });
      const failure = {
        stage: 'AFTER_PROVIDER_WORK' as const,
        reason: expired ? 'HOLD_EXPIRED' : committed.error.code,
        message: `${expired ? 'The hold expired before the work was committed' : 'The charge was refused'}; the output is kept.`,
      };
      const balances = released?.ok ? released.balances : await balancesOf(record.accountId);
      return finish(record, { status: 'FAILED', output: provided.output, failure, charged: {}, reused: false, holdId: held.holdId, balances });
    }
    if (committed.type === 'STEP_REUSED') return reuse(record, committed, committed.balances, provided.output, held.holdId);
    if (committed.type !== 'HOLD_SETTLED') throw new Error(`COMMIT answered ${committed.type}`);
    const { committed: charged, balances } = committed;
    return finish(record, { status: 'SUCCEEDED', output: provided.output, failure: null, charged, reused: false, holdId: held.holdId, balances });
  }

  /**
   * The step was charged already: nothing is charged now, and the answer is what the generation
   * that charged it made. Until that generation has recorded its output there is none here: it
   * is made now, free, since the user paid for it (`own` when this attempt made one).
   */
  async function reuse(
    record: GenerationRecord,
    reused: Extract<OperationSuccess, { type: 'STEP_REUSED' }>,
    balances: MeterBalance[],
    own: JsonValue | null,
    holdId: string | null,
  ): Promise<GenerateResult> {
    const output = (await generations.stepOutput(record.accountId, reused.fingerprint, reused.chargedByHoldId)) ?? own;
    const provided: ProviderAnswer = output === null ? await ask(record, null) : { output, failure: null };
    return finish(record, { status: provided.failure ? 'FAILED' : 'SUCCEEDED', ...provided, charged: {}, reused: true, holdId, balances });
  }

  async function finish(record: GenerationRecord, result: Finish): Promise<GenerateResult> {
    if (!(await generations.finish(record, result, store.now()))) return lost(record);
    return answer({ ...record, ...result }, false);
  }

  /** Another attempt took the request over (this one outlived its lease): answer as the record says. */
  async function lost(record: GenerationRecord): Promise<GenerateResult> {
    const current = await generations.get(record.id);
    // The attempt that took it over was refused, and forgot the request: the key is free again.
    if (!current) return { ok: false, error: { code: 'GENERATION_IN_PROGRESS', generationId: record.id, idempotencyKey: record.idempotencyKey } };
    return answer(current, false);
  }

  /**
   * Runs the provider until the hold expires (without a hold, for as long as a hold would last),
   * and waits no longer even for a provider that ignores its signal: the lease outlasts this by
   * its margin. A rejection is no proof of work: it charges nothing.
   */
  async function ask(record: GenerationRecord, holdExpiresAt: Date | null): Promise<ProviderAnswer> {
    const timeoutMs = holdExpiresAt === null ? store.settings.holdTtlMs : Math.max(0, holdExpiresAt.getTime() - store.now().getTime());
    const { accountId, feature, parameters, input, sessionId, step } = record;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const result = await untilAborted(provider.run({ accountId, feature, parameters, input, sessionId, step }, signal), signal);
      if (result.ok) return { output: result.output, failure: null };
      const { stage, reason, message } = result;
      return { output: null, failure: { stage, reason, message } };
    } catch (error) {
      return { output: null, failure: { stage: 'BEFORE_WORK', reason: 'PROVIDER_ERROR', message: (error as Error).message } };
    }
  }

  /** A refused hold: a hold is never refused for what only settling one can meet. */
  async function refusalOf(record: GenerationRecord, error: Parameters<typeof meteringRefusalOf>[2]): Promise<GenerationError> {
    if (error.code === 'HOLD_NOT_FOUND' || error.code === 'COMMIT_EXCEEDS_HOLD' || error.code === 'UNKNOWN_PLAN' || error.code === 'PLAN_OF_ANOTHER_PRODUCT') {
      throw new Error(`a HOLD was refused with ${error.code}`);
    }
    return meteringRefusalOf({ store, plans }, record.accountId, error);
  }

  return {
    generate,
    /** Whether a request with this key is recorded: it ran, or runs, so a call with the key answers it rather than starting anew. */
    hasRequest: async (accountId: string, idempotencyKey: string) => (await generations.find(accountId, idempotencyKey)) !== null,
  };
}

/**
 * How much longer than a hold's time-to-live an attempt owns its request: time to save the
 * provider's answer and settle the hold after the provider answered as late as it may, plus the
 * time the hold took to apply after the request was claimed. A few writes: a minute is ample.
 */
export const GENERATION_LEASE_MARGIN_MS = 60_000;

type ValidationResult = { ok: true; value: GenerationRequestRecord } | { ok: false; error: GenerationError };

/** `work`, or a rejection with the signal's reason as soon as it aborts, whether or not `work` heeds it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function refusal(error: GenerationError): { ok: false; error: GenerationError } {
  return { ok: false, error };
}

/** Everything the caller asked for, as given: another request under the same key is told apart. */
function fingerprintOf(request: GenerateRequest): string {
  const { memberId, feature, sessionId, assetId, step, input, parameters, quoteId } = request;
  return createHash('sha256').update(canonicalJson({ memberId, feature, sessionId, assetId, step, input, parameters, quoteId })).digest('hex');
}

/** `generate`'s holds are its own: no caller can settle them through the metering API. */
const GENERATE_WORKFLOW = { type: 'WORKFLOW', workflow: 'generate' } as const;

function ledgerKey(record: GenerationRecord, action: 'hold' | 'commit' | 'release' | 'failure'): string {
  return `gen:${record.idempotencyKey}:${action}`;
}

/** Links the entries to the generation. */
function metadataOf(record: GenerationRecord) {
  return { generationId: record.id };
}

/** Built from the record alone, so an attempt that takes over builds the very same operation. */
function holdOperation(record: GenerationRecord): HoldOperation {
  const { feature, parameters, quote, sessionId, assetId, step, input } = record;
  return {
    type: 'HOLD',
    idempotencyKey: ledgerKey(record, 'hold'),
    owner: GENERATE_WORKFLOW,
    feature,
    ...(quote ? { quoteId: quote.id } : { parameters }),
    memberId: record.memberId ?? undefined,
    sessionId: sessionId ?? undefined,
    assetId: assetId ?? undefined,
    step: step === null ? undefined : { name: step, input: generationStepInput({ feature, parameters, input, memberId: record.memberId }) },
    metadata: metadataOf(record),
  };
}

function savedAnswer(record: GenerationRecord): ProviderAnswer | null {
  if (record.failure) return { output: null, failure: record.failure };
  return record.output === null ? null : { output: record.output, failure: null };
}

function interrupted(): ProviderAnswer {
  const message = 'The generation was interrupted before the provider answered; nothing was charged.';
  return { output: null, failure: { stage: 'BEFORE_WORK', reason: 'INTERRUPTED', message } };
}
