import { describe, expect, it } from 'vitest';
import { applyOperation, keysOf } from './apply-operation.js';
import type { JsonValue } from './canonical-json.js';
import { stepChargeKey, stepFingerprint } from './regeneration.js';
import { asTester, contextAt, expectError, expectOk, TestAccount, type TestOperation } from './test-support.js';

const T0 = '2025-03-01T12:00:00Z';

const scriptHold = (idempotencyKey: string, input: JsonValue = { topic: 'cats' }): Extract<TestOperation, { type: 'HOLD' }> => ({
  type: 'HOLD',
  idempotencyKey,
  feature: 'script.generate',
  sessionId: 'session-1',
  step: { name: 'script', input },
});
const fingerprintOf = (input: JsonValue = { topic: 'cats' }) => stepFingerprint('session-1', 'script', input);

function held(account: TestAccount, operation: TestOperation): string {
  const outcome = expectOk(account.apply(operation));
  if (outcome.type !== 'HELD') throw new Error(`expected a hold, got ${outcome.type}`);
  return outcome.holdId;
}

describe('step holds', () => {
  it('charge the step on commit, so a regeneration of the unchanged step holds nothing', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const holdId = held(account, scriptHold('h1'));
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'HOLD',
      sessionId: 'session-1',
      details: { holdId, step: 'script', fingerprint: fingerprintOf() },
    });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId }));
    expect(account.entries.at(-1)).toMatchObject({ kind: 'COMMIT', details: { settlement: 'COMMITTED', fingerprint: fingerprintOf() } });

    const entryCount = account.entries.length;
    const again = scriptHold('h2');
    const reused = expectOk(account.apply(again));
    expect(reused).toEqual({
      ok: true,
      replayed: false,
      balances: expect.any(Array),
      type: 'STEP_REUSED',
      fingerprint: fingerprintOf(),
      charged: { AI_CREDITS: 2 },
      chargedByHoldId: holdId,
    });
    // Nothing is held: the entry only records the reuse (and keeps the HOLD's key for good).
    expect(account.entries).toHaveLength(entryCount + 1);
    expect(account.entries.at(-1)).toMatchObject({ kind: 'HOLD', idempotencyKey: 'h2', changes: [], details: { reason: 'STEP_REUSED' } });
    expect(account.balance()).toMatchObject({ used: 2, reserved: 0 });
    // The HOLD's own key remembers that outcome.
    expect(account.apply(again)).toEqual({ ...reused, replayed: true });
  });

  it('hold again for a changed input', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId: held(account, scriptHold('h1')) }));
    const holdId = held(account, scriptHold('h2', { topic: 'dogs' }));
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c2', holdId }));
    expect(account.balance().used).toBe(4);
  });

  it('need a session', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const { sessionId: _, ...withoutSession } = scriptHold('h1');
    expect(expectError(account.apply(withoutSession))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'sessionId' });
  });

  it('leave the step uncharged when they fail, are released or expire, so the user can try again', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const settlements = [
      { type: 'REPORT_FAILURE', stage: 'BEFORE_WORK' },
      { type: 'REPORT_FAILURE', stage: 'AFTER_PROVIDER_WORK' },
      { type: 'RELEASE' },
    ] as const;
    for (const [index, settlement] of settlements.entries()) {
      const holdId = held(account, scriptHold(`h${index}`));
      expectOk(account.apply({ ...settlement, idempotencyKey: `s${index}`, holdId }));
    }
    held(account, scriptHold('h-expiring'));
    account.at('2025-03-01T12:15:00Z');
    // script.generate charges a failure after the provider's work: 2 credits, but the step is not charged.
    expect(account.balance()).toMatchObject({ used: 2, reserved: 0 });
    held(account, scriptHold('h-again'));
  });

  it('need no credits for a step charged already, but are still validated', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId: held(account, scriptHold('h1')) }));
    expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'drain', meter: 'AI_CREDITS', amount: 18 }));
    expect(expectOk(account.apply(scriptHold('h2'))).type).toBe('STEP_REUSED');
    expect(expectError(account.apply({ ...scriptHold('h3'), feature: 'nope' })).code).toBe('UNKNOWN_FEATURE');
  });

  it('of one step taken concurrently charge the step once: later commits release their hold', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const first = held(account, scriptHold('h1'));
    const second = held(account, scriptHold('h2'));
    expect(account.balance()).toMatchObject({ reserved: 4 });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId: first }));
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c2', holdId: second }))).toMatchObject({
      type: 'STEP_REUSED',
      charged: { AI_CREDITS: 2 },
      chargedByHoldId: first,
    });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'RELEASE',
      idempotencyKey: 'c2',
      details: { holdId: second, settlement: 'RELEASED', reason: 'STEP_REUSED' },
    });
    expect(account.balance()).toMatchObject({ used: 2, reserved: 0, available: 18 });
    expect(account.state.holds).toEqual([]);
  });

  it('of a step charged meanwhile charge nothing when they fail after the provider worked', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const first = held(account, scriptHold('h1'));
    const second = held(account, scriptHold('h2'));
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId: first }));
    expect(expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f2', holdId: second, stage: 'AFTER_PROVIDER_WORK' }))).toMatchObject({
      settlement: 'FAILED_AFTER_WORK',
      committed: {},
      released: { AI_CREDITS: 2 },
    });
    expect(account.balance()).toMatchObject({ used: 2, reserved: 0 });
  });

  it('are of one step whatever their feature or member: the step is its session, name and input', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const holdId = held(account, scriptHold('h1'));
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId }));
    // So whatever decides the result belongs in the input, as `generationStepInput` puts the feature, its parameters and the member there.
    expect(expectOk(account.apply({ ...scriptHold('h2'), feature: 'topic.generate', memberId: 'm2' }))).toMatchObject({
      type: 'STEP_REUSED',
      charged: { AI_CREDITS: 2 },
      chargedByHoldId: holdId,
    });
    expect(account.balance()).toMatchObject({ used: 2, reserved: 0 });
  });
});

describe('the keys a step depends on', () => {
  it('are listed for the store: its own key, and the step of a step hold and of its settlement', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const stepKey = stepChargeKey(fingerprintOf());
    expect(keysOf(account.state, asTester(scriptHold('h1')))).toEqual(['h1', stepKey]);
    const holdId = held(account, scriptHold('h1'));
    expect(keysOf(account.state, asTester({ type: 'COMMIT', idempotencyKey: 'c1', holdId }))).toEqual(['c1', stepKey]);
    expect(keysOf(account.state, asTester({ type: 'RELEASE', idempotencyKey: 'r1', holdId }))).toEqual(['r1']);
  });

  it('are remembered by the commit, and the step is reused from what the store kept', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const holdId = held(account, scriptHold('h1'));
    const committed = applyOperation(account.state, asTester({ type: 'COMMIT', idempotencyKey: 'c1', holdId }), account.context);
    expect(committed.remembered.map((record) => record.key)).toEqual([stepChargeKey(fingerprintOf()), 'c1']);

    // The account keeps no keys: without what the store kept, the step is held again.
    const later = contextAt('2025-03-01T14:00:00Z');
    const durable = new Map(committed.remembered.map((record) => [record.key, record]));
    const forgetful = applyOperation(committed.state, asTester(scriptHold('h2')), later);
    expect(forgetful.outcome).toMatchObject({ ok: true, type: 'HELD' });
    const reused = applyOperation(committed.state, asTester(scriptHold('h2')), later, durable);
    expect(reused.outcome).toMatchObject({ ok: true, type: 'STEP_REUSED', chargedByHoldId: holdId });
  });
});

describe('a step hold committed for less than its price', () => {
  it('charges nothing for nothing: the step stays uncharged, so a regeneration holds its price again', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const holdId = held(account, scriptHold('h1'));
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId, amounts: { AI_CREDITS: 0 } }))).toMatchObject({ settlement: 'RELEASED' });
    expect(expectOk(account.apply(scriptHold('h2')))).toMatchObject({ type: 'HELD' });
  });

  it('is refused in part: a step is charged its whole price or released', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    const holdId = held(account, scriptHold('h1'));
    expect(expectError(account.apply({ type: 'COMMIT', idempotencyKey: 'c1', holdId, amounts: { AI_CREDITS: 1 } }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      field: 'amounts.AI_CREDITS',
    });
  });
});
