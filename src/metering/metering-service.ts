import type {
  ChangePlanOperation,
  CommitOperation,
  DebitOperation,
  GrantOperation,
  HoldOperation,
  LedgerOperation,
  MeterBalance,
  OperationSuccess,
  PlanCatalog,
  Price,
  PricingCatalog,
  PricingParameters,
  Quote,
  QuoteRequest,
  ReleaseOperation,
  RemoveCreditPolicyOperation,
  RemoveCreditsOperation,
  SetCreditPolicyOperation,
  SetMemberCapOperation,
} from '../ledger/index.js';
import { priceFeature } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { remembersKey } from '../store/remembered-keys.js';
import { refusalOf, type Refusal } from './refusals.js';

/** What a write did, with the balances right after it (for a replay, those the first request answered). */
export type Written<Type extends OperationSuccess['type']> = Extract<OperationSuccess, { type: Type }> & {
  readonly ok: true;
  readonly replayed: boolean;
  readonly balances: MeterBalance[];
};

export type MeteringResult<T> = T | { readonly ok: false; readonly error: Refusal };

type Request<Operation extends LedgerOperation> = Omit<Operation, 'type'>;

export type MeteringServiceOptions = { store: LedgerStore; plans: PlanCatalog; pricing: PricingCatalog };

export type MeteringService = ReturnType<typeof createMeteringService>;

/**
 * The metering and administration writes behind the API, on accounts the caller was already
 * authorized for: each runs one ledger operation and answers what it did, or the typed refusal
 * (with an upgrade hint when credits ran out). Inputs come parsed and bounded; the ledger checks
 * them again.
 */
export function createMeteringService({ store, plans, pricing }: MeteringServiceOptions) {
  /** Runs `operation` on `accountId` and answers its outcome, which must be of type `type`. */
  async function write<Type extends OperationSuccess['type']>(
    accountId: string,
    operation: LedgerOperation,
    type: Type,
    options?: { hint: boolean },
  ): Promise<MeteringResult<Written<Type>>> {
    const outcome = await store.execute(accountId, operation);
    if (!outcome.ok) return { ok: false, error: await refusalOf({ store, plans }, accountId, outcome.error, options) };
    if (outcome.type !== type) throw new Error(`${operation.type} answered ${outcome.type}`);
    return outcome as Written<Type>;
  }

  return {
    /** Credits consumed at once, for work done. */
    consumeCredits: (accountId: string, request: Request<DebitOperation>) => write(accountId, { type: 'DEBIT', ...request } as DebitOperation, 'DEBITED'),

    /** Credits set aside before slow work. */
    reserveCredits: (accountId: string, request: Request<HoldOperation>) => write(accountId, { type: 'HOLD', ...request } as HoldOperation, 'HELD'),

    commitReservation: (accountId: string, request: Request<CommitOperation>) => write(accountId, { type: 'COMMIT', ...request }, 'HOLD_SETTLED'),

    releaseReservation: (accountId: string, request: Request<ReleaseOperation>) => write(accountId, { type: 'RELEASE', ...request }, 'HOLD_SETTLED'),

    grantCredits: (accountId: string, request: Request<GrantOperation>) => write(accountId, { type: 'GRANT', ...request }, 'GRANTED'),

    /** Credits taken away (a refunded top-up, a correction): no upgrade would help a refusal. */
    removeCredits: (accountId: string, request: Request<RemoveCreditsOperation>) =>
      write(accountId, { type: 'REMOVE_CREDITS', ...request }, 'CREDITS_REMOVED', { hint: false }),

    changePlan: (accountId: string, request: Request<ChangePlanOperation>) => write(accountId, { type: 'CHANGE_PLAN', ...request }, 'PLAN_CHANGED'),

    setMemberCap: (accountId: string, request: Request<SetMemberCapOperation>) => write(accountId, { type: 'SET_MEMBER_CAP', ...request }, 'MEMBER_CAP_SET'),

    /** An account's own terms on a meter over its plan's (custom enterprise terms), now or at the meter's next reset. */
    setCreditPolicy: (accountId: string, request: Request<SetCreditPolicyOperation>) =>
      write(accountId, { type: 'SET_CREDIT_POLICY', ...request }, 'CREDIT_POLICY_CHANGED', { hint: false }),

    removeCreditPolicy: (accountId: string, request: Request<RemoveCreditPolicyOperation>) =>
      write(accountId, { type: 'REMOVE_CREDIT_POLICY', ...request }, 'CREDIT_POLICY_CHANGED', { hint: false }),

    /** Whether a write with this idempotency key applied on the account, so that the key replays. */
    remembersKey: (accountId: string, idempotencyKey: string) => remembersKey(store.models, accountId, idempotencyKey),

    /** The catalog price of one use of a feature, locked for nobody. */
    price(feature: string, parameters: PricingParameters): MeteringResult<{ readonly ok: true; readonly price: Price }> {
      const priced = priceFeature(pricing, feature, parameters);
      return priced.ok ? { ok: true, price: priced.value } : { ok: false, error: priced.error };
    },

    /** Locks the price of one use of a feature for the account, which must exist. */
    async createQuote(request: QuoteRequest): Promise<MeteringResult<{ readonly ok: true; readonly quote: Quote }>> {
      const [state] = await store.loadAccounts([request.accountId]);
      if (!state) return { ok: false, error: { code: 'ACCOUNT_NOT_FOUND', accountId: request.accountId } };
      const quote = await store.createQuote(request);
      return quote.ok ? { ok: true, quote: quote.value } : { ok: false, error: quote.error };
    },
  };
}
