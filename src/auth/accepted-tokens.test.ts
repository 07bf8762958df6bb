import { describe, expect, it } from 'vitest';
import { AcceptedTokens } from './accepted-tokens.js';
import type { Viewer } from './authenticate.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const viewer = (expiresInMs: number): Viewer => ({ userId: 'u1', organizationId: null, role: 'member', expiresAt: new Date(T0 + expiresInMs) });

describe('accepted tokens', () => {
  it('are remembered for at most a minute, then verified again', () => {
    const accepted = new AcceptedTokens();
    accepted.remember('t', viewer(3_600_000), T0);
    expect(accepted.get('t', T0 + 59_999)).toEqual(viewer(3_600_000));
    expect(accepted.get('t', T0 + 60_000)).toBeUndefined();
    expect(accepted.get('other', T0)).toBeUndefined();
  });

  it('are never remembered past their own expiry', () => {
    const accepted = new AcceptedTokens();
    accepted.remember('t', viewer(10_000), T0);
    expect(accepted.get('t', T0 + 9_999)).toBeDefined();
    expect(accepted.get('t', T0 + 10_000)).toBeUndefined();
  });

  it('keep at most their capacity, forgetting the oldest first', () => {
    const accepted = new AcceptedTokens(60_000, 2);
    for (const token of ['a', 'b', 'c']) accepted.remember(token, viewer(3_600_000), T0);
    expect(['a', 'b', 'c'].map((token) => accepted.get(token, T0) !== undefined)).toEqual([false, true, true]);
  });
});
