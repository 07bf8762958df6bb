import type { ErrorReporter, LedgerEvent, LedgerEventListener } from './ledger-event-bus.js';

/** Listeners handed an event per turn of the event loop: a few milliseconds of ticks built and sent. */
export const LISTENERS_PER_TURN = 256;

type Delivery = {
  /** Increasing in publish order: a listener is handed deliveries in this order. */
  readonly id: number;
  readonly event: LedgerEvent;
  /** Runs once, before the first listener: where the Redis bus publishes to other processes. */
  readonly before: (() => void) | undefined;
  /** The account's listeners when the delivery began, and how many were handed the event. */
  listeners: readonly LedgerEventListener[] | null;
  handed: number;
};

/**
 * Events handed to the listeners of their account later, off the commit path: publishing only
 * queues, so the store's commit listener costs the same whatever the number of feeds, and a write
 * answers its caller before any of its ticks is built (a microtask would not do: it runs before
 * the writer's own continuation). Deliveries run in publish order at the next turns of the event
 * loop, `LISTENERS_PER_TURN` listeners a turn, so that thousands of feeds of one account leave
 * the loop to other work, such as the next write's answer, every few milliseconds.
 */
export class LaterDelivery {
  private readonly queue: Delivery[] = [];
  private scheduled = false;
  private lastId = 0;
  /** The last delivery each listener was handed, so that one that asked early is not handed it again. */
  private readonly handedUpTo = new WeakMap<LedgerEventListener, number>();

  constructor(
    private readonly listenersOf: (accountId: string) => readonly LedgerEventListener[],
    private readonly onError: ErrorReporter,
  ) {}

  add(event: LedgerEvent, before?: () => void): void {
    this.queue.push({ id: ++this.lastId, event, before, listeners: null, handed: 0 });
    this.schedule();
  }

  /** Hands `listener` now what is queued for its account and did not reach it yet, and not again later. */
  deliverTo(accountId: string, listener: LedgerEventListener): void {
    for (const delivery of this.queue) if (delivery.event.accountId === accountId) this.hand(listener, delivery);
  }

  /** Delivers everything queued now (a closing bus publishes what was committed). */
  flush(): void {
    this.run(Number.POSITIVE_INFINITY);
  }

  clear(): void {
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run(LISTENERS_PER_TURN);
      if (this.queue.length > 0) this.schedule();
    });
  }

  private run(budget: number): void {
    while (budget > 0 && this.queue.length > 0) {
      const delivery = this.queue[0]!;
      if (delivery.listeners === null) {
        budget -= 1;
        this.guard(delivery.before);
        delivery.listeners = this.listenersOf(delivery.event.accountId);
      }
      const { listeners } = delivery;
      for (; delivery.handed < listeners.length && budget > 0; budget -= 1) this.hand(listeners[delivery.handed++]!, delivery);
      if (delivery.handed === listeners.length) this.queue.shift();
    }
  }

  private hand(listener: LedgerEventListener, delivery: Delivery): void {
    if ((this.handedUpTo.get(listener) ?? 0) >= delivery.id) return;
    this.handedUpTo.set(listener, delivery.id);
    try {
      listener.onEvent(delivery.event);
    } catch (error) {
      this.onError(error);
    }
  }

  private guard(call: (() => void) | undefined): void {
    try {
      call?.();
    } catch (error) {
      this.onError(error);
    }
  }
}
