import { describe, expect, it } from 'vitest';
import { expectError, expectOk, TestAccount } from './test-support.js';

const T0 = '2025-03-01T12:00:00Z';

describe('explicit amounts', () => {
  it('debit exactly what they name, recorded under the feature the caller gives (or none)', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    expect(expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'brand.analyze', amounts: { AI_CREDITS: 7, VIDEO_GENERATIONS: 1 } }))).toMatchObject({
      type: 'DEBITED',
      charged: { AI_CREDITS: 7, VIDEO_GENERATIONS: 1 },
      quoteId: null,
    });
    expect(account.entries.at(-1)).toMatchObject({ kind: 'DEBIT', feature: 'brand.analyze' });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'e', amounts: { AI_CREDITS: 1 } }));
    expect(account.entries.at(-1)).toMatchObject({ kind: 'DEBIT', feature: null });
    expect(account.balance('AI_CREDITS')).toMatchObject({ used: 8, available: 492 });
  });

  it('hold exactly what they name; a failure after the work charges nothing', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'voiceover.generate', amounts: { AI_CREDITS: 9 } }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    expect(account.state.holds[0]).toMatchObject({ feature: 'voiceover.generate', lines: [{ meter: 'AI_CREDITS', amount: 9, chargeOnProviderFailure: 'NONE' }] });
    expect(expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId: held.holdId, stage: 'AFTER_PROVIDER_WORK' }))).toMatchObject({ committed: {} });
  });

  it('must name a positive amount on some meter, each a whole number within the limit', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'a', amounts: {} }))).toMatchObject({ code: 'VALIDATION_ERROR', field: 'amounts' });
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'b', amounts: { AI_CREDITS: 0 } }))).toMatchObject({ field: 'amounts' });
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'c', amounts: { AI_CREDITS: 1.5 } }))).toMatchObject({ field: 'amounts.AI_CREDITS' });
    expect(expectError(account.apply({ type: 'HOLD', idempotencyKey: 'd', amounts: { AI_CREDITS: -1 } }))).toMatchObject({ field: 'amounts.AI_CREDITS' });
  });

  it('name a quote by id, which the store supplies: one it does not know is not found', () => {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'q', quoteId: 'gone' }))).toEqual({ code: 'QUOTE_NOT_FOUND', quoteId: 'gone' });
  });
});
