import { Schema, type Connection, type Model } from 'mongoose';
import type { JsonValue, MeterAmounts, MeterBalance, PricingParameters, Quote, ReportFailureOperation } from '../ledger/index.js';

/**
 * One record per generate request, keyed by (accountId, idempotencyKey). It makes `generate`
 * idempotent (a retry of a finished request gets the stored result; the provider does not run
 * again) and keeps what the provider made, so a reused step can return the output of the
 * generation that charged it.
 *
 * RUNNING: an attempt owns the request until `leaseExpiresAt`; after that another attempt may
 * take it over (the owner's process presumably died). SUCCEEDED and FAILED are final. A request
 * the ledger refused (e.g. insufficient credits: nothing was held) is deleted, input and all, so
 * that refused requests cost no storage and a retry with the same key is a new request.
 */
export type GenerationStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export type FailureStage = ReportFailureOperation['stage'];

/** Why a generation failed; the stage decides what it cost (see the feature's failure policy). */
export type GenerationFailure = { stage: FailureStage; reason: string; message: string };

/**
 * What a request asks for, as validated: everything the ledger operations are built from, so an
 * attempt that takes over an abandoned one builds exactly the same operations (and the ledger
 * replays what was done). A key names one request: `requestFingerprint` tells another apart.
 */
export type GenerationRequestRecord = {
  accountId: string;
  idempotencyKey: string;
  requestFingerprint: string;
  memberId: string | null;
  feature: string;
  /** As priced: the quote's when the request named a quote and no parameters. */
  parameters: PricingParameters;
  /** The quote as it was when the request was validated (quotes are deleted a day after expiry). */
  quote: Quote | null;
  sessionId: string | null;
  /** The asset it works on, recorded with its entries (absent on records stored before assets were). */
  assetId?: string | null;
  step: string | null;
  input: JsonValue;
  /** The ledger's step fingerprint, when the request is a step of a session. */
  stepFingerprint: string | null;
};

export type GenerationRecord = GenerationRequestRecord & {
  id: string;
  status: GenerationStatus;
  /** Counts the attempts that claimed the request; an attempt writes only while it is the latest. */
  attempt: number;
  leaseExpiresAt: Date | null;
  holdId: string | null;
  /** Saved as soon as the provider answered, before the hold is settled, so a crash loses nothing. */
  output: JsonValue | null;
  failure: GenerationFailure | null;
  charged: MeterAmounts;
  /** The step had been charged already: nothing was charged, `output` is the charged step's. */
  reused: boolean;
  /** The account's balances right after the generation was settled: what it answered, and what a retry answers. */
  balances: MeterBalance[] | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

/** Who may write: the attempt that claimed the request. */
export type AttemptRef = Pick<GenerationRecord, 'id' | 'attempt'>;

export type ProviderAnswer = { output: JsonValue; failure: null } | { output: null; failure: GenerationFailure };

/** A failure may keep an output: the provider's work when the hold expired before it was committed. */
export type Finish = {
  status: 'SUCCEEDED' | 'FAILED';
  output: JsonValue | null;
  failure: GenerationFailure | null;
  charged: MeterAmounts;
  reused: boolean;
  holdId: string | null;
  balances: MeterBalance[];
};

/** As stored. JSON values are opaque here: mongoose's types recurse without end on JsonValue. */
type GenerationDocument = Omit<GenerationRecord, 'id' | 'input' | 'output'> & { _id: string; input: unknown; output: unknown };

const generationSchema = new Schema<GenerationDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    requestFingerprint: { type: String, required: true },
    memberId: { type: String, default: null },
    feature: { type: String, required: true },
    parameters: { type: Schema.Types.Mixed, default: {} },
    quote: { type: Schema.Types.Mixed, default: null },
    sessionId: { type: String, default: null },
    assetId: { type: String, default: null },
    step: { type: String, default: null },
    input: { type: Schema.Types.Mixed, default: null },
    stepFingerprint: { type: String, default: null },
    status: { type: String, enum: ['RUNNING', 'SUCCEEDED', 'FAILED'], required: true },
    attempt: { type: Number, required: true },
    leaseExpiresAt: { type: Date, default: null },
    holdId: { type: String, default: null },
    output: { type: Schema.Types.Mixed, default: null },
    failure: { type: Schema.Types.Mixed, default: null },
    charged: { type: Schema.Types.Mixed, default: {} },
    reused: { type: Boolean, default: false },
    balances: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
  },
  // JSON values are stored as given: no dropping of empty objects, no fields of mongoose's own.
  { minimize: false, versionKey: false, collection: 'generations' },
);
generationSchema.index({ accountId: 1, idempotencyKey: 1 }, { unique: true });
// A reused step's output: the generation of the hold that charged the step.
generationSchema.index({ accountId: 1, stepFingerprint: 1 });

/** Only this module writes these documents, and it writes JSON values where the record has them. */
function toRecord({ _id, input, output, ...rest }: GenerationDocument): GenerationRecord {
  return { id: _id, input: input as JsonValue, output: output as JsonValue | null, ...rest };
}

export type GenerationStore = Awaited<ReturnType<typeof createGenerationStore>>;

export async function createGenerationStore(options: { connection: Connection; newId?: () => string }) {
  const Generations: Model<GenerationDocument> = options.connection.model<GenerationDocument>('Generation', generationSchema);
  await Generations.init();
  const newId = options.newId ?? (() => crypto.randomUUID());

  /** Applies `update` only while `attempt` still owns the running request; false when it lost it. */
  async function writeAsOwner(attempt: AttemptRef, update: Partial<GenerationDocument>): Promise<boolean> {
    const written = await Generations.updateOne({ _id: attempt.id, attempt: attempt.attempt, status: 'RUNNING' }, { $set: update });
    return written.matchedCount === 1;
  }

  return {
    async get(id: string): Promise<GenerationRecord | null> {
      const found = await Generations.findById(id).lean<GenerationDocument>();
      return found && toRecord(found);
    },

    async find(accountId: string, idempotencyKey: string): Promise<GenerationRecord | null> {
      const found = await Generations.findOne({ accountId, idempotencyKey }).lean<GenerationDocument>();
      return found && toRecord(found);
    },

    /** Records a new request as RUNNING, owned by its first attempt; null when the key is taken. */
    async create(request: GenerationRequestRecord, at: Date, leaseMs: number): Promise<GenerationRecord | null> {
      const document: GenerationDocument = {
        _id: newId(),
        ...request,
        status: 'RUNNING',
        attempt: 1,
        leaseExpiresAt: new Date(at.getTime() + leaseMs),
        holdId: null,
        output: null,
        failure: null,
        charged: {},
        reused: false,
        balances: null,
        createdAt: at,
        updatedAt: at,
        finishedAt: null,
      };
      try {
        await Generations.create(document);
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return null;
        throw error;
      }
      return toRecord(document);
    },

    /**
     * Makes a new attempt the owner of a RUNNING request whose lease ran out,
     * if the record is still as read; null when another caller changed it first.
     */
    async takeOver(record: GenerationRecord, at: Date, leaseMs: number): Promise<GenerationRecord | null> {
      const taken = await Generations.findOneAndUpdate(
        { _id: record.id, attempt: record.attempt, status: record.status },
        { $set: { status: 'RUNNING', leaseExpiresAt: new Date(at.getTime() + leaseMs), updatedAt: at }, $inc: { attempt: 1 } },
        { new: true },
      ).lean<GenerationDocument>();
      return taken && toRecord(taken);
    },

    /** The provider's answer, kept before the hold is settled. */
    saveProviderAnswer(attempt: AttemptRef, holdId: string, answer: ProviderAnswer, at: Date): Promise<boolean> {
      return writeAsOwner(attempt, { holdId, ...answer, updatedAt: at });
    },

    finish(attempt: AttemptRef, result: Finish, at: Date): Promise<boolean> {
      return writeAsOwner(attempt, { ...result, leaseExpiresAt: null, updatedAt: at, finishedAt: at });
    },

    /** Nothing was held: the request is forgotten, so the key is free for a retry. */
    async refuse(attempt: AttemptRef): Promise<boolean> {
      const { deletedCount } = await Generations.deleteOne({ _id: attempt.id, attempt: attempt.attempt });
      return deletedCount === 1;
    },

    /** The output of the generation whose hold charged a step. */
    async stepOutput(accountId: string, stepFingerprint: string, chargedByHoldId: string): Promise<JsonValue | null> {
      // Only a generation that succeeded and was charged for its step: any other output (a failure
      // that kept it, a reuse) was not paid for, and reusing it would hand out work for free.
      const found = await Generations.findOne(
        { accountId, stepFingerprint, status: 'SUCCEEDED', reused: false, holdId: chargedByHoldId },
        { output: 1 },
      ).lean<Pick<GenerationDocument, 'output'>>();
      return (found?.output as JsonValue | undefined) ?? null;
    },
  };
}
