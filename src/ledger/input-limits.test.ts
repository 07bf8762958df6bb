import { describe, expect, it } from 'vitest';
import { applyOperation } from './apply-operation.js';
import { requestFingerprint } from './idempotency.js';
import { INPUT_LIMITS } from './input-limits.js';
import { parseLedgerSettings } from './settings.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

const T0 = '2026-03-10T12:00:00Z';
const settings = parseLedgerSettings({ holdTtlMs: 60_000, quoteTtlMs: 60_000, maxOpenHoldsPerHolder: 2, maxOpenHolds: 3 });
const by = (callerId: string) => ({ type: 'CALLER', callerId }) as const;

describe('input limits', () => {
  it('refuse an oversized string or metadata before anything changes', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const before = account.state;
    const hold = { type: 'HOLD', idempotencyKey: 'h', feature: 'brand.analyze' } as const;
    expect(expectError(account.apply({ ...hold, sessionId: 's'.repeat(INPUT_LIMITS.sessionId + 1) }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'sessionId' });
    expect(expectError(account.apply({ ...hold, metadata: { 'a.b': 1 } }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'metadata' });
    expect(expectError(account.apply({ ...hold, metadata: { note: 'n'.repeat(INPUT_LIMITS.metadataText + 1) } }))).toMatchObject({ field: 'metadata.note' });
    expect(expectError(account.apply({ ...hold, step: { name: 'script', input: 'x'.repeat(INPUT_LIMITS.generationInputBytes) }, sessionId: 's' }))).toMatchObject({ field: 'step.input' });
    expect(account.state.holds).toEqual(before.holds);
    expect(account.keys.size).toBe(0);
  });
});

describe('collection limits', () => {
  it('bound open holds per holder and in all, and free a slot when a hold is settled', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0, { settings });
    const hold = (key: string, callerId: string) => account.apply({ type: 'HOLD', idempotencyKey: key, owner: by(callerId), feature: 'topic.generate' });
    const first = expectOk(hold('a1', 'ana'));
    expectOk(hold('a2', 'ana'));
    expect(expectError(hold('a3', 'ana'))).toEqual({ code: 'LIMIT_REACHED', what: 'HOLDER_OPEN_HOLDS', limit: 2 });
    expectOk(hold('b1', 'bo'));
    expect(expectError(hold('c1', 'cy'))).toEqual({ code: 'LIMIT_REACHED', what: 'OPEN_HOLDS', limit: 3 });
    if (first.type !== 'HELD') throw new Error('expected a hold');
    expectOk(account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId: first.holdId, settler: { type: 'CALLER', callerId: 'ana', anyCaller: false } }));
    expectOk(hold('a3', 'ana'));
  });
});

describe('limits and keys', () => {
  it('judge the key first: a request remembered before the limits were stricter replays', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const loose = { type: 'DEBIT', idempotencyKey: 'old', feature: 'brand.analyze', metadata: { 'dotted.key': 1 } } as const;
    const remembered = { key: 'old', fingerprint: requestFingerprint(loose), outcome: { type: 'DEBITED', charged: { AI_CREDITS: 5 }, quoteId: null } } as const;
    const result = applyOperation(account.state, loose, account.context, new Map([['old', remembered]]));
    expect(result.outcome).toMatchObject({ ok: true, replayed: true, type: 'DEBITED' });
    expect(expectError(account.apply({ ...loose, idempotencyKey: 'new' }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'metadata' });
  });

  it('count what the account keeps afterwards: lifting the cap of a member it does not know takes no room', () => {
    const full = parseLedgerSettings({ holdTtlMs: 60_000, quoteTtlMs: 60_000, maxMembers: 1 });
    const account = TestAccount.open({ planId: 'reelbot.pro', accountType: 'ORGANIZATION' }, T0, { settings: full });
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'a', memberId: 'ana', meter: 'AI_CREDITS', cap: 10 }));
    expect(expectError(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'b', memberId: 'bo', meter: 'AI_CREDITS', cap: 10 }))).toMatchObject({ code: 'LIMIT_REACHED', what: 'MEMBERS' });
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'c', memberId: 'bo', meter: 'AI_CREDITS', cap: null }));
  });
});
