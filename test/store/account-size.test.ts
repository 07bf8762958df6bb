import { calculateObjectSize } from 'bson';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEDGER_SETTINGS,
  INPUT_LIMITS,
  applyOperation,
  openAccount,
  type AccountState,
  type LedgerEntry,
  type LedgerOperation,
  type Outcome,
} from '../../src/ledger/index.js';
import { contextAt } from '../../src/ledger/test-support.js';
import { withDurableKeys } from '../../src/store/entry-copies.js';
import { MAX_ACCOUNT_DOCUMENT_BYTES, type AccountDocument } from '../../src/store/models.js';
import type { NewOperation } from '../graphql/ledger-fixture.js';

const T0 = new Date('2026-03-10T12:00:00Z');
const text = (prefix: string, length: number) => prefix.padEnd(length, 'x');
// As long as the API lets a key get: a client's key of 200 characters scoped by a caller of 200.
const ledgerKey = (n: number) => text(`api:${n}:`, 440);
/** The largest metadata a request may carry: 2 KiB of JSON in keys of 64 characters. */
const metadata = Object.fromEntries(Array.from({ length: 3 }, (_, index) => [text(`k${index}`, INPUT_LIMITS.metadataKeyName), text('v', INPUT_LIMITS.metadataText)]));

function apply(state: AccountState, operation: LedgerOperation, at: Date): { state: AccountState; entries: LedgerEntry[]; outcome: Outcome } {
  const result = applyOperation(state, operation, contextAt(at));
  return { state: result.state, entries: withDurableKeys(result.entries, result.remembered), outcome: result.outcome };
}

describe('the account document', () => {
  it(`stays under ${MAX_ACCOUNT_DOCUMENT_BYTES} bytes when every caller sends the most it may, as long as it may`, () => {
    const settings = DEFAULT_LEDGER_SETTINGS;
    const opened = openAccount({ accountId: text('org:', 204), accountType: 'ORGANIZATION', planId: 'reelbot.enterprise' }, { now: T0, plans: contextAt(T0).plans });
    if (!opened.ok) throw new Error('open failed');
    let state = opened.state;
    let keys = 0;
    const refusals = new Map<string, number>();
    const send = (operation: NewOperation, at = T0) => {
      const result = apply(state, { ...operation, idempotencyKey: ledgerKey((keys += 1)) } as LedgerOperation, at);
      if (!result.outcome.ok) refusals.set(result.outcome.error.code, (refusals.get(result.outcome.error.code) ?? 0) + 1);
      state = result.state;
      return result;
    };
    const member = (index: number) => text(`m${index}-`, INPUT_LIMITS.memberId);
    const holders = Math.ceil(settings.maxOpenHolds / settings.maxOpenHoldsPerHolder) + 1;

    // Holds from more holders than the account has room for, each for its own member and as long-lived as allowed.
    for (let holder = 0; holder < holders; holder += 1) {
      for (let index = 0; index <= settings.maxOpenHoldsPerHolder; index += 1) {
        send({
          type: 'HOLD',
          owner: { type: 'CALLER', callerId: text(`caller-${holder}`, INPUT_LIMITS.memberId + 8) },
          feature: 'brand.analyze',
          memberId: member(holder * 1_000 + index),
          sessionId: text('s', INPUT_LIMITS.sessionId),
          assetId: text('a', INPUT_LIMITS.assetId),
          metadata,
          ttlMs: 80 * 86_400_000,
        });
      }
    }
    // More members with caps and more grants than the account keeps.
    for (let index = 0; index <= settings.maxMembers; index += 1) {
      send({ type: 'SET_MEMBER_CAP', memberId: member(index), meter: 'AI_CREDITS', cap: 1_000_000 });
    }
    for (let index = 0; index <= settings.maxGrants; index += 1) {
      send({ type: 'GRANT', meter: 'VIDEO_GENERATIONS', amount: 1, kind: 'TOP_UP', memberId: member(index), metadata, expiresAt: new Date(T0.getTime() + (index + 1) * 86_400_000) });
    }
    expect([...refusals.keys()]).toEqual(['LIMIT_REACHED']);
    expect(state.holds).toHaveLength(settings.maxOpenHolds);
    expect(state.members).toHaveLength(settings.maxMembers);
    expect(state.grants.length).toBeLessThanOrEqual(settings.maxGrants + 2);
    expect(refusals.get('LIMIT_REACHED')).toBeGreaterThan(0);

    // The heaviest writes: a full batch of debits with the largest metadata, on the full account,
    // and again once every hold's time is up (so the clock releases them all in the same write).
    const documentAfterBatch = (at: Date) => {
      const pendingEntries: LedgerEntry[] = [];
      for (let index = 0; index < 256; index += 1) {
        pendingEntries.push(...send({ type: 'DEBIT', feature: 'brand.analyze', memberId: member(index), sessionId: text('s', INPUT_LIMITS.sessionId), metadata }, at).entries);
      }
      const document: AccountDocument = { _id: state.accountId, version: 1, state, pendingEntries: pendingEntries as AccountDocument['pendingEntries'], createdAt: T0, updatedAt: at };
      return calculateObjectSize(document);
    };
    const sizes = [documentAfterBatch(T0), documentAfterBatch(new Date(T0.getTime() + 81 * 86_400_000))];
    for (const bytes of sizes) expect(bytes).toBeLessThanOrEqual(MAX_ACCOUNT_DOCUMENT_BYTES);
  }, 180_000);
});
