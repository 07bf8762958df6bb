import { describe, expect, it } from 'vitest';
import { meterFigures } from './account-state.js';
import { memberUsage } from './balances.js';
import { LedgerReplayError, replayEntries } from './replay.js';
import { summarizeUsage } from './summaries.js';
import { expectOk, TestAccount } from './test-support.js';

function teamAccount() {
  const account = TestAccount.open({ planId: 'reelbot.pro', accountType: 'ORGANIZATION', timeZone: 'America/New_York' }, '2025-03-01T12:00:00Z');
  expectOk(account.apply({ type: 'DEBIT', idempotencyKey: '1', feature: 'script.generate', memberId: 'ana' }));
  expectOk(account.apply({ type: 'DEBIT', idempotencyKey: '2', feature: 'topic.generate', memberId: 'bo' }));
  // 03:00 UTC on Mar 2 is still Mar 1 in New York.
  account.at('2025-03-02T03:00:00Z');
  const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: '3', feature: 'video.render', memberId: 'ana' }));
  if (held.type !== 'HELD') throw new Error('expected a hold');
  expectOk(account.apply({ type: 'COMMIT', idempotencyKey: '4', holdId: held.holdId, amounts: { AI_CREDITS: 1, VIDEO_GENERATIONS: 1 } }));
  account.at('2025-03-02T15:00:00Z');
  expectOk(account.apply({ type: 'DEBIT', idempotencyKey: '5', feature: 'script.generate', memberId: 'bo' }));
  return account;
}

const range = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z') };

describe('usage summaries', () => {
  it('group by local day', () => {
    expect(summarizeUsage(teamAccount().entries, { ...range, groupBy: 'DAY', timeZone: 'America/New_York' })).toEqual([
      { key: '2025-03-01', meter: 'AI_CREDITS', used: 4 },
      { key: '2025-03-01', meter: 'VIDEO_GENERATIONS', used: 1 },
      { key: '2025-03-02', meter: 'AI_CREDITS', used: 2 },
    ]);
  });

  it('group by feature and by member', () => {
    const { entries } = teamAccount();
    expect(summarizeUsage(entries, { ...range, groupBy: 'FEATURE' })).toEqual([
      { key: 'script.generate', meter: 'AI_CREDITS', used: 4 },
      { key: 'topic.generate', meter: 'AI_CREDITS', used: 1 },
      { key: 'video.render', meter: 'AI_CREDITS', used: 1 },
      { key: 'video.render', meter: 'VIDEO_GENERATIONS', used: 1 },
    ]);
    expect(summarizeUsage(entries, { ...range, groupBy: 'MEMBER' })).toEqual([
      { key: 'ana', meter: 'AI_CREDITS', used: 3 },
      { key: 'ana', meter: 'VIDEO_GENERATIONS', used: 1 },
      { key: 'bo', meter: 'AI_CREDITS', used: 3 },
    ]);
  });

  it('respect the range', () => {
    const { entries } = teamAccount();
    expect(summarizeUsage(entries, { groupBy: 'MEMBER', from: new Date('2025-03-02T15:00:00Z'), to: range.to })).toEqual([
      { key: 'bo', meter: 'AI_CREDITS', used: 2 },
    ]);
  });

  it('agree with what members used this period', () => {
    const account = teamAccount();
    // AI credits reset daily (at New York midnight), video generations monthly.
    expect(memberUsage(account.state, account.context)).toEqual([
      { memberId: 'ana', meter: 'AI_CREDITS', used: 0, reserved: 0, cap: null },
      { memberId: 'ana', meter: 'VIDEO_GENERATIONS', used: 1, reserved: 0, cap: null },
      { memberId: 'bo', meter: 'AI_CREDITS', used: 2, reserved: 0, cap: null },
      { memberId: 'bo', meter: 'VIDEO_GENERATIONS', used: 0, reserved: 0, cap: null },
    ]);
  });
});

describe('replaying entries', () => {
  it('gives the stored balances', () => {
    const account = teamAccount();
    const projection = replayEntries(account.entries);
    expect(projection.lastSeq).toBe(account.state.lastSeq);
    expect(projection.meters.AI_CREDITS).toEqual(meterFigures(account.state, 'AI_CREDITS'));
    expect(projection.meters.VIDEO_GENERATIONS).toEqual(meterFigures(account.state, 'VIDEO_GENERATIONS'));
  });

  it('catches gaps and tampered numbers', () => {
    const { entries } = teamAccount();
    expect(() => replayEntries(entries.filter((entry) => entry.seq !== 3))).toThrow(new LedgerReplayError('expected seq 3, found 4'));
    const tampered = structuredClone(entries);
    const change = tampered[3]?.changes[0];
    if (!change) throw new Error('expected a change');
    change.delta -= 1;
    expect(() => replayEntries(tampered)).toThrow(LedgerReplayError);
  });
});
