import { describe, expect, it } from 'vitest';
import { burnDownOrder, type Grant } from './grants.js';
import { createQuote, type Quote } from './quotes.js';
import { DEFAULT_PRICING_CATALOG, parametersWithDefaults, parsePricingCatalog } from './pricing.js';
import { DEFAULT_LEDGER_SETTINGS } from './settings.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

const T0 = '2025-03-01T12:00:00Z';

describe('burn-down order', () => {
  const grant = (id: string, kind: Grant['kind'], expiresAt: string | null): Grant => ({
    id,
    meter: 'AI_CREDITS',
    kind,
    amount: 1,
    remaining: 1,
    createdAt: new Date(T0),
    expiresAt: expiresAt ? new Date(expiresAt) : null,
  });

  const mixedGrants = [
    grant('top-up-forever', 'TOP_UP', null),
    grant('adjustment-forever', 'ADJUSTMENT', null),
    grant('top-up-april', 'TOP_UP', '2025-04-01T00:00:00Z'),
    grant('adjustment-april', 'ADJUSTMENT', '2025-04-01T00:00:00Z'),
    grant('rollover-april', 'ROLLOVER', '2025-04-01T00:00:00Z'),
    grant('allowance-april', 'ALLOWANCE', '2025-04-01T00:00:00Z'),
    grant('top-up-march', 'TOP_UP', '2025-03-15T00:00:00Z'),
    grant('top-up-forever-2', 'TOP_UP', null),
  ];

  it('without rollover, spends the soonest expiry first, then allowance, rollover, adjustment, top-up, then grants that never expire', () => {
    expect(burnDownOrder(mixedGrants, { kind: 'NONE' }).map((g) => g.id)).toEqual([
      'top-up-march',
      'allowance-april',
      'rollover-april',
      'adjustment-april',
      'top-up-april',
      'adjustment-forever',
      'top-up-forever',
      'top-up-forever-2',
    ]);
  });

  it('spends an allowance that can roll over after everything expiring with it', () => {
    expect(burnDownOrder(mixedGrants, { kind: 'CAPPED', maxCredits: 1 }).map((g) => g.id)).toEqual([
      'top-up-march',
      'rollover-april',
      'adjustment-april',
      'top-up-april',
      'allowance-april',
      'adjustment-forever',
      'top-up-forever',
      'top-up-forever-2',
    ]);
  });

  it('keeps purchased top-ups until the allowance is spent', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 100, kind: 'TOP_UP' }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd1', feature: 'brand.analyze', parameters: {} }));
    expect(account.balance()).toMatchObject({ available: 145, topUp: 100, used: 5, allowance: 50 });
    for (let index = 0; index < 10; index += 1) {
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: `more-${index}`, feature: 'brand.analyze' }));
    }
    expect(account.balance()).toMatchObject({ available: 95, topUp: 95, used: 55 });
  });

  it('spends rollover before an allowance expiring with it, so the unused allowance can roll over again', () => {
    // Business: 5,000 a month, up to 1,000 unused rolls over into the next month.
    const batch = (baseCost: number) => ({ meters: { AI_CREDITS: { baseCost, chargeOnProviderFailure: 'FULL' as const } } });
    const pricing = parsePricingCatalog({ features: { 'batch.4000': batch(4_000), 'batch.5500': batch(5_500) } });
    const account = TestAccount.open({ planId: 'rheos.business' }, '2025-03-01T00:00:00Z', { pricing });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'march', feature: 'batch.4000' }));
    account.at('2025-04-01T00:00:00Z').advance();
    expect(account.state.grants.map((grant) => [grant.kind, grant.remaining, grant.expiresAt?.toISOString()])).toEqual([
      ['ALLOWANCE', 5_000, '2025-05-01T00:00:00.000Z'],
      ['ROLLOVER', 1_000, '2025-05-01T00:00:00.000Z'],
    ]);

    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'april', feature: 'batch.5500' }));
    expect(account.state.grants.map((grant) => [grant.kind, grant.remaining])).toEqual([['ALLOWANCE', 500]]);

    account.at('2025-05-01T00:00:00Z').advance();
    const aiReset = account.entriesOfKind('RESET').findLast((entry) => entry.changes[0]?.meter === 'AI_CREDITS');
    expect(aiReset?.details).toMatchObject({ rolledOver: 500 });
    expect(account.balance()).toMatchObject({ available: 5_500, allowance: 5_000 });
  });
});

describe('debits', () => {
  it('charge the catalog price and record a DEBIT entry with the exact numbers', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const outcome = account.apply({
      type: 'DEBIT',
      idempotencyKey: 'img-1',
      feature: 'image.generate',
      parameters: { resolution: 'HD', count: 4 },
      memberId: 'u1',
      sessionId: 's1',
      assetId: 'a1',
      metadata: { prompt: 'a cat' },
    });
    expect(outcome).toEqual({ ok: true, replayed: false, balances: expect.any(Array), type: 'DEBITED', charged: { AI_CREDITS: 8 }, quoteId: null });
    // The answer carries the balances right after the debit.
    expect(expectOk(outcome).balances.find((balance) => balance.meter === 'AI_CREDITS')).toMatchObject({ available: account.balance().available, used: 8 });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'DEBIT',
      seq: 3,
      memberId: 'u1',
      feature: 'image.generate',
      sessionId: 's1',
      assetId: 'a1',
      idempotencyKey: 'img-1',
      metadata: { prompt: 'a cat' },
      changes: [
        {
          meter: 'AI_CREDITS',
          unlimited: false,
          delta: -8,
          previousAvailable: 1000,
          availableAfter: 992,
          usedDelta: 8,
          usedAfter: 8,
          reservedDelta: 0,
          reservedAfter: 0,
          allowanceAfter: 1000,
        },
      ],
    });
  });

  it('are refused with INSUFFICIENT_CREDITS, changing nothing', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    const largest = { resolution: '4K', count: 8 };
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'first', feature: 'image.generate', parameters: largest }));
    const before = account.state;
    const entryCount = account.entries.length;
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'second', feature: 'image.generate', parameters: largest }))).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'AI_CREDITS',
      needed: 32,
      available: 18,
      resetsAt: new Date('2025-04-01T12:00:00Z'),
      limit: 'PERIOD',
      freesAt: new Date('2025-04-01T12:00:00Z'),
    });
    expect(account.state).toEqual(before);
    expect(account.entries).toHaveLength(entryCount);
  });

  it('are atomic across meters: a render needs AI credits and a video generation', () => {
    const account = TestAccount.open({ planId: 'reelbot.free' }, T0);
    for (let index = 0; index < 3; index += 1) {
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: `render-${index}`, feature: 'video.render' }));
    }
    const aiBefore = account.balance('AI_CREDITS');
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'render-4', feature: 'video.render' }))).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      meter: 'VIDEO_GENERATIONS',
      needed: 1,
      available: 0,
    });
    expect(account.balance('AI_CREDITS')).toEqual(aiBefore);
    // Independent limits: no video generations left, AI credits still usable.
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'script', feature: 'script.generate' }));
    expect(account.entries.filter((entry) => entry.kind === 'DEBIT').at(0)?.changes.map((change) => change.meter)).toEqual([
      'AI_CREDITS',
      'VIDEO_GENERATIONS',
    ]);
  });

  it('on an unlimited meter record usage without consuming credits', () => {
    const account = TestAccount.open({ planId: 'reelbot.enterprise' }, T0);
    for (let index = 0; index < 50; index += 1) {
      expectOk(account.apply({ type: 'DEBIT', idempotencyKey: `v-${index}`, feature: 'voiceover.generate' }));
    }
    expect(account.balance()).toMatchObject({ unlimited: true, used: 150, available: 0 });
    expect(account.entries.at(-1)?.changes[0]).toMatchObject({ unlimited: true, delta: 0, usedDelta: 3, usedAfter: 150 });
  });

  it('validate credit amounts', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    for (const amount of [1.5, -3, 0, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      expect(
        expectError(account.apply({ type: 'GRANT', idempotencyKey: `g${amount}`, meter: 'AI_CREDITS', amount, kind: 'TOP_UP' })),
      ).toMatchObject({ code: 'VALIDATION_ERROR', field: 'amount' });
    }
    for (const expiresAt of [new Date('invalid'), new Date(T0)]) {
      expect(
        expectError(account.apply({ type: 'GRANT', idempotencyKey: 'expiring', meter: 'AI_CREDITS', amount: 1, kind: 'TOP_UP', expiresAt })),
      ).toMatchObject({ code: 'VALIDATION_ERROR', field: 'expiresAt' });
    }
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: '', feature: 'topic.generate' }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      field: 'idempotencyKey',
    });
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'x', feature: 'nope' }))).toEqual({
      code: 'UNKNOWN_FEATURE',
      feature: 'nope',
    });
  });

  it('take admin corrections away as ADJUSTMENT entries, never below zero and not as usage', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expect(expectOk(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'fix', meter: 'AI_CREDITS', amount: 20 }))).toMatchObject({
      type: 'CREDITS_REMOVED',
      amount: 20,
    });
    expect(account.balance()).toMatchObject({ available: 30, used: 0 });
    expect(account.entries.at(-1)).toMatchObject({ kind: 'ADJUSTMENT', changes: [{ delta: -20, usedDelta: 0 }] });
    expect(expectError(account.apply({ type: 'REMOVE_CREDITS', idempotencyKey: 'fix2', meter: 'AI_CREDITS', amount: 31 }))).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
    });
  });
});

describe('member caps in an organization pool', () => {
  it('refuse a member over its cap while the pool still has credits', () => {
    const account = TestAccount.open({ planId: 'rheos.pro', accountType: 'ORGANIZATION' }, T0);
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'cap', memberId: 'intern', meter: 'AI_CREDITS', cap: 12 }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze', memberId: 'intern' }));
    expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'b', feature: 'brand.analyze', memberId: 'intern' }));
    // 5 used + 5 held + 1 = 11, within the cap of 12.
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'c', feature: 'topic.generate', memberId: 'intern' }));
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'script.generate', memberId: 'intern' }))).toEqual({
      code: 'MEMBER_CAP_EXCEEDED',
      memberId: 'intern',
      meter: 'AI_CREDITS',
      cap: 12,
      used: 11,
      needed: 2,
    });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'e', feature: 'script.generate', memberId: 'lead' }));
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'uncap', memberId: 'intern', meter: 'AI_CREDITS', cap: null }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'script.generate', memberId: 'intern' }));
  });

  it('count per member and start again each period', () => {
    const account = TestAccount.open({ planId: 'rheos.pro', accountType: 'ORGANIZATION' }, T0);
    expectOk(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'cap', memberId: 'm', meter: 'AI_CREDITS', cap: 5 }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'a', feature: 'brand.analyze', memberId: 'm' }));
    expect(expectError(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'topic.generate', memberId: 'm' })).code).toBe(
      'MEMBER_CAP_EXCEEDED',
    );
    account.at('2025-04-01T12:00:00Z');
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'b', feature: 'topic.generate', memberId: 'm' }));
  });

  it('only exist for organizations', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expect(
      expectError(account.apply({ type: 'SET_MEMBER_CAP', idempotencyKey: 'cap', memberId: 'm', meter: 'AI_CREDITS', cap: 5 })),
    ).toMatchObject({ code: 'VALIDATION_ERROR', field: 'memberId' });
  });
});

describe('parameters with defaults', () => {
  it('spell out every parameter of the feature, leaving what was given and names pricing will refuse', () => {
    expect(parametersWithDefaults(DEFAULT_PRICING_CATALOG, 'image.generate', {})).toEqual({ resolution: 'SD', count: 1 });
    expect(parametersWithDefaults(DEFAULT_PRICING_CATALOG, 'image.generate', { count: 3, bogus: 'x' })).toEqual({ resolution: 'SD', count: 3, bogus: 'x' });
    expect(parametersWithDefaults(DEFAULT_PRICING_CATALOG, 'brand.analyze', {})).toEqual({});
    expect(parametersWithDefaults(DEFAULT_PRICING_CATALOG, 'no.such.feature', { a: 1 })).toEqual({ a: 1 });
  });
});

describe('quotes', () => {
  let ids = 0;
  // The store looks up the quotes operations name; here they are all in one map.
  const quotes = new Map<string, Quote>();
  const quote = (feature: string, parameters = {}, accountId = 'acct-1', pricing = DEFAULT_PRICING_CATALOG): Quote => {
    const created = createQuote(
      { accountId, feature, parameters },
      { now: new Date(T0), pricing, quoteTtlMs: DEFAULT_LEDGER_SETTINGS.quoteTtlMs, newId: () => `q${(ids += 1)}` },
    );
    if (!created.ok) throw new Error(JSON.stringify(created.error));
    quotes.set(created.value.id, created.value);
    return created.value;
  };

  it('give the exact cost before anything is charged, with an expiry', () => {
    const quoted = quote('image.generate', { resolution: 'HD', count: 2 });
    expect(quoted).toMatchObject({
      accountId: 'acct-1',
      price: { costs: { AI_CREDITS: 4 } },
      createdAt: new Date(T0),
      expiresAt: new Date('2025-03-01T12:10:00Z'),
    });
  });

  it('lock the price even when the catalog changes', () => {
    const quoted = quote('brand.analyze');
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0, {
      quotes,
      pricing: parsePricingCatalog({ features: { 'brand.analyze': { meters: { AI_CREDITS: { baseCost: 50, chargeOnProviderFailure: 'FULL' } } } } }),
    });
    account.at('2025-03-01T12:09:59.999Z');
    expect(expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'x', feature: 'brand.analyze', quoteId: quoted.id }))).toMatchObject({
      charged: { AI_CREDITS: 5 },
      quoteId: quoted.id,
    });
    expect(account.entries.at(-1)?.details).toEqual({ quoteId: quoted.id });
  });

  it('expire at expiresAt', () => {
    const quoted = quote('brand.analyze');
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0, { quotes }).at('2025-03-01T12:10:00Z');
    expect(expectError(account.apply({ type: 'HOLD', idempotencyKey: 'x', feature: 'brand.analyze', quoteId: quoted.id }))).toEqual({
      code: 'QUOTE_EXPIRED',
      quoteId: quoted.id,
      expiredAt: quoted.expiresAt,
    });
  });

  it('must match the account, the feature and the parameters', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0, { quotes });
    const debitWith = (quoted: Quote, feature: string, parameters?: Record<string, string>) =>
      expectError(account.apply({ type: 'DEBIT', idempotencyKey: `k-${quoted.id}`, feature, quoteId: quoted.id, ...(parameters ? { parameters } : {}) }));
    expect(debitWith(quote('brand.analyze', {}, 'someone-else'), 'brand.analyze')).toMatchObject({ code: 'QUOTE_MISMATCH', field: 'accountId' });
    expect(debitWith(quote('brand.analyze'), 'topic.generate')).toMatchObject({ code: 'QUOTE_MISMATCH', field: 'feature' });
    expect(debitWith(quote('image.generate', { resolution: 'SD' }), 'image.generate', { resolution: '4K' })).toMatchObject({
      code: 'QUOTE_MISMATCH',
      field: 'parameters',
    });
  });
});
