/**
 * HTTP figures, with autocannon in its own process:
 * - `consumeCredits` on one hot account against bare graphql-yoga with one trivial mutation;
 * - `viewer.account.balances` reads before and after thousands of keyed writes on the account,
 *   with the account document's size and the bytes the driver sends per debit (probe server)
 *   along the way.
 */
import { startChild, type Child } from '../children.js';
import type { BareYogaReady } from '../bare-yoga.js';
import { Cluster } from '../cluster.js';
import type { LoadPlan, LoadReport } from '../http-load.js';
import { log, now, sleep } from '../measure.js';
import { ratio, show, type Report } from '../report.js';
import type { Scale } from '../scale.js';
import type { CommandCount } from '../server.js';

const CONSUME = /* GraphQL */ `
  mutation Consume($input: ConsumeCreditsInput!) {
    consumeCredits(input: $input) {
      __typename
      ... on ConsumeCreditsSuccess { replayed consumed { meter amount } balances { meter available used } }
      ... on Error { code message }
    }
  }
`;

const BALANCES = '{ viewer { account { balances { meter available used reserved allowance resetsAt } } } }';

const BARE_MUTATION = JSON.stringify({ query: 'mutation ($by: Int!) { increment(by: $by) }', variables: { by: 1 } });

/** The body of one `consumeCredits` of 1 credit; `[<id>]` becomes a fresh key per request under autocannon. */
export function consumeBody(accountId: string, idempotencyKey: string): string {
  return JSON.stringify({ query: CONSUME, variables: { input: { accountId: Cluster.globalId(accountId), meter: 'AI_CREDITS', amount: 1, idempotencyKey } } });
}

type Consumed = { consumeCredits: { __typename: string; balances?: { meter: string; used: number }[]; code?: string; message?: string } };

/** One `consumeCredits` of 1 credit over HTTP; answers the meter's `used` after it. */
export async function consumeOnce(cluster: Cluster, url: string, token: string, accountId: string, key: string): Promise<number> {
  const data = await cluster.graphql<Consumed>(url, token, CONSUME, JSON.parse(consumeBody(accountId, key)).variables);
  const result = data.consumeCredits;
  if (result.__typename !== 'ConsumeCreditsSuccess') throw new Error(`consumeCredits answered ${result.__typename}: ${result.code} ${result.message}`);
  return result.balances!.find((balance) => balance.meter === 'AI_CREDITS')!.used;
}

async function usedOf(cluster: Cluster, url: string, token: string): Promise<number> {
  const data = await cluster.graphql<{ viewer: { account: { balances: { meter: string; used: number }[] } } }>(url, token, BALANCES);
  return data.viewer.account.balances.find((balance) => balance.meter === 'AI_CREDITS')!.used;
}

/**
 * Waits until the servers answer a trivial request quickly again: when autocannon stops, the
 * requests it had in flight are still being worked on, and the next run must not inherit them.
 */
async function settle(cluster: Cluster): Promise<void> {
  const token = await cluster.serviceToken();
  const deadline = now() + 30_000;
  for (const url of cluster.graphqlUrls) {
    for (;;) {
      const started = now();
      await cluster.graphql(url, token, '{ __typename }');
      if (now() - started < 20 || now() > deadline) break;
      await sleep(50);
    }
  }
}

/** A warm-up run (unless the same requests ran already), then the measured run, each followed by `settle`. */
async function autocannon(cluster: Cluster, scale: Scale, plan: Omit<LoadPlan, 'connections' | 'durationSec'>, what: string, warm = true): Promise<LoadReport & { warmupOk: number }> {
  const load = await cluster.load();
  log(`${what}: ${warm ? `${scale.httpWarmupSec} s of warm-up, ` : ''}${scale.httpSec} s measured, ${scale.httpConnections} connections`);
  let warmupOk = 0;
  if (warm) {
    warmupOk = (await load.call('run', { ...plan, connections: scale.httpConnections, durationSec: scale.httpWarmupSec })).ok;
    await settle(cluster);
  }
  const result = await load.call('run', { ...plan, connections: scale.httpConnections, durationSec: scale.httpSec });
  await settle(cluster);
  return { ...result, warmupOk };
}

const problems = (result: LoadReport) =>
  result.non2xx + result.errors + result.timeouts > 0 ? ` (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)` : '';

/** Bare yoga processes, as many as there are servers under test (started early: see bench.ts). */
export function startBareYoga(instances: number): Promise<Child<Record<string, never>, BareYogaReady>[]> {
  return Promise.all(Array.from({ length: instances }, (_, index) => startChild<Record<string, never>, BareYogaReady>(`bare yoga ${index + 1}`, 'bare-yoga.ts', { env: { ...process.env, NODE_ENV: 'production' } })));
}

export async function mutationVsYoga(cluster: Cluster, scale: Scale, report: Report, yogaServers: Promise<Child<Record<string, never>, BareYogaReady>[]>): Promise<void> {
  // The baseline first, in as many processes as there are servers, then stopped to free the cores.
  const yogas = await yogaServers;
  const load = await cluster.load();
  const yogaPlan = { urls: yogas.map((child) => child.ready.graphqlUrl), body: BARE_MUTATION, headers: {}, connections: scale.httpConnections };
  log(`bare yoga: ${scale.httpWarmupSec} s of warm-up, ${scale.httpSec} s measured`);
  await load.call('run', { ...yogaPlan, durationSec: scale.httpWarmupSec });
  const yoga = await load.call('run', { ...yogaPlan, durationSec: scale.httpSec });
  await Promise.all(yogas.map((child) => child.stop()));

  const user = cluster.name('hot-http');
  const accountId = `user:${user}`;
  const [userToken, service] = await Promise.all([cluster.token({ sub: user }), cluster.serviceToken()]);
  await cluster.provision([userToken]);
  await cluster.servers[0]!.call('grant', { accountId, amount: 100_000_000, key: cluster.name('hot-http-grant') });
  const url = cluster.graphqlUrls[0]!;
  const before = await usedOf(cluster, url, userToken);
  await consumeOnce(cluster, url, service, accountId, cluster.name('hot-http-first'));
  const body = consumeBody(accountId, `${cluster.name('hot')}-[<id>]`);
  const mutation = await autocannon(cluster, scale, { urls: cluster.graphqlUrls, body, headers: { authorization: `Bearer ${service}` } }, 'consumeCredits');
  // Exactly once: each run's 2xx answers charged 1 credit each; requests cut off at the end of a run may have charged too.
  const charged = (await usedOf(cluster, url, userToken)) - before - 1;
  const answered = mutation.warmupOk + mutation.ok;
  if (charged < answered || charged > answered + 2 * scale.httpConnections) {
    report.note(`consumeCredits: ${answered} requests were answered 2xx, but ${charged} credits were charged (a 2xx may carry errors)`);
  }

  report.set('mutationReqPerSec', mutation.reqPerSec);
  report.set('yogaReqPerSec', yoga.reqPerSec);
  report.set('mutationVsYoga', ratio(mutation.reqPerSec, yoga.reqPerSec));
  report.set('mutationP99Ms', mutation.p99Ms);
  report.set('yogaP99Ms', yoga.p99Ms);
  const vs = ratio(mutation.reqPerSec, yoga.reqPerSec);
  report.row({
    figure: `consumeCredits, 1 hot account, ${scale.httpConnections} connections`,
    value: `${show(mutation.reqPerSec)} req/s, p99 ${show(mutation.p99Ms)} ms${problems(mutation)}`,
    baseline: `bare yoga ${show(yoga.reqPerSec)} req/s, p99 ${show(yoga.p99Ms)} ms${problems(yoga)}`,
    target: `${show(vs)} × (≥ 0.5)`,
    met: vs >= 0.5,
  });
}

export async function history(cluster: Cluster, scale: Scale, report: Report): Promise<void> {
  const user = cluster.name('history');
  const accountId = `user:${user}`;
  const token = await cluster.token({ sub: user });
  await cluster.provision([token]);
  await cluster.servers[0]!.call('grant', { accountId, amount: 10_000_000, key: cluster.name('history-grant') });
  const reads = { urls: cluster.graphqlUrls, body: JSON.stringify({ query: BALANCES }), headers: { authorization: `Bearer ${token}` } };
  const probe = await cluster.probe();

  const before = await autocannon(cluster, scale, reads, 'balance reads before the writes');
  let written = 0;
  /** Keyed debits on the account until `total` writes, 200 callers at a time over the servers. */
  const writeUntil = async (total: number) => {
    const count = total - written;
    if (count <= 0) return;
    log(`${count} keyed writes on the account (${written} before)`);
    const share = Math.ceil(count / cluster.servers.length);
    const reports = await Promise.all(
      cluster.servers.map((server, index) =>
        server.call('debit', { accounts: [accountId], keyPrefix: cluster.name(`history-${written}-${index}-`), concurrency: Math.ceil(200 / cluster.servers.length), count: Math.min(share, count - index * share) }),
      ),
    );
    for (const result of reports) if (result.failed > 0) throw new Error(`history writes failed: ${result.firstError}`);
    written = total;
  };
  /** Sequential debits (a batch of 1 each) on the probe, counting what its driver sends. */
  const bytesPerDebit = async (): Promise<CommandCount & { perDebit: number }> => {
    log(`${scale.bytesSampleDebits} sequential debits on the probe server after ${written} writes, counting commands`);
    await probe.call('startCounting');
    const result = await probe.call('debit', { accounts: [accountId], keyPrefix: cluster.name(`bytes-${written}-`), concurrency: 1, count: scale.bytesSampleDebits });
    const counted = await probe.call('stopCounting');
    if (result.failed > 0) throw new Error(`probe debits failed: ${result.firstError}`);
    written += scale.bytesSampleDebits;
    return { ...counted, perDebit: counted.bytes / scale.bytesSampleDebits };
  };

  const [early, late] = scale.bytesAtWrites;
  await writeUntil(early);
  const bytesEarly = await bytesPerDebit();
  await writeUntil(late);
  const bytesLate = await bytesPerDebit();
  await writeUntil(scale.keyedWrites);
  const documentBytes = await cluster.servers[0]!.call('documentBytes', { accountId });
  // No warm-up: the same reads warmed the servers before the writes.
  const after = await autocannon(cluster, scale, reads, `balance reads after ${written} writes`, false);

  const readsVs = ratio(after.reqPerSec, before.reqPerSec);
  report.set('readsBeforePerSec', before.reqPerSec);
  report.set('readsAfterPerSec', after.reqPerSec);
  report.set('balanceReadsAfterWrites', after.reqPerSec);
  report.set('readsAfterVsBefore', readsVs);
  report.set('keyedWrites', written);
  report.set('accountDocumentBytes', documentBytes);
  report.set('bytesWrittenPerDebit', Math.max(bytesEarly.perDebit, bytesLate.perDebit));
  report.set(`bytesWrittenPerDebitAt${early}`, bytesEarly.perDebit);
  report.set(`bytesWrittenPerDebitAt${late}`, bytesLate.perDebit);
  report.set('commandsPerDebit', bytesLate.commands / scale.bytesSampleDebits);
  report.row({
    figure: `viewer.account.balances reads after ${show(written)} keyed writes`,
    value: `${show(after.reqPerSec)} req/s, p99 ${show(after.p99Ms)} ms${problems(after)}`,
    baseline: `before the writes: ${show(before.reqPerSec)} req/s, p99 ${show(before.p99Ms)} ms`,
    target: `${show(readsVs)} × (≥ 0.8)`,
    met: readsVs >= 0.8,
  });
  report.row({
    figure: `account document after ${show(written)} keyed writes`,
    value: `${show(documentBytes)} bytes`,
    baseline: '—',
    target: `≤ 16,384 bytes`,
    met: documentBytes <= 16_384,
  });
  const perName = (counted: CommandCount) =>
    Object.entries(counted.byName)
      .map(([name, count]) => `${name} ${show(count / scale.bytesSampleDebits)}`)
      .join(', ');
  report.row({
    figure: `bytes the driver sends per debit (batch of 1), after ${show(late)} writes`,
    value: `${show(bytesLate.perDebit)} bytes in ${show(bytesLate.commands / scale.bytesSampleDebits)} commands (${perName(bytesLate)})`,
    baseline: `after ${show(early)} writes: ${show(bytesEarly.perDebit)} bytes in ${show(bytesEarly.commands / scale.bytesSampleDebits)} commands`,
    target: '≤ 2,048 bytes at both',
    met: Math.max(bytesEarly.perDebit, bytesLate.perDebit) <= 2_048,
  });
  if (scale.keyedWrites < 3_000) report.note(`--quick: ${show(written)} keyed writes instead of 3,000 (bytes per debit at ${early} and ${late} prior writes)`);
}
