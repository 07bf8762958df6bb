import { METERS, type AccountState } from '../ledger/index.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { ErrorReporter } from './ledger-event-bus.js';

/** Where timers come from; tests inject one they fire by hand. */
export type TimerScheduler = {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** Node's timers, unreferenced: a pending reset never keeps the process alive. */
export const NODE_SCHEDULER: TimerScheduler = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The longest delay `setTimeout` honours; a longer one fires at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** The pause before trying again after an advance failed or the store's clock lagged ours. */
const RETRY_DELAY_MS = 5_000;

export type ResetTimerOptions = {
  store: Pick<LedgerStore, 'advance' | 'loadAccounts'>;
  clock: () => Date;
  scheduler: TimerScheduler;
  onError: ErrorReporter;
};

type AccountTimer = { subscribers: number; handle: unknown; active: boolean };

/** When the account's next period ends, over all meters. */
export function nextPeriodEnd(state: AccountState): Date {
  return new Date(Math.min(...METERS.map((meter) => state.meters[meter].periodEnd.getTime())));
}

/**
 * Makes period resets happen on time for watched accounts: one timer per account in this
 * process, shared by its subscribers, that persists the resets (`store.advance`) when a period
 * ends, so they are published as they happen instead of on the account's next write.
 *
 * The first subscriber of an account advances it at once (a reset that fell due while nobody
 * wrote is published now), then arms the timer at the next period end; each firing advances and
 * re-arms. Delays beyond `setTimeout`'s limit wait in steps. The last subscriber leaving clears
 * the timer.
 */
export class ResetTimers {
  private readonly timers = new Map<string, AccountTimer>();
  /** Advances under way, which `close` waits for so that nothing touches the store afterwards. */
  private readonly advancing = new Set<Promise<void>>();

  constructor(private readonly options: ResetTimerOptions) {}

  /** Registers a subscriber of `accountId`; returns its release, which may be called more than once. */
  acquire(accountId: string): () => void {
    let timer = this.timers.get(accountId);
    if (timer) timer.subscribers += 1;
    else {
      timer = { subscribers: 1, handle: null, active: true };
      this.timers.set(accountId, timer);
      this.startAdvance(accountId, timer);
    }
    const held = timer;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.subscribers -= 1;
      if (held.subscribers === 0) this.stop(accountId, held);
    };
  }

  async close(): Promise<void> {
    for (const [accountId, timer] of this.timers) this.stop(accountId, timer);
    await Promise.all(this.advancing);
  }

  private stop(accountId: string, timer: AccountTimer): void {
    timer.active = false;
    if (timer.handle !== null) this.options.scheduler.clearTimeout(timer.handle);
    timer.handle = null;
    if (this.timers.get(accountId) === timer) this.timers.delete(accountId);
  }

  private startAdvance(accountId: string, timer: AccountTimer): void {
    const advancing = this.advance(accountId, timer).finally(() => this.advancing.delete(advancing));
    this.advancing.add(advancing);
  }

  private async advance(accountId: string, timer: AccountTimer): Promise<void> {
    const { store, clock, onError } = this.options;
    let next: Date | null = null;
    try {
      await store.advance(accountId);
      const [state] = await store.loadAccounts([accountId]);
      if (!state) return this.stop(accountId, timer);
      next = nextPeriodEnd(state);
    } catch (error) {
      onError(error);
    }
    // After a failure, or when the store's clock lags ours (it advanced to an earlier instant),
    // try again a little later rather than spin.
    if (next === null || next.getTime() <= clock().getTime()) this.schedule(timer, RETRY_DELAY_MS, () => this.startAdvance(accountId, timer));
    else this.armAt(accountId, timer, next);
  }

  private armAt(accountId: string, timer: AccountTimer, at: Date): void {
    const delay = at.getTime() - this.options.clock().getTime();
    if (delay > MAX_TIMER_DELAY_MS) this.schedule(timer, MAX_TIMER_DELAY_MS, () => this.armAt(accountId, timer, at));
    else this.schedule(timer, Math.max(delay, 0), () => this.startAdvance(accountId, timer));
  }

  private schedule(timer: AccountTimer, delayMs: number, callback: () => void): void {
    if (!timer.active) return;
    timer.handle = this.options.scheduler.setTimeout(() => {
      timer.handle = null;
      callback();
    }, delayMs);
  }
}
