import type { LedgerError, PlanCatalog } from '../ledger/index.js';
import type { AccountNotFound, LedgerStore } from '../store/ledger-store.js';
import { upgradeHint, type UpgradeHint } from './upgrade-hint.js';

type InsufficientCredits = Extract<LedgerError, { code: 'INSUFFICIENT_CREDITS' }>;

/**
 * An expected refusal of a service (metering or generation), as the API answers it: the ledger's
 * refusal, or no such account; running out of credits comes with the plan to upgrade to, if any
 * (`refusalOf` looks it up; null: no plan has more).
 */
export type Refusal = Exclude<LedgerError, InsufficientCredits> | AccountNotFound | (InsufficientCredits & { readonly upgrade?: UpgradeHint | null });

/**
 * The refusal of a write on `accountId`, with the upgrade hint of the account's plan when it ran
 * ran out of its period's credits (`hint: false` for a write that no upgrade would help, e.g. removing credits).
 */
export async function refusalOf(
  dependencies: { store: LedgerStore; plans: PlanCatalog },
  accountId: string,
  error: LedgerError | AccountNotFound,
  { hint = true } = {},
): Promise<Refusal> {
  if (error.code !== 'INSUFFICIENT_CREDITS') return error;
  // A daily limit is the account's own bound inside its allowance: a plan with more credits need not lift it.
  if (!hint || error.limit === 'DAILY') return { ...error, upgrade: null };
  const [state] = await dependencies.store.loadAccounts([accountId]);
  return { ...error, upgrade: state ? upgradeHint(dependencies.plans, state.planId, error.meter) : null };
}
