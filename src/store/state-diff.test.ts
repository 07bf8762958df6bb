import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stateChanges } from './state-diff.js';

/** Applies `$set` paths as MongoDB does: each path's last segment is set on what the path names. */
function applySet(document: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  for (const [path, value] of Object.entries(changes)) {
    const segments = path.split('.');
    let target = copy as Record<string, unknown>;
    for (const segment of segments.slice(0, -1)) target = target[segment] as Record<string, unknown>;
    target[segments.at(-1)!] = structuredClone(value);
  }
  return copy;
}

// Keys without dots and `$` (as the ledger's are): a path segment must not be ambiguous.
const key = fc.constantFrom('a', 'b', 'c', 'used', 'remaining', 'AI_CREDITS');
const leaf = fc.oneof(fc.integer(), fc.constantFrom(null, 'x', 'y', true), fc.date({ min: new Date(0), max: new Date(2e12), noInvalidDate: true }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
}));
/** A state and a variant of it: mostly the same, with some leaves, items or keys changed. */
const pair = fc.dictionary(key, value, { maxKeys: 5 }).chain((before) =>
  fc.tuple(fc.constant(before), fc.oneof(fc.constant(structuredClone(before)), fc.dictionary(key, value, { maxKeys: 5 }).map((other) => ({ ...structuredClone(before), ...other })))),
);

describe('stateChanges', () => {
  it('sets exactly what changed: applied to the old state, its paths give the new one', () => {
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const changes = stateChanges(before, after, 'state');
        expect(applySet({ state: before }, changes)).toEqual({ state: after });
        if (Object.keys(changes).length === 0) expect(after).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });

  it('names a changed counter deep in an array by its index, and leaves the rest out', () => {
    const before = { lastSeq: 7, clock: new Date(1_000), grants: [{ id: 'g1', remaining: 50 }, { id: 'g2', remaining: 10 }], members: [] };
    const after = { ...structuredClone(before), lastSeq: 8, grants: [{ id: 'g1', remaining: 47 }, { id: 'g2', remaining: 10 }] };
    expect(stateChanges(before, after, 'state')).toEqual({ 'state.lastSeq': 8, 'state.grants.0.remaining': 47 });
  });

  it('sets a list whole when it grew or shrank, and an object whole when it lost a key', () => {
    const before = { holds: [{ id: 'h1' }], pendingPlan: { planId: 'p', effectiveAt: new Date(5) } as object | null };
    expect(stateChanges(before, { holds: [], pendingPlan: null }, 's')).toEqual({ 's.holds': [], 's.pendingPlan': null });
    expect(stateChanges({ caps: { AI_CREDITS: 3 } }, { caps: {} }, 's')).toEqual({ 's.caps': {} });
    expect(stateChanges({ hold: { memberId: 'm1', id: 'h' } }, { hold: { memberId: undefined, id: 'h' } }, 's')).toEqual({ 's.hold': { memberId: undefined, id: 'h' } });
  });
});
