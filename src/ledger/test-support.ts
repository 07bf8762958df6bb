/**
 * Shared by the ledger's tests: an account driven through `applyOperation` that keeps every
 * entry, so tests can check balances, entries and replay together.
 */
import { randomUUID } from 'node:crypto';
import type { AccountState } from './account-state.js';
import { advanceTo } from './advance.js';
import { applyOperation } from './apply-operation.js';
import { meterBalance, type MeterBalance } from './balances.js';
import type { LedgerEntry } from './entries.js';
import type { HoldOwner, HoldSettler } from './holds.js';
import type { IdempotencyRecord } from './idempotency.js';
import type { Meter } from './meters.js';
import { openAccount, type OpenAccountRequest } from './open-account.js';
import type { LedgerContext, LedgerOperation } from './operations.js';
import type { Outcome } from './outcomes.js';
import { DEFAULT_PLAN_CATALOG, type PlanCatalog } from './plans.js';
import { DEFAULT_PRICING_CATALOG } from './pricing.js';
import { DEFAULT_LEDGER_SETTINGS } from './settings.js';

export function contextAt(now: Date | string, overrides: Partial<LedgerContext> = {}): LedgerContext {
  return {
    now: new Date(now),
    plans: DEFAULT_PLAN_CATALOG,
    pricing: DEFAULT_PRICING_CATALOG,
    settings: DEFAULT_LEDGER_SETTINGS,
    newId: () => randomUUID(),
    ...overrides,
  };
}

/** The caller tests act as, unless they say otherwise: it makes holds and settles its own. */
export const TEST_CALLER = 'tester';

type Settling = 'COMMIT' | 'RELEASE' | 'REPORT_FAILURE';
/** A ledger operation whose hold owner or settler may be left out: the test caller's. */
export type TestOperation = LedgerOperation extends infer O
  ? O extends { type: 'HOLD' }
    ? Omit<O, 'owner'> & { owner?: HoldOwner }
    : O extends { type: Settling }
      ? Omit<O, 'settler'> & { settler?: HoldSettler }
      : O
  : never;

export function asTester(operation: TestOperation): LedgerOperation {
  if (operation.type === 'HOLD') return { ...operation, owner: operation.owner ?? { type: 'CALLER', callerId: TEST_CALLER } };
  if (operation.type === 'COMMIT' || operation.type === 'RELEASE' || operation.type === 'REPORT_FAILURE') {
    return { ...operation, settler: operation.settler ?? { type: 'CALLER', callerId: TEST_CALLER, anyCaller: false } };
  }
  return operation;
}

export class TestAccount {
  readonly entries: LedgerEntry[];
  /** The keys operations remembered, as the store keeps them with the entries. */
  readonly keys = new Map<string, IdempotencyRecord>();

  private constructor(
    public state: AccountState,
    entries: LedgerEntry[],
    public now: Date,
    private readonly overrides: Partial<LedgerContext>,
  ) {
    this.entries = entries;
  }

  static open(
    request: Partial<OpenAccountRequest> & { planId: string },
    at: Date | string,
    overrides: Partial<LedgerContext> = {},
  ): TestAccount {
    const now = new Date(at);
    const opened = openAccount(
      { accountId: 'acct-1', accountType: 'USER', ...request },
      { now, plans: overrides.plans ?? DEFAULT_PLAN_CATALOG },
    );
    if (!opened.ok) throw new Error(`openAccount failed: ${JSON.stringify(opened.error)}`);
    return new TestAccount(opened.state, [...opened.entries], now, overrides);
  }

  get context(): LedgerContext {
    return contextAt(this.now, this.overrides);
  }

  get plans(): PlanCatalog {
    return this.context.plans;
  }

  /** Moves the test clock; the account itself advances lazily on its next operation. */
  at(instant: Date | string): this {
    this.now = new Date(instant);
    return this;
  }

  /** Brings the stored account up to the test clock, as any operation would first. */
  advance(): this {
    const advanced = advanceTo(this.state, this.context);
    this.state = advanced.state;
    this.entries.push(...advanced.entries);
    return this;
  }

  apply(operation: TestOperation): Outcome {
    const result = applyOperation(this.state, asTester(operation), this.context, this.keys);
    this.state = result.state;
    this.entries.push(...result.entries);
    for (const record of result.remembered) this.keys.set(record.key, record);
    return result.outcome;
  }

  balance(meter: Meter = 'AI_CREDITS'): MeterBalance {
    return meterBalance(this.state, meter, this.context);
  }

  entriesOfKind(kind: LedgerEntry['kind']): LedgerEntry[] {
    return this.entries.filter((entry) => entry.kind === kind);
  }
}

/** Narrows an outcome in a test, failing it with the error when the operation was refused. */
export function expectOk(outcome: Outcome): Extract<Outcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.error)}`);
  return outcome;
}

export function expectError(outcome: Outcome): Extract<Outcome, { ok: false }>['error'] {
  if (outcome.ok) throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}
