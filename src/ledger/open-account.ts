import type { AccountState, AccountType } from './account-state.js';
import { advanceDraft, unstartedMeter } from './advance.js';
import { beginDraft } from './draft.js';
import type { LedgerEntry } from './entries.js';
import type { LedgerError } from './errors.js';
import { recordOfMeters } from './meters.js';
import type { ClockContext } from './operations.js';
import { findPlan } from './plans.js';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from './time-zone.js';

export type OpenAccountRequest = {
  accountId: string;
  accountType: AccountType;
  planId: string;
  /** Monthly periods renew on this instant's day of month and time of day; default: now. */
  billingAnchor?: Date;
  /** IANA time zone for daily resets and the anchor's local day and time; default UTC. */
  timeZone?: string;
};

export type OpenAccountResult = { ok: true; state: AccountState; entries: LedgerEntry[] } | { ok: false; error: LedgerError };

/** A new account with its first period on every meter (RESET entries granting the allowances). */
export function openAccount(request: OpenAccountRequest, context: Pick<ClockContext, 'now' | 'plans'>): OpenAccountResult {
  const invalid = (field: string, message: string): OpenAccountResult => ({
    ok: false,
    error: { code: 'VALIDATION_ERROR', field, message },
  });
  if (request.accountId.length === 0) return invalid('accountId', 'must not be empty');
  const timeZone = request.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) return invalid('timeZone', `"${timeZone}" is not an IANA time zone`);
  if (!findPlan(context.plans, request.planId)) return { ok: false, error: { code: 'UNKNOWN_PLAN', planId: request.planId } };

  const draft = beginDraft({
    accountId: request.accountId,
    accountType: request.accountType,
    planId: request.planId,
    pendingPlan: null,
    timeZone,
    billingAnchor: request.billingAnchor ?? context.now,
    clock: context.now,
    lastSeq: 0,
    meters: recordOfMeters(() => unstartedMeter(context.now)),
    grants: [],
    holds: [],
    members: [],
  });
  advanceDraft(draft, context.now, context.plans);
  return { ok: true, state: draft.state, entries: draft.entries };
}
