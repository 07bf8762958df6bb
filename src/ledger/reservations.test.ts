import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METERS } from './meters.js';
import { activeReservation, settledReservation } from './reservations.js';
import { expectError, expectOk, TestAccount } from './test-support.js';

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

  it('account for every credit they held, exactly: held = committed + released + expired on every meter', () => {
    const ending = fc.oneof(
      fc.record({ type: fc.constant('COMMIT' as const), share: fc.integer({ min: 0, max: 100 }) }),
      fc.constant({ type: 'RELEASE' as const }),
      fc.constant({ type: 'EXPIRE' as const }),
      fc.record({ type: fc.constant('REPORT_FAILURE' as const), stage: fc.constantFrom('BEFORE_WORK' as const, 'AFTER_PROVIDER_WORK' as const) }),
    );
    const features = fc.constantFrom('video.render', 'image.generate', 'voiceover.generate');
    fc.assert(
      fc.property(fc.array(fc.record({ feature: features, ending }), { minLength: 1, maxLength: 6 }), (holds) => {
        const account = TestAccount.open({ planId: 'reelbot.pro' }, '2025-03-01T12:00:00Z');
        const expected = new Map<string, string>();
        for (const [index, { feature, ending: end }] of holds.entries()) {
          const held = expectOk(account.apply({ type: 'HOLD', idempotencyKey: `h${index}`, feature }));
          if (held.type !== 'HELD') throw new Error('expected a hold');
          const { holdId } = held;
          if (end.type === 'EXPIRE') {
            account.at(new Date(held.expiresAt.getTime() + 1)).advance();
            expected.set(holdId, 'EXPIRED');
          } else if (end.type === 'COMMIT') {
            const amounts = Object.fromEntries(Object.entries(held.held).map(([meter, amount]) => [meter, Math.floor(((amount ?? 0) * end.share) / 100)]));
            const settled = account.apply({ type: 'COMMIT', idempotencyKey: `c${index}`, holdId, amounts });
            expected.set(holdId, Object.values(amounts).some((amount) => amount > 0) ? 'COMMITTED' : 'RELEASED');
            expectOk(settled);
          } else if (end.type === 'RELEASE') {
            expectOk(account.apply({ type: 'RELEASE', idempotencyKey: `r${index}`, holdId }));
            expected.set(holdId, 'RELEASED');
          } else {
            expectOk(account.apply({ type: 'REPORT_FAILURE', idempotencyKey: `f${index}`, holdId, stage: end.stage }));
            expected.set(holdId, 'FAILED');
          }
          // Settled, it is gone: not to be settled again.
          expect(expectError(account.apply({ type: 'RELEASE', idempotencyKey: `again${index}`, holdId })).code).toBe('HOLD_NOT_FOUND');
        }
        for (const [holdId, status] of expected) {
          const reservation = fromHistory(account, holdId);
          expect(reservation.status).toBe(status);
          for (const meter of METERS) {
            const of = (amounts: Partial<Record<string, number>>) => amounts[meter] ?? 0;
            expect(of(reservation.committed) + of(reservation.released) + of(reservation.expired), meter).toBe(of(reservation.held));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
