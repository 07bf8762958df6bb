/**
 * The soak test of issue 12 (not part of `npm test`):
 *
 *   npm run soak                  # 5 minutes
 *   npm run soak -- --minutes 1   # any length from 0.5 to 120 minutes
 *
 * It starts, on 127.0.0.1 only, the standalone embedded database and two server processes on it
 * (Redis between them; `--instances 1` for one, without Redis), as `npm run bench` does
 * (scripts/bench/cluster.ts), and drives mixed traffic through the GraphQL API with real tokens
 * until the time is up: `consumeCredits` on a few hot organization pools and many cold accounts,
 * reservations committed (all or part) or released, generations by pool members, writes sent
 * again with the same idempotency key, and subscribers connecting, dropping and reconnecting with
 * `afterSeq`. In the middle it
 * - kills the first server with SIGKILL under load and starts a new one on the same database (the
 *   new process copies the entries the dead one left pending when it starts; clients retry their
 *   unanswered writes with the same keys on the other server), at 35% of the run; and
 * - freezes the database process (SIGSTOP) for longer than the servers' socket timeout, then lets
 *   it go on (SIGCONT), at 65% of the run.
 * The embedded database keeps its data in memory only, so restarting *it* would be a wipe: every
 * account, entry and key gone while the servers and clients still hold seqs and answers from
 * before. Invariants across that would have to be checked per epoch and could only say that the
 * data is gone; the freeze is the database outage that must lose nothing, so that is what it does.
 *
 * Then it checks every invariant (scripts/soak/invariants.ts: balances equal their ledger's
 * replay, no negative balance, seqs without gaps, each key charged once, every subscriber's ticks
 * gapless and in order), judges whether the servers' memory plateaued (scripts/soak/memory.ts),
 * prints a one-line verdict and, as its last line, `SOAK {json}`, and exits 1 on any violation.
 * It stops by itself: a hard deadline of the run's length plus 4 minutes kills everything it started.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseScriptArguments } from './bench/arguments.js';
import { killAll, runScript, stopAll } from './bench/children.js';
import { Cluster } from './bench/cluster.js';
import { errorMessage, now, sleep } from './bench/measure.js';
import { Expectations } from './soak/expectations.js';
import { GraphqlHttp } from './soak/graphql-http.js';
import { audit } from './soak/invariants.js';
import { MemorySampler } from './soak/memory.js';
import { Traffic, type Accounts, type Member } from './soak/traffic.js';
import { Watchers } from './soak/watchers.js';

const USAGE = 'usage: npm run soak -- [--minutes N (0.5 to 120, default 5)] [--instances 1|2] [--redis URL]';
const HOT_POOLS = 3;
const MEMBERS_PER_POOL = 4;
const COLD_ACCOUNTS = 150;
const WATCHERS_PER_POOL = 6;
const COLD_WATCHERS = 8;
const WORKERS = 12;
/** Enough for every write of a long run on a hot pool: the plan's 5,000 a month would run out in seconds. */
const HOT_POOL_TOP_UP = 5_000_000;
const CRASH_DOWN_MS = 2_000;
/** Longer than the servers' MONGODB_SOCKET_TIMEOUT_MS (5 s by default), so commands in flight fail and are retried. */
const FREEZE_MS = 7_000;
const TAIL_TIMEOUT_MS = 15_000;

const startedAt = now();
const progress = (text: string) => console.error(`soak ${((now() - startedAt) / 1000).toFixed(1).padStart(6)} s: ${text}`);

function options() {
  const values = parseScriptArguments(USAGE, {
    minutes: { type: 'string', default: '5' },
    instances: { type: 'string', default: '2' },
  });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes < 0.5 || minutes > 120) throw new Error(`--minutes must be 0.5 to 120, got '${values.minutes}'`);
  const instances = Number(values.instances);
  if (instances !== 1 && instances !== 2) throw new Error(`--instances must be 1 or 2, got '${values.instances}'`);
  if (!/^rediss?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(`${values.redis}/`)) throw new Error(`--redis must be on loopback, got '${values.redis}'`);
  return { minutes, instances, redisUrl: values.redis };
}

async function accountsOf(cluster: Cluster): Promise<Accounts & { watched: { accountId: string; token: string }[] }> {
  const members: Member[] = [];
  const watched: { accountId: string; token: string }[] = [];
  for (let pool = 0; pool < HOT_POOLS; pool++) {
    const org = cluster.name(`hot-${pool}`);
    for (let member = 0; member < MEMBERS_PER_POOL; member++) {
      members.push({ token: await cluster.token({ sub: cluster.name(`hot-${pool}-member-${member}`), org }), poolId: `org:${org}` });
    }
  }
  // A member's first request opens its pool, with it as a member.
  await cluster.provision(members.map((member) => member.token));
  const hot = [...new Set(members.map((member) => member.poolId))];
  await Promise.all(hot.map((accountId) => cluster.servers[0]!.call('grant', { accountId, amount: HOT_POOL_TOP_UP, key: `soak-top-up-${accountId}` })));
  const coldUsers = Array.from({ length: COLD_ACCOUNTS }, (_, index) => cluster.name(`cold-${index}`));
  const cold = coldUsers.map((user) => `user:${user}`);
  await cluster.openAccounts(cold);
  for (let index = 0; index < HOT_POOLS * WATCHERS_PER_POOL; index++) {
    const member = members[index % members.length]!;
    watched.push({ accountId: member.poolId, token: member.token });
  }
  for (let index = 0; index < COLD_WATCHERS; index++) watched.push({ accountId: cold[index]!, token: await cluster.token({ sub: coldUsers[index]! }) });
  return { hot, cold, members, serviceToken: await cluster.token({ sub: 'svc:soak', role: 'service' }), watched };
}

/** The two faults, at 35% and 65% of the run. */
async function faults(cluster: Cluster, from: number, durationMs: number, counts: { crashes: number; freezes: number }): Promise<void> {
  await sleep(from + 0.35 * durationMs - now());
  progress('killing server 1 with SIGKILL under load');
  await cluster.crashAndRestart(0, CRASH_DOWN_MS);
  counts.crashes += 1;
  progress('server 1 restarted on the same database');
  await sleep(from + 0.65 * durationMs - now());
  progress(`freezing the database (SIGSTOP) for ${FREEZE_MS / 1000} s`);
  process.kill(cluster.database.pid, 'SIGSTOP');
  try {
    await sleep(FREEZE_MS);
  } finally {
    process.kill(cluster.database.pid, 'SIGCONT');
  }
  counts.freezes += 1;
  progress('the database goes on (SIGCONT)');
}

async function main(): Promise<number> {
  let chosen;
  try {
    chosen = options();
  } catch (error) {
    console.error(`soak: ${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  const durationMs = chosen.minutes * 60_000;
  const hardStop = setTimeout(() => {
    console.error(`soak: still running ${chosen.minutes} minutes + 4 minutes after it started: killing everything it started`);
    killAll();
    process.exit(1);
  }, durationMs + 4 * 60_000);
  hardStop.unref();

  progress(`starting the database and ${chosen.instances} server process(es)`);
  const cluster = await Cluster.start({ quick: false, instances: chosen.instances, redisUrl: chosen.redisUrl, profileDir: undefined }, { probe: false, clients: 0 });
  try {
    const accounts = await accountsOf(cluster);
    const urls = () => cluster.graphqlUrls;
    const http = new GraphqlHttp(urls);
    const expectations = new Expectations();
    const traffic = new Traffic(http, accounts, expectations, cluster.runId);
    const watchers = new Watchers(urls);
    const memory = new MemorySampler();
    const faultCounts = { crashes: 0, freezes: 0 };

    const from = now();
    const deadline = from + durationMs;
    progress(`${chosen.minutes} minutes of traffic: ${accounts.hot.length} hot pools, ${accounts.cold.length} cold accounts, ${accounts.watched.length} watchers`);
    memory.start(() => cluster.servers);
    watchers.start(accounts.watched, deadline);
    const report = setInterval(() => progress(`${JSON.stringify(traffic.counts)} ${JSON.stringify(http.counts)} ${JSON.stringify(watchers.counts)}`), 15_000);
    try {
      await Promise.all([traffic.run(WORKERS, deadline), faults(cluster, from, durationMs, faultCounts)]);
    } finally {
      clearInterval(report);
    }

    // One more write on every watched account: a tick lost at the very end shows only against it.
    progress('traffic stopped: a last write on each watched account, then the checks');
    const watchedAccounts = [...new Set(accounts.watched.map((watcher) => watcher.accountId))];
    const lastWritesFrom = now();
    await Promise.all(watchedAccounts.map((accountId) => traffic.consume(accountId)));
    await sleep(500);
    const lastSeqs = await cluster.servers.at(-1)!.call('lastSeqs', { accountIds: watchedAccounts });
    const tailMissing = await watchers.waitForTail(lastWritesFrom, new Map(watchedAccounts.map((accountId, index) => [accountId, lastSeqs[index]!])), TAIL_TIMEOUT_MS);
    await watchers.stop();
    memory.stop();
    const data = await audit(cluster.database.uri, cluster.config.database.name, expectations, watchers.records());
    const verdict = memory.verdict();

    const violations = [
      ...traffic.violations,
      ...expectations.contradictions,
      ...watchers.problems,
      ...tailMissing,
      ...data.violations,
      ...(verdict.plateaued === false ? [`server memory did not plateau: heap max ${verdict.middleMaxHeapMiB} MiB in the middle third, ${verdict.lastMaxHeapMiB} MiB in the last`] : []),
    ];
    const summary = {
      passed: violations.length === 0,
      violations: violations.length,
      minutes: chosen.minutes,
      seconds: Math.round((now() - startedAt) / 1000),
      instances: chosen.instances,
      writes: traffic.counts,
      keys: expectations.counts,
      http: { ...http.counts, lostBy: Object.fromEntries(http.lostReasons) },
      watchers: { count: accounts.watched.length, ...watchers.counts },
      faults: faultCounts,
      data: data.counts,
      memory: verdict,
      date: new Date().toISOString(),
      machine: `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}`,
      firstViolations: violations.slice(0, 20),
    };
    for (const violation of violations.slice(0, 20)) console.log(`violation: ${violation}`);
    const memoryText =
      verdict.plateaued === null ? 'memory: too few samples to tell' : `memory ${verdict.plateaued ? 'plateaued' : 'DID NOT plateau'} (heap max ${verdict.middleMaxHeapMiB} → ${verdict.lastMaxHeapMiB} MiB)`;
    console.log(
      `soak ${summary.passed ? 'PASSED' : 'FAILED'}: ${violations.length} violations in ${chosen.minutes} min; ` +
        `${expectations.counts.applied} writes applied, ${expectations.counts.refused} refused, ${expectations.counts.unknown} undecided, ${expectations.counts.retries} retried with their key; ` +
        `${data.counts.accounts} accounts and ${data.counts.entries} entries replayed; ${watchers.counts.ticks} ticks to ${accounts.watched.length} watchers over ${watchers.counts.connections} connections; ` +
        `${faultCounts.crashes} server crash, ${faultCounts.freezes} database freeze; ${memoryText}`,
    );
    console.log(`SOAK ${JSON.stringify(summary)}`);
    return summary.passed ? 0 : 1;
  } finally {
    clearTimeout(hardStop);
    await cluster.stop().catch(() => stopAll());
    await stopAll();
  }
}

runScript('soak', main);
