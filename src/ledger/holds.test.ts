import { describe, expect, it } from 'vitest';
import { expectError, expectOk, TestAccount } from './test-support.js';

const T0 = '2025-03-01T12:00:00Z';

function heldAccount(planId = 'reelbot.pro') {
  const account = TestAccount.open({ planId }, T0);
  const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'video.render', parameters: { resolution: '4K' } }));
  if (held.type !== 'HELD') throw new Error('expected a hold');
  return { account, holdId: held.holdId };
}

describe('holds', () => {
  it('reserve credits on every meter so others cannot spend them', () => {
    const { account, holdId } = heldAccount();
    expect(holdId).toMatch(/^[0-9a-f-]{36}$/);
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 492, reserved: 8, used: 0 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 59, reserved: 1 });
    expect(account.entries.at(-1)).toMatchObject({
      kind: 'HOLD',
      details: { holdId, quoteId: null },
      changes: [
        { meter: 'AI_CREDITS', delta: -8, reservedDelta: 8, reservedAfter: 8 },
        { meter: 'VIDEO_GENERATIONS', delta: -1, reservedDelta: 1 },
      ],
    });
  });

  it('commit in part: the rest goes back to available', () => {
    const { account, holdId } = heldAccount();
    const outcome = expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId, amounts: { AI_CREDITS: 5, VIDEO_GENERATIONS: 1 } }));
    expect(outcome).toMatchObject({
      type: 'HOLD_SETTLED',
      settlement: 'COMMITTED',
      committed: { AI_CREDITS: 5, VIDEO_GENERATIONS: 1 },
      released: { AI_CREDITS: 3 },
      expired: {},
    });
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 495, reserved: 0, used: 5 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ available: 59, reserved: 0, used: 1 });
    expect(account.entries.slice(-2).map((entry) => [entry.kind, entry.changes.map((change) => [change.meter, change.delta, change.usedDelta, change.reservedDelta])])).toEqual([
      ['COMMIT', [['AI_CREDITS', 0, 5, -5], ['VIDEO_GENERATIONS', 0, 1, -1]]],
      ['RELEASE', [['AI_CREDITS', 3, 0, -3]]],
    ]);
    expect(account.state.holds).toEqual([]);
  });

  it('commit everything by default, and refuse committing more than held', () => {
    const { account, holdId } = heldAccount();
    expect(expectError(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId, amounts: { AI_CREDITS: 9 } }))).toEqual({
      code: 'COMMIT_EXCEEDS_HOLD',
      holdId,
      meter: 'AI_CREDITS',
      held: 8,
      requested: 9,
    });
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId }))).toMatchObject({
      committed: { AI_CREDITS: 8, VIDEO_GENERATIONS: 1 },
      released: {},
    });
    expect(expectError(account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId }))).toEqual({ code: 'HOLD_NOT_FOUND', holdId });
  });

  it('release everything back to the grants the credits came from', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    expectOk(account.apply({ type: 'GRANT', idempotencyKey: 'buy', meter: 'AI_CREDITS', amount: 10, kind: 'TOP_UP' }));
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'd', feature: 'image.generate', parameters: { resolution: '4K', count: 8 } }));
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'image.generate', parameters: { resolution: '4K', count: 5 } }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    // 18 allowance credits and 2 of the top-up are held.
    expect(account.state.holds[0]?.lines[0]?.allocations).toEqual([
      { grantId: 'ALLOWANCE:1:AI_CREDITS', amount: 18 },
      { grantId: 'TOP_UP:3:AI_CREDITS', amount: 2 },
    ]);
    expect(expectOk(account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId: held.holdId }))).toMatchObject({ released: { AI_CREDITS: 20 } });
    expect(account.state.grants.map((grant) => [grant.id, grant.remaining])).toEqual([
      ['ALLOWANCE:1:AI_CREDITS', 18],
      ['TOP_UP:3:AI_CREDITS', 10],
    ]);
  });

  it('expire after their TTL, released lazily with an entry', () => {
    const { account } = heldAccount();
    account.at('2025-03-01T12:14:59.999Z');
    expect(account.balance('AI_CREDITS').reserved).toBe(8);
    account.at('2025-03-01T12:15:00Z');
    expect(account.balance('AI_CREDITS')).toMatchObject({ reserved: 0, available: 500 });
    expectOk(account.apply({ type: 'DEBIT', idempotencyKey: 'later', feature: 'topic.generate' }));
    const released = account.entriesOfKind('RELEASE');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({
      at: new Date('2025-03-01T12:15:00Z'),
      idempotencyKey: null,
      feature: 'video.render',
      details: { settlement: 'RELEASED', reason: 'HOLD_EXPIRED' },
    });
  });

  it('take their TTL from the operation when given', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    expect(expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'brand.analyze', ttlMs: 1_000 }))).toMatchObject({
      expiresAt: new Date('2025-03-01T12:00:01Z'),
    });
    expect(expectError(account.apply({ type: 'HOLD', idempotencyKey: 'h2', feature: 'brand.analyze', ttlMs: 0 }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      field: 'ttlMs',
    });
  });

  it('forfeit credits whose grant expired while held', () => {
    const account = TestAccount.open({ planId: 'rheos.free' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'image.generate', parameters: { resolution: '4K', count: 5 }, ttlMs: 40 * 86_400_000 }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    account.at('2025-04-02T00:00:00Z');
    expect(account.balance()).toMatchObject({ available: 50, reserved: 20 });
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId: held.holdId, amounts: { AI_CREDITS: 15 } }))).toMatchObject({
      committed: { AI_CREDITS: 15 },
      released: {},
      expired: { AI_CREDITS: 5 },
    });
    // March's hold is March's usage, not April's.
    expect(account.balance()).toMatchObject({ available: 50, reserved: 0, used: 0 });
    expect(account.entries.at(-2)).toMatchObject({ kind: 'COMMIT', changes: [{ usedDelta: 0, earlierPeriod: { used: 15 } }] });
    expect(account.entries.at(-1)).toMatchObject({ kind: 'EXPIRY', changes: [{ delta: 0, reservedDelta: -5 }] });
  });

  it('on an unlimited meter take nothing from grants', () => {
    const account = TestAccount.open({ planId: 'reelbot.enterprise' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'video.animate' }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    expect(account.balance()).toMatchObject({ unlimited: true, reserved: 4, available: 0 });
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId: held.holdId, amounts: { AI_CREDITS: 3 } }));
    expect(account.balance()).toMatchObject({ reserved: 0, used: 3 });
  });
});

describe('failures', () => {
  it('before the work started release the hold: nothing is charged', () => {
    const { account, holdId } = heldAccount();
    expect(expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId, stage: 'BEFORE_WORK' }))).toMatchObject({
      settlement: 'FAILED_BEFORE_WORK',
      committed: {},
      released: { AI_CREDITS: 8, VIDEO_GENERATIONS: 1 },
    });
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 500, used: 0 });
  });

  it('after the provider worked charge per policy, and never a video generation', () => {
    const { account, holdId } = heldAccount();
    expect(expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId, stage: 'AFTER_PROVIDER_WORK' }))).toMatchObject({
      settlement: 'FAILED_AFTER_WORK',
      committed: { AI_CREDITS: 8 },
      released: { VIDEO_GENERATIONS: 1 },
    });
    expect(account.balance('AI_CREDITS')).toMatchObject({ used: 8 });
    expect(account.balance('VIDEO_GENERATIONS')).toMatchObject({ used: 0, available: 60 });
  });

  it('of a NONE-policy feature charge nothing', () => {
    const account = TestAccount.open({ planId: 'rheos.pro' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'image.generate', parameters: { count: 2 } }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId: held.holdId, stage: 'AFTER_PROVIDER_WORK' }));
    expect(account.balance()).toMatchObject({ used: 0, available: 1000 });
  });
});

describe('who settles a hold', () => {
  const ana = { type: 'CALLER', callerId: 'ana' } as const;
  const generate = { type: 'WORKFLOW', workflow: 'generate' } as const;
  const by = (callerId: string, anyCaller = false) => ({ type: 'CALLER', callerId, anyCaller }) as const;

  function holdBy(owner: typeof ana | typeof generate) {
    const account = TestAccount.open({ planId: 'reelbot.pro' }, T0);
    const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', owner, feature: 'brand.analyze' }));
    if (held.type !== 'HELD') throw new Error('expected a hold');
    return { account, holdId: held.holdId };
  }

  it("is its maker, or a caller acting for anyone; to another caller the hold does not exist and nothing changes", () => {
    const { account, holdId } = holdBy(ana);
    const before = account.state;
    for (const operation of [
      { type: 'COMMIT', idempotencyKey: 'c', holdId, settler: by('bo') },
      { type: 'RELEASE', idempotencyKey: 'r', holdId, settler: by('bo') },
      { type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId, stage: 'AFTER_PROVIDER_WORK', settler: by('bo') },
      { type: 'COMMIT', idempotencyKey: 'w', holdId, settler: generate },
    ] as const) {
      expect(expectError(account.apply(operation))).toEqual({ code: 'HOLD_NOT_FOUND', holdId });
    }
    expect(account.state.holds).toEqual(before.holds);
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c2', holdId, settler: by('admin', true) }))).toMatchObject({ settlement: 'COMMITTED' });
    const own = holdBy(ana);
    expect(expectOk(own.account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId: own.holdId, settler: by('ana') }))).toMatchObject({ settlement: 'RELEASED' });
  });

  it("of a workflow's hold is that workflow alone, whoever else asks", () => {
    const { account, holdId } = holdBy(generate);
    expect(expectError(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId, settler: by('admin', true) }))).toEqual({ code: 'HOLD_NOT_FOUND', holdId });
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c2', holdId, settler: generate }))).toMatchObject({ settlement: 'COMMITTED' });
  });

  it('gets ids that tell nothing of the next one', () => {
    const first = holdBy(ana).holdId;
    const second = holdBy(ana).holdId;
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('committing nothing', () => {
  it('is a release, settled as RELEASED', () => {
    const { account, holdId } = heldAccount();
    expect(expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId, amounts: { AI_CREDITS: 0, VIDEO_GENERATIONS: 0 } }))).toMatchObject({
      settlement: 'RELEASED',
      committed: {},
      released: { AI_CREDITS: 8, VIDEO_GENERATIONS: 1 },
    });
    expect(account.balance('AI_CREDITS')).toMatchObject({ available: 500, reserved: 0, used: 0 });
  });
});
