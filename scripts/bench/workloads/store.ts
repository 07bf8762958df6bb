/**
 * Store-level debits, inside the server processes (no HTTP, no GraphQL): `store.execute` DEBIT
 * of 1 credit with a fresh idempotency key, 200 concurrent callers spread over the servers, on
 * one hot account and over many cold ones, against the naive baseline on the same database: one
 * conditional `findOneAndUpdate` with `$inc` per debit.
 */
import type { Cluster } from '../cluster.js';
import { log } from '../measure.js';
import { ratio, show, type Report } from '../report.js';
import type { Scale } from '../scale.js';
import type { DebitPlan, DebitReport } from '../server.js';

type Run = { perSec: number; done: number; failed: number; firstError: string | null };

function combine(reports: readonly DebitReport[]): Run {
  const done = reports.reduce((sum, report) => sum + report.done, 0);
  const failed = reports.reduce((sum, report) => sum + report.failed, 0);
  const elapsedMs = Math.max(...reports.map((report) => report.elapsedMs));
  return { perSec: (done / elapsedMs) * 1_000, done, failed, firstError: reports.find((report) => report.firstError)?.firstError ?? null };
}

/** Every server runs its share of the callers, on its share of the accounts (all of them for one account). */
async function storeDebits(cluster: Cluster, scale: Scale, accounts: readonly string[], label: string, durationMs: number): Promise<Run> {
  const servers = cluster.servers;
  const plans = servers.map(
    (_, index): DebitPlan => ({
      accounts: accounts.length === 1 ? accounts : accounts.filter((_, position) => position % servers.length === index),
      keyPrefix: cluster.name(`${label}-${index}-`),
      concurrency: Math.ceil(scale.storeCallers / servers.length),
      durationMs,
    }),
  );
  return combine(await Promise.all(servers.map((server, index) => server.call('debit', plans[index]!))));
}

async function naiveDebits(cluster: Cluster, scale: Scale, durationMs: number): Promise<Run> {
  const documentId = cluster.name('naive');
  const concurrency = Math.ceil(scale.storeCallers / cluster.servers.length);
  return combine(await Promise.all(cluster.servers.map((server) => server.call('naiveDebit', { concurrency, durationMs, documentId }))));
}

const failures = (run: Run) => (run.failed > 0 ? ` (${show(run.failed)} failed: ${run.firstError})` : '');

export async function storeDebitRates(cluster: Cluster, scale: Scale, report: Report): Promise<void> {
  log(`naive baseline, then 1 hot account: ${scale.storeCallers} callers, ${scale.storeMs / 1000} s each`);
  await naiveDebits(cluster, scale, scale.storeWarmupMs);
  const naive = await naiveDebits(cluster, scale, scale.storeMs);

  const hotAccount = `user:${cluster.name('hot-store')}`;
  await cluster.openAccounts([hotAccount]);
  await cluster.servers[0]!.call('grant', { accountId: hotAccount, amount: 100_000_000, key: cluster.name('hot-store-grant') });
  await storeDebits(cluster, scale, [hotAccount], 'hot-warmup', scale.storeWarmupMs);
  const hot = await storeDebits(cluster, scale, [hotAccount], 'hot', scale.storeMs);

  const coldAccounts = Array.from({ length: scale.coldAccounts }, (_, index) => `user:${cluster.name(`cold-${index}`)}`);
  log(`opening ${coldAccounts.length} cold accounts`);
  await cluster.openAccounts(coldAccounts);
  log(`cold debits over ${coldAccounts.length} accounts`);
  const cold = await storeDebits(cluster, scale, coldAccounts, 'cold', scale.storeMs);

  const hotVs = ratio(hot.perSec, naive.perSec);
  const coldVs = ratio(cold.perSec, naive.perSec);
  report.set('hotDebitsPerSec', hot.perSec);
  report.set('naiveDebitsPerSec', naive.perSec);
  report.set('hotVsNaive', hotVs);
  report.set('coldDebitsPerSec', cold.perSec);
  report.set('coldVsNaive', coldVs);
  report.set('coldAccounts', scale.coldAccounts);
  const baseline = `naive findOneAndUpdate $inc: ${show(naive.perSec)}/s${failures(naive)}`;
  report.row({
    figure: `store debits, 1 hot account, ${scale.storeCallers} callers`,
    value: `${show(hot.perSec)}/s${failures(hot)}`,
    baseline,
    target: `${show(hotVs)} × (≥ 3)`,
    met: hotVs >= 3,
  });
  report.row({
    figure: `store debits over ${show(scale.coldAccounts)} cold accounts, ${scale.storeCallers} callers`,
    value: `${show(cold.perSec)}/s (${show(cold.done)} debits)${failures(cold)}`,
    baseline,
    target: `${show(coldVs)} × (≥ 0.8)`,
    met: coldVs >= 0.8,
  });
  if (scale.coldAccounts < 10_000) report.note(`--quick: cold debits over ${show(scale.coldAccounts)} accounts instead of 10,000`);
}
