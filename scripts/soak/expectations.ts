/**
 * What the soak's clients were told, so the ledger can be held to it afterwards: for each
 * idempotency key, whether its write applied (then the ledger holds exactly one entry of that kind
 * under the key), was refused (none), or never got an answer (at most one). Also every answer that
 * contradicted another one, which is a violation on the spot.
 */
import type { EntryKind } from '../../src/ledger/index.js';

export type Outcome = 'applied' | 'refused' | 'unknown';

export type Expectation = { readonly accountId: string; readonly kind: EntryKind; readonly clientKey: string; readonly outcome: Outcome };

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();
  readonly contradictions: string[] = [];
  readonly counts: Record<Outcome, number> & { retries: number } = { applied: 0, refused: 0, unknown: 0, retries: 0 };

  /**
   * The outcome of a key's write as its client learnt it. A key is named once per account and
   * kind; a later answer for it (a retry) may turn `unknown` into what the retry learnt, never
   * `applied` into `refused` or the reverse.
   */
  record(expectation: Expectation): void {
    const id = JSON.stringify([expectation.accountId, expectation.kind, expectation.clientKey]);
    const earlier = this.byKey.get(id);
    if (earlier && earlier.outcome !== 'unknown' && expectation.outcome !== 'unknown' && earlier.outcome !== expectation.outcome) {
      this.contradictions.push(`key ${expectation.clientKey} on ${expectation.accountId}: answered ${earlier.outcome}, then ${expectation.outcome} on a retry`);
    }
    if (earlier && expectation.outcome === 'unknown') return;
    if (earlier) this.counts[earlier.outcome] -= 1;
    this.byKey.set(id, expectation);
    this.counts[expectation.outcome] += 1;
  }

  /** A retry of a write that was answered as applied must say `replayed`. */
  checkReplayed(clientKey: string, replayed: unknown): void {
    this.counts.retries += 1;
    if (replayed !== true) this.contradictions.push(`a retry of key ${clientKey} was applied again (replayed: ${String(replayed)})`);
  }

  all(): IterableIterator<Expectation> {
    return this.byKey.values();
  }
}
