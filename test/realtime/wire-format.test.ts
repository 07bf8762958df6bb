import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/realtime/wire-format.js';
import { entry } from './realtime-fixture.js';

describe('events between processes', () => {
  it('round-trips entries and balances, reviving their dates by name only', () => {
    const balances = [
      { meter: 'AI_CREDITS' as const, unlimited: false, allowance: 100, available: 20, used: 80, reserved: 0, topUp: 0, periodStart: new Date('2026-03-01T00:00:00Z'), resetsAt: new Date('2026-04-01T00:00:00Z') },
    ];
    const stored = { ...entry(), idempotency: { key: 'k1', outcome: 'large' } };
    const decoded = decodeEvent(encodeEvent('origin-1', { accountId: 'acct-1', entries: [stored], balances: () => balances }), 'acct-1');
    expect(decoded?.origin).toBe('origin-1');
    expect(decoded?.event.entries).toEqual([entry()]);
    expect(decoded?.event.entries[0]!.metadata.note).toBe('2026-01-01T00:00:00.000Z');
    expect(decoded?.event.balances?.()).toEqual(balances);
  });

  it('refuses messages that are not a run of entries of the channel’s account', () => {
    const text = encodeEvent('o', { accountId: 'acct-1', entries: [entry({ seq: 1 }), entry({ seq: 3 })] });
    expect(decodeEvent(text, 'acct-1')).toBeNull();
    expect(decodeEvent(encodeEvent('o', { accountId: 'acct-1', entries: [entry()] }), 'acct-2')).toBeNull();
    expect(decodeEvent('{not json', 'acct-1')).toBeNull();
    expect(decodeEvent(JSON.stringify({ origin: 'o', accountId: 'acct-1', entries: [{ seq: 1, at: 'never', changes: [] }] }), 'acct-1')).toBeNull();
  });
});
