import { describe, expect, it } from 'vitest';
import { applyOperation } from './apply-operation.js';
import type { DebitOperation } from './operations.js';
import { stepFingerprint } from './regeneration.js';
import { expectError, expectOk, TestAccount, type TestOperation } from './test-support.js';

const T0 = '2025-03-01T00:00:00Z';
const analyze: DebitOperation = { type: 'DEBIT', idempotencyKey: 'k1', feature: 'brand.analyze', memberId: 'u1' };

describe('idempotency keys', () => {
  it('make a repeat return the first outcome and change nothing', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const first = expectOk(account.apply(analyze));
    const state = account.state;
    const entryCount = account.entries.length;
    account.at('2025-03-01T00:05:00Z');
    expect(account.apply(analyze)).toEqual({ ...first, replayed: true });
    expect(account.state).toBe(state);
    expect(account.entries).toHaveLength(entryCount);
    expect(account.balance().used).toBe(5);
  });

  it('refuse a key reused with different parameters', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expectOk(account.apply(analyze));
    expect(expectError(account.apply({ ...analyze, memberId: 'u2' }))).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: 'k1' });
    expect(expectError(account.apply({ ...analyze, feature: 'topic.generate' })).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('are not spent by a refused attempt, so a retry can succeed', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'drain', meter: 'AI_CREDITS', amount: 48 }));
    expect(expectError(account.apply(analyze)).code).toBe('INSUFFICIENT_CREDITS');
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' }));
    expect(expectOk(account.apply(analyze)).replayed).toBe(false);
  });

  it('cover holds, commits, releases, grants and plan changes', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    let holdId = '';
    const operations: (() => TestOperation)[] = [
      () => ({ type: 'GRANT', idempotencyKey: 'g', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' }),
      () => ({ type: 'HOLD', idempotencyKey: 'h', feature: 'brand.analyze' }),
      () => ({ type: 'COMMIT', idempotencyKey: 'c', holdId }),
      () => ({ type: 'HOLD', idempotencyKey: 'h2', feature: 'brand.analyze' }),
      () => ({ type: 'RELEASE', idempotencyKey: 'r', holdId }),
      () => ({ type: 'CHANGE_PLAN', idempotencyKey: 'p', planId: 'rheos.pro' }),
    ];
    for (const build of operations) {
      const operation = build();
      const first = expectOk(account.apply(operation));
      if (first.type === 'HELD') holdId = first.holdId;
      const state = account.state;
      expect(account.apply(operation)).toEqual({ ...first, replayed: true });
      expect(account.state).toBe(state);
    }
    expect(account.balance()).toMatchObject({ used: 5, available: 1_005 });
  });

  it('are not kept in the account, whatever its history: each is handed back by the store, with the first answer', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const opened = JSON.stringify(account.state).length;
    for (let key = 0; key < 200; key++) expectOk(account.apply({ ...analyze, idempotencyKey: `k${key}` }));
    // The account grows by its counters' digits, never by the number of keys it has seen.
    expect(JSON.stringify(account.state).length - opened).toBeLessThan(100);
    expect(account.keys.size).toBe(200);
    const first = account.keys.get('k0')!;
    const replay = applyOperation(account.state, { ...analyze, idempotencyKey: 'k0' }, account.at('2026-03-01T00:00:00Z').context, account.keys);
    expect(replay.outcome).toEqual({ ok: true, replayed: true, balances: first.balances, ...first.outcome });
    // Without what the store kept, the same key is a new request.
    expect(applyOperation(account.state, { ...analyze, idempotencyKey: 'k0' }, account.context).outcome).toMatchObject({ ok: true, replayed: false });
  });
});

describe('regeneration', () => {
  it('fingerprints session, step and input, whatever the order of its keys', () => {
    const base = stepFingerprint('s', 'voiceover', { text: 'hi' });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(stepFingerprint('s2', 'voiceover', { text: 'hi' })).not.toBe(base);
    expect(stepFingerprint('s', 'script', { text: 'hi' })).not.toBe(base);
    expect(stepFingerprint('s', 'voiceover', { text: 'hi!' })).not.toBe(base);
    // The input is compared as canonical JSON.
    expect(stepFingerprint('s', 'voiceover', { text: 'hi', tone: 'fun' })).toBe(stepFingerprint('s', 'voiceover', { tone: 'fun', text: 'hi' }));
  });
});
