/**
 * How big and how long each workload is: the full run, and `--quick` (scaled down to finish
 * within 60 seconds; the table says which figures were scaled).
 */
export type Scale = {
  /** autocannon: connections, and seconds of warm-up and of measurement per run. */
  readonly httpConnections: number;
  readonly httpWarmupSec: number;
  readonly httpSec: number;
  /** Keyed writes on the account before the "after" reads and the document size. */
  readonly keyedWrites: number;
  /** Prior writes at which the bytes the driver sends per debit are measured, and sequential debits measured at each. */
  readonly bytesAtWrites: readonly [number, number];
  readonly bytesSampleDebits: number;
  /** Store-level debits: callers, seconds per run, accounts of the cold run. */
  readonly storeCallers: number;
  readonly storeWarmupMs: number;
  readonly storeMs: number;
  readonly coldAccounts: number;
  /** Ticks: seconds of debits at 50/s (one subscriber) and 20/s (one account, many subscribers). */
  readonly singleTickSec: number;
  readonly poolTickSec: number;
  readonly poolSubscribers: number;
  readonly idleSubscriptions: number;
  /** Debit latency with watchers: how many watch, and how many debits are timed (after 3 of warm-up). */
  readonly watchers: number;
  readonly latencyDebits: number;
  /** Fan-out: subscribers, accounts (10 subscribers each) and seconds. */
  readonly fanoutSubscribers: number;
  readonly fanoutAccounts: number;
  readonly fanoutMs: number;
  /** Members of the pools the dashboard query is counted on. */
  readonly dashboardMembers: readonly [number, number];
};

export const FULL: Scale = {
  httpConnections: 100,
  httpWarmupSec: 2,
  httpSec: 10,
  keyedWrites: 3_000,
  bytesAtWrites: [100, 3_000],
  bytesSampleDebits: 50,
  storeCallers: 200,
  storeWarmupMs: 1_000,
  storeMs: 5_000,
  coldAccounts: 10_000,
  singleTickSec: 10,
  poolTickSec: 10,
  poolSubscribers: 1_000,
  idleSubscriptions: 2_000,
  watchers: 5_000,
  latencyDebits: 30,
  fanoutSubscribers: 10_000,
  fanoutAccounts: 1_000,
  fanoutMs: 5_000,
  dashboardMembers: [5, 50],
};

export const QUICK: Scale = {
  httpConnections: 100,
  httpWarmupSec: 1,
  httpSec: 1.5,
  keyedWrites: 500,
  bytesAtWrites: [100, 500],
  bytesSampleDebits: 20,
  storeCallers: 200,
  storeWarmupMs: 300,
  storeMs: 1_000,
  coldAccounts: 500,
  singleTickSec: 1,
  poolTickSec: 1.5,
  poolSubscribers: 1_000,
  idleSubscriptions: 1_000,
  watchers: 1_000,
  latencyDebits: 10,
  fanoutSubscribers: 500,
  fanoutAccounts: 50,
  fanoutMs: 1_000,
  dashboardMembers: [5, 50],
};
