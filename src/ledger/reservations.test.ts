import { describe, expect, it } from 'vitest';
import { activeReservation, settledReservation } from './reservations.js';
import { expectOk, TestAccount } from './test-support.js';

function holding() {
  const account = TestAccount.open({ planId: 'reelbot.pro' }, '2025-03-01T12:00:00Z');
  const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: 'h', feature: 'video.render', sessionId: 's1' }));
  if (held.type !== 'HELD') throw new Error('expected a hold');
  return { account, holdId: held.holdId, expiresAt: held.expiresAt };
}

/** The reservation as a reader of the history rebuilds it. */
function fromHistory(account: TestAccount, holdId: string) {
  const entries = account.entries.filter((entry) => entry.details.holdId === holdId);
  const [held, ...settlement] = entries;
  return settledReservation(held!, settlement);
}

describe('reservations', () => {
  it('while active: what the hold keeps of every meter, and when it runs out', () => {
    const { account, holdId, expiresAt } = holding();
    expect(activeReservation(account.state.holds[0]!)).toMatchObject({
      holdId,
      status: 'ACTIVE',
      feature: 'video.render',
      sessionId: 's1',
      createdAt: new Date('2025-03-01T12:00:00Z'),
      expiresAt,
      settledAt: null,
      held: { AI_CREDITS: 2, VIDEO_GENERATIONS: 1 },
    });
  });

  it('committed in part: what was charged and what went back, per meter, from the entries alone', () => {
    const { account, holdId, expiresAt } = holding();
    account.at('2025-03-01T12:05:00Z');
    expectOk(account.apply({ type: 'COMMIT', idempotencyKey: 'c', holdId, amounts: { AI_CREDITS: 1, VIDEO_GENERATIONS: 1 } }));
    expect(fromHistory(account, holdId)).toEqual({
      holdId,
      status: 'COMMITTED',
      feature: 'video.render',
      memberId: null,
      sessionId: 's1',
      assetId: null,
      createdAt: new Date('2025-03-01T12:00:00Z'),
      expiresAt,
      settledAt: new Date('2025-03-01T12:05:00Z'),
      held: { AI_CREDITS: 2, VIDEO_GENERATIONS: 1 },
      committed: { AI_CREDITS: 1, VIDEO_GENERATIONS: 1 },
      released: { AI_CREDITS: 1 },
      expired: {},
    });
  });

  it('released, expired by its time-to-live, or failed: each its own status', () => {
    const released = holding();
    expectOk(released.account.apply({ type: 'RELEASE', idempotencyKey: 'r', holdId: released.holdId }));
    expect(fromHistory(released.account, released.holdId)).toMatchObject({ status: 'RELEASED', committed: {}, released: { AI_CREDITS: 2, VIDEO_GENERATIONS: 1 } });

    const expired = holding();
    expired.account.at(new Date(expired.expiresAt.getTime() + 1000)).advance();
    expect(fromHistory(expired.account, expired.holdId)).toMatchObject({ status: 'EXPIRED', settledAt: expired.expiresAt, expiresAt: expired.expiresAt });

    const failed = holding();
    expectOk(failed.account.apply({ type: 'REPORT_FAILURE', idempotencyKey: 'f', holdId: failed.holdId, stage: 'AFTER_PROVIDER_WORK' }));
    // video.render charges its AI credits for a failure after the provider's work, never the video generation.
    expect(fromHistory(failed.account, failed.holdId)).toMatchObject({ status: 'FAILED', committed: { AI_CREDITS: 2 }, released: { VIDEO_GENERATIONS: 1 } });
  });
});
