import type { LedgerStore } from '../store/ledger-store.js';

/** Accounts advanced per batch, and batches per look: a larger backlog (the accounts of a database older than `dueAt`) goes on at the next look. */
const SWEEP_BATCH = 100;
const BATCHES_PER_LOOK = 10;
/** How long an account whose advance failed is left alone before it is tried again. */
const RETRY_AFTER_MS = 60_000;

export type DueSweeper = { stop(): Promise<void> };

/**
 * Applies what time alone brings (a period's reset, a hold released by its TTL, a grant's expiry,
 * a scheduled plan) to accounts nobody writes to, when it falls due rather than at their next
 * write, so that their `credits.reset`, `reservation.expired` and `plan.changed` events go out on
 * time. It runs only while `wanted()` (some endpoint is enabled): without endpoints nothing waits
 * for those events, and the ledger applies them at the next write as always. Every process
 * sweeps; two advancing one account is harmless (the second finds nothing left to apply).
 */
export function startDueSweeper(options: {
  store: Pick<LedgerStore, 'dueAccounts' | 'advance'>;
  wanted: () => Promise<boolean>;
  intervalMs: number;
  onError: (error: unknown) => void;
}): DueSweeper {
  const failedUntil = new Map<string, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function sweepOnce(): Promise<void> {
    if (!(await options.wanted())) return;
    // An account is advanced once a sweep: one still listed after it (a write racing) waits for the next.
    const advanced = new Set<string>();
    for (let batch = 0; batch < BATCHES_PER_LOOK; batch += 1) {
      const now = Date.now();
      for (const [accountId, until] of failedUntil) if (until <= now) failedUntil.delete(accountId);
      const due = await options.store.dueAccounts(SWEEP_BATCH, [...failedUntil.keys()]);
      const workable = due.filter((accountId) => !advanced.has(accountId));
      for (const accountId of workable) {
        if (stopped) return;
        advanced.add(accountId);
        await options.store.advance(accountId).catch((error: unknown) => {
          failedUntil.set(accountId, Date.now() + RETRY_AFTER_MS);
          options.onError(error);
        });
      }
      if (due.length < SWEEP_BATCH || workable.length === 0) return;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweepOnce()
        .catch(options.onError)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.intervalMs);
    timer.unref();
  }

  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
