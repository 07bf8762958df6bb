/**
 * Live figures, each beside the raw `ws` baseline (raw-ws.ts) measured the same way in the same
 * run, with the subscribers in WebSocket client processes of their own:
 * - debit → tick latency, 1 subscriber at 50 debits/s and 1,000 subscribers of one account at 20/s
 *   (from just before `store.execute` in a server to the tick's arrival in a client);
 * - server heap per idle subscription (2,000 open, after a full GC);
 * - one debit's own latency (`consumeCredits` over HTTP) with 5,000 subscribers watching the
 *   account, against nobody watching;
 * - ticks delivered per second with 10,000 subscribers over 1,000 accounts.
 */
import { randomBytes } from 'node:crypto';
import { startChild, type Child } from '../children.js';
import { Cluster, type BenchOptions, type Server } from '../cluster.js';
import { log, median, now, percentile, sleep, type Heap } from '../measure.js';
import type { RawWsApi, RawWsReady } from '../raw-ws.js';
import { ratio, show, type Report } from '../report.js';
import type { Scale } from '../scale.js';
import type { DebitReport } from '../server.js';
import { highestUsed, tickLatencies, troubles, type Seen, type Subscribers } from '../subscribers.js';
import type { SocketSpec } from '../ws-clients.js';
import { consumeOnce } from './http.js';

type RawServer = Child<RawWsApi, RawWsReady>;

const wsUrl = (server: Server) => server.ready.graphqlUrl.replace(/^http/, 'ws');
/** Subscribers per account in the pools and in the fan-out (10 sockets per user). */
const SOCKETS_PER_USER = 10;
const DRAIN_TIMEOUT_MS = 30_000;

export type Live = { readonly cluster: Cluster; readonly scale: Scale; readonly report: Report; readonly raws: readonly RawServer[] };

/** As many raw servers as there are servers under test; through Redis when there are several. */
export async function startRawServers(options: Pick<BenchOptions, 'instances' | 'redisUrl'>): Promise<RawServer[]> {
  const channel = `bench:raw:${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, ...(options.instances > 1 ? { BENCH_RAW_REDIS_URL: options.redisUrl, BENCH_RAW_CHANNEL: channel } : {}) };
  return Promise.all(Array.from({ length: options.instances }, (_, index) => startChild<RawWsApi, RawWsReady>(`raw ws ${index + 1}`, 'raw-ws.ts', { env, nodeFlags: ['--expose-gc'] })));
}

/** Debits of 1 credit on `accountId` at `ratePerSec` for `count`, interleaved over the servers; answers their timings. */
async function debitsAtRate(cluster: Cluster, accountId: string, ratePerSec: number, count: number, label: string): Promise<DebitReport[]> {
  const servers = cluster.servers;
  const reports = await Promise.all(
    servers.map((server, index) =>
      server.call('debit', {
        accounts: [accountId],
        keyPrefix: cluster.name(`${label}-${index}-`),
        ratePerSec: ratePerSec / servers.length,
        offsetMs: (index * 1_000) / ratePerSec,
        count: Math.floor(count / servers.length),
        record: true,
      }),
    ),
  );
  for (const report of reports) if (report.failed > 0) throw new Error(`${label}: ${report.failed} debits failed: ${report.firstError}`);
  return reports;
}

type Latency = { p50: number; p99: number; max: number; seen: Seen; expected: number };

/** Ticks of creditstream's debits at a rate, as the armed `labels` of `subscribers` saw them. */
async function tickRun(live: Live, subscribers: Subscribers, labels: readonly string[], sockets: number, accountId: string, ratePerSec: number, count: number): Promise<Latency> {
  await subscribers.arm(labels, 'record');
  const debits = await debitsAtRate(live.cluster, accountId, ratePerSec, count, `ticks-${accountId}-${count}`);
  const timings = debits.map((report) => report.timings);
  await subscribers.waitFor(highestUsed(timings, 3, 2), DRAIN_TIMEOUT_MS);
  const seen = await subscribers.collect();
  const latencies = tickLatencies(timings, 3, 2, seen.arrivals);
  const done = debits.reduce((sum, report) => sum + report.done, 0);
  return { p50: median(latencies), p99: percentile(latencies, 99), max: percentile(latencies, 100), seen, expected: done * sockets };
}

/** The same with the raw baseline: broadcasts from the first raw server (through Redis to the others, if any). */
async function rawTickRun(live: Live, subscribers: Subscribers, labels: readonly string[], sockets: number, group: string, ratePerSec: number, count: number): Promise<Latency> {
  await subscribers.arm(labels, 'record');
  // The raw server groups sockets by the `accountId` they subscribed with, a global id like creditstream's.
  const timings = [await live.raws[0]!.call('broadcast', { groups: [Cluster.globalId(group)], ratePerSec, count })];
  await subscribers.waitFor(highestUsed(timings, 2, 1), DRAIN_TIMEOUT_MS);
  const seen = await subscribers.collect();
  const latencies = tickLatencies(timings, 2, 1, seen.arrivals);
  return { p50: median(latencies), p99: percentile(latencies, 99), max: percentile(latencies, 100), seen, expected: count * sockets };
}

const latencyText = (latency: Latency) => `p99 ${show(latency.p99)} ms (p50 ${show(latency.p50)}, max ${show(latency.max)})`;

function noteTroubles(report: Report, what: string, latency: Pick<Latency, 'seen' | 'expected'>): void {
  for (const text of troubles(what, latency.seen, latency.expected)) report.note(text);
}

/** Subscriptions to `accountId`: socket i with the token of user i / 10, on server (or raw server) i. */
function socketSpecs(targets: readonly string[], tokens: readonly string[], accountId: string, afterSeq: number, from: number, count: number): SocketSpec[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    return { url: targets[index % targets.length]!, token: tokens[Math.floor(index / SOCKETS_PER_USER) % tokens.length]!, accountId: Cluster.globalId(accountId), afterSeq };
  });
}

export async function singleSubscriber(live: Live, subscribers: Subscribers): Promise<void> {
  const { cluster, scale, report } = live;
  const user = cluster.name('single');
  const accountId = `user:${user}`;
  const token = await cluster.token({ sub: user });
  await cluster.provision([token]);
  const [lastSeq] = await cluster.servers[0]!.call('lastSeqs', { accountIds: [accountId] });
  const count = 50 * scale.singleTickSec;
  log(`1 subscriber: ${count} debits at 50/s, then the raw ws broadcast`);

  await subscribers.open('single', socketSpecs(cluster.servers.map(wsUrl), [token], accountId, lastSeq! - 1, 0, 1));
  // A short warm-up at the same rate, then the measured run.
  await tickRun(live, subscribers, ['single'], 1, accountId, 50, 10);
  const ticks = await tickRun(live, subscribers, ['single'], 1, accountId, 50, count);
  await subscribers.close('single');

  const group = cluster.name('raw-single');
  await subscribers.open('raw-single', socketSpecs(live.raws.map((raw) => raw.ready.url), [token], group, 0, 0, 1));
  await rawTickRun(live, subscribers, ['raw-single'], 1, group, 50, 10);
  const raw = await rawTickRun(live, subscribers, ['raw-single'], 1, group, 50, count);
  await subscribers.close('raw-single');

  const bound = 2 * Math.max(raw.p99, 5);
  report.set('tickP99MsSingle', ticks.p99);
  report.set('wsBaselineSingleP99Ms', raw.p99);
  report.row({
    figure: 'debit → tick, 1 subscriber, 50 debits/s',
    value: latencyText(ticks),
    baseline: `raw ws: ${latencyText(raw)}`,
    target: `≤ 2 × max(raw, 5 ms) = ${show(bound)} ms`,
    met: ticks.p99 <= bound,
  });
  noteTroubles(report, 'ticks, 1 subscriber', ticks);
  noteTroubles(report, 'raw ws, 1 subscriber', raw);
}

async function heaps(processes: readonly { call(method: 'heap'): Promise<Heap> }[]): Promise<number> {
  const all = await Promise.all(processes.map((child) => child.call('heap')));
  return all.reduce((sum, heap) => sum + heap.heapUsed, 0);
}

/**
 * One organization pool, in steps that reuse the sockets: a debit's latency with nobody watching;
 * 2,000 idle subscriptions (heap); 1,000 of them kept for the ticks at 20 debits/s; then more
 * opened to 5,000 watchers for the debit's latency again.
 */
export async function onePool(live: Live, subscribers: Subscribers): Promise<void> {
  const { cluster, scale, report } = live;
  const organization = cluster.name('pool');
  const accountId = `org:${organization}`;
  const total = Math.max(scale.idleSubscriptions, scale.watchers, scale.poolSubscribers);
  const users = Array.from({ length: Math.ceil(total / SOCKETS_PER_USER) }, (_, index) => cluster.name(`pool-u${index}`));
  const tokens = await Promise.all(users.map((sub) => cluster.token({ sub, org: organization })));
  const service = await cluster.serviceToken();
  await cluster.provision(tokens);
  await cluster.servers[0]!.call('grant', { accountId, amount: 10_000_000, key: cluster.name('pool-grant') });

  // One debit at a time over HTTP, from this process; with watchers, the next waits until all had the tick.
  const debitLatencies = async (label: string, barrier: boolean): Promise<number[]> => {
    const latencies: number[] = [];
    for (let index = 0; index < scale.latencyDebits + 3; index++) {
      const started = now();
      const used = await consumeOnce(cluster, cluster.server(index).ready.graphqlUrl, service, accountId, cluster.name(`${label}-${index}`));
      if (index >= 3) latencies.push(now() - started);
      if (barrier) {
        const missing = await subscribers.waitFor(used, DRAIN_TIMEOUT_MS);
        if (missing > 0) report.note(`debits with watchers: ${missing} watchers did not get the tick of used=${used} within ${DRAIN_TIMEOUT_MS} ms`);
      } else await sleep(20);
    }
    return latencies;
  };
  log(`${scale.latencyDebits} debits over HTTP with nobody watching`);
  const alone = await debitLatencies('alone', false);

  // Idle subscriptions: heap after a full GC, before and after opening them (after a warm-up).
  const [lastSeq] = await cluster.servers[0]!.call('lastSeqs', { accountIds: [accountId] });
  const afterSeq = lastSeq! - 1;
  const targets = cluster.servers.map(wsUrl);
  const rawTargets = live.raws.map((raw) => raw.ready.url);
  const kept = scale.poolSubscribers;
  const idleRest = scale.idleSubscriptions - kept;
  log(`${scale.idleSubscriptions} idle subscriptions: heap after GC before and after (creditstream, then raw ws)`);
  await subscribers.open('warm', socketSpecs(targets, tokens, accountId, afterSeq, 0, 20));
  await subscribers.close('warm');
  await sleep(300);
  const heapBefore = await heaps(cluster.servers);
  const openMs = await subscribers.open('kept', socketSpecs(targets, tokens, accountId, afterSeq, 0, kept));
  await subscribers.open('idle', socketSpecs(targets, tokens, accountId, afterSeq, kept, idleRest));
  await sleep(500);
  const heapAfter = await heaps(cluster.servers);

  const group = cluster.name('raw-pool');
  await subscribers.open('raw-warm', socketSpecs(rawTargets, tokens, group, 0, 0, 20));
  await subscribers.close('raw-warm');
  await sleep(300);
  const rawBefore = await heaps(live.raws);
  await subscribers.open('raw-kept', socketSpecs(rawTargets, tokens, group, 0, 0, kept));
  await subscribers.open('raw-idle', socketSpecs(rawTargets, tokens, group, 0, kept, idleRest));
  await sleep(500);
  const rawAfter = await heaps(live.raws);
  await subscribers.close('raw-idle');

  const perSubscription = (heapAfter - heapBefore) / scale.idleSubscriptions;
  const perWs = (rawAfter - rawBefore) / scale.idleSubscriptions;
  report.set('bytesPerIdleSubscription', perSubscription);
  report.set('bytesPerIdleWs', perWs);
  report.row({
    figure: `server heap per idle subscription (${show(scale.idleSubscriptions)} open, after GC)`,
    value: `${show(perSubscription / 1024)} KiB (opened in ${show(openMs / 1000)} s per ${show(kept)})`,
    baseline: `raw ws idle connection: ${show(perWs / 1024)} KiB`,
    target: '≤ 8 KiB',
    met: perSubscription <= 8 * 1024,
  });

  // Ticks at 20 debits/s to the kept subscribers, and the raw broadcast to as many.
  await subscribers.close('idle');
  const count = 20 * scale.poolTickSec;
  log(`${kept} subscribers: ${count} debits at 20/s, then the raw ws broadcast`);
  await tickRun(live, subscribers, ['kept'], kept, accountId, 20, 5);
  const ticks = await tickRun(live, subscribers, ['kept'], kept, accountId, 20, count);
  await rawTickRun(live, subscribers, ['raw-kept'], kept, group, 20, 5);
  const raw = await rawTickRun(live, subscribers, ['raw-kept'], kept, group, 20, count);
  await subscribers.close('raw-kept');
  report.set('tickP99Ms', ticks.p99);
  report.set('wsBaselineP99Ms', raw.p99);
  report.row({
    figure: `debit → tick, ${show(kept)} subscribers of 1 account, 20 debits/s`,
    value: latencyText(ticks),
    baseline: `raw ws to ${show(kept)} sockets: ${latencyText(raw)}`,
    target: `≤ 2 × raw = ${show(2 * raw.p99)} ms`,
    met: ticks.p99 <= 2 * raw.p99,
  });
  noteTroubles(report, `ticks, ${kept} subscribers`, ticks);
  noteTroubles(report, `raw ws, ${kept} sockets`, raw);

  // Watchers: the kept subscribers and more, to `scale.watchers`.
  log(`${scale.latencyDebits} debits over HTTP with ${scale.watchers} watchers`);
  // After the account's latest entry: an older afterSeq would replay the ticks above to every new watcher.
  const [latest] = await cluster.servers[0]!.call('lastSeqs', { accountIds: [accountId] });
  if (scale.watchers > kept) await subscribers.open('watch', socketSpecs(targets, tokens, accountId, latest! - 1, kept, scale.watchers - kept));
  await subscribers.arm(['kept', 'watch'], 'track');
  const watched = await debitLatencies('watched', true);
  const seen = await subscribers.collect();
  await subscribers.close('watch');
  await subscribers.close('kept');
  for (const text of troubles(`debits with ${scale.watchers} watchers`, seen, (scale.latencyDebits + 3) * scale.watchers)) report.note(text);

  const vs = ratio(median(watched), median(alone));
  report.set(`debitLatencyWith${scale.watchers}Watchers`, median(watched));
  if (scale.watchers !== 5_000) report.set('debitLatencyWith5000Watchers', null);
  report.set('debitLatencyAloneMs', median(alone));
  report.set('debitLatencyWatchersVsAlone', vs);
  report.set('watchers', scale.watchers);
  report.row({
    figure: `one debit (consumeCredits, median of ${scale.latencyDebits}) with ${show(scale.watchers)} watchers`,
    value: `${show(median(watched))} ms (max ${show(percentile(watched, 100))})`,
    baseline: `nobody watching: ${show(median(alone))} ms (max ${show(percentile(alone, 100))})`,
    target: `${show(vs)} × (≤ 1.5)`,
    met: vs <= 1.5,
  });
  if (scale.watchers < 5_000) report.note(`--quick: ${show(scale.watchers)} watchers instead of 5,000 (the figure is debitLatencyWith${scale.watchers}Watchers)`);
}

/** Ticks delivered per second, debits as fast as the servers take them, 10 subscribers per account. */
export async function fanout(live: Live, subscribers: Subscribers): Promise<void> {
  const { cluster, scale, report } = live;
  const perAccount = scale.fanoutSubscribers / scale.fanoutAccounts;
  const users = Array.from({ length: scale.fanoutAccounts }, (_, index) => cluster.name(`fan-u${index}`));
  const accounts = users.map((user) => `user:${user}`);
  const tokens = await Promise.all(users.map((sub) => cluster.token({ sub })));
  await cluster.provision(tokens);
  const lastSeqs = await cluster.servers[0]!.call('lastSeqs', { accountIds: accounts });
  const targets = cluster.servers.map(wsUrl);
  const specs = (urls: readonly string[], ids: readonly string[], after: (index: number) => number): SocketSpec[] =>
    Array.from({ length: scale.fanoutSubscribers }, (_, index) => {
      const account = Math.floor(index / perAccount);
      return { url: urls[index % urls.length]!, token: tokens[account]!, accountId: Cluster.globalId(ids[account]!), afterSeq: after(account) };
    });

  log(`fan-out: ${scale.fanoutSubscribers} subscribers over ${scale.fanoutAccounts} accounts, ${scale.fanoutMs / 1000} s of debits, then raw ws`);
  const openMs = await subscribers.open('fan', specs(targets, accounts, (account) => lastSeqs[account]! - 1));
  await subscribers.arm(['fan'], 'count');
  const servers = cluster.servers;
  const debits = await Promise.all(
    servers.map((server, index) =>
      server.call('debit', {
        accounts: accounts.filter((_, position) => position % servers.length === index),
        keyPrefix: cluster.name(`fan-${index}-`),
        concurrency: Math.ceil(200 / servers.length),
        durationMs: scale.fanoutMs,
      }),
    ),
  );
  const done = debits.reduce((sum, report) => sum + report.done, 0);
  const seen = await subscribers.drain(done * perAccount, 3_000, DRAIN_TIMEOUT_MS);
  const started = Math.min(...debits.map((report) => report.startedAt));
  const perSec = (seen.received / (seen.lastAt - started)) * 1_000;
  await subscribers.close('fan');
  for (const text of troubles(`fan-out, ${scale.fanoutSubscribers} subscribers`, seen, done * perAccount)) report.note(text);

  const groups = users.map((user) => cluster.name(`raw-fan-${user}`));
  await subscribers.open('raw-fan', specs(live.raws.map((raw) => raw.ready.url), groups, () => 0));
  await subscribers.arm(['raw-fan'], 'count');
  const { rounds, startedAt } = await live.raws[0]!.call('fanout', { groups: groups.map(Cluster.globalId), durationMs: scale.fanoutMs });
  const rawSeen = await subscribers.drain(rounds * scale.fanoutSubscribers, 3_000, DRAIN_TIMEOUT_MS);
  const rawPerSec = (rawSeen.received / (rawSeen.lastAt - startedAt)) * 1_000;
  await subscribers.close('raw-fan');
  for (const text of troubles(`raw ws fan-out, ${scale.fanoutSubscribers} sockets`, rawSeen, rounds * scale.fanoutSubscribers)) report.note(text);

  const vs = ratio(perSec, rawPerSec);
  report.set('fanoutTicksPerSec', perSec);
  report.set('wsFanoutPerSec', rawPerSec);
  report.set('fanoutVsWs', vs);
  report.set('fanoutSubscribers', scale.fanoutSubscribers);
  report.row({
    figure: `ticks delivered, ${show(scale.fanoutSubscribers)} subscribers over ${show(scale.fanoutAccounts)} accounts`,
    value: `${show(perSec)}/s (${show(done)} debits in ${show(scale.fanoutMs / 1000)} s; sockets opened in ${show(openMs / 1000)} s)`,
    baseline: `raw ws: ${show(rawPerSec)}/s (${show(rounds)} rounds)`,
    target: `${show(vs)} × (≥ 0.5)`,
    met: vs >= 0.5,
  });
  if (scale.fanoutSubscribers < 10_000) {
    report.note(`--quick: fan-out with ${show(scale.fanoutSubscribers)} subscribers over ${show(scale.fanoutAccounts)} accounts instead of 10,000 over 1,000`);
  }
}
