/**
 * The performance benchmark of issue 11 (not part of `npm test`):
 *
 *   npm run bench                     # the full run, within 10 minutes
 *   npm run bench -- --quick          # scaled down, within 60 seconds
 *   npm run bench -- --instances 2    # two server processes on one database, Redis between them
 *   npm run bench -- --only store,pool --profile /tmp/prof   # some workloads; --cpu-prof the servers
 *
 * It starts everything itself on 127.0.0.1: the standalone embedded database
 * (scripts/db-embedded.ts), the server under test in production mode (scripts/bench/server.ts, one
 * process per instance), the baselines (bare graphql-yoga, a raw `ws` broadcaster) and the load
 * generators (autocannon, our WebSocket client), each in a process of its own, and stops them all
 * when it ends, fails or is interrupted. It prints a table (figure, baseline of the same run,
 * target) and, as its last line, `BENCH {json}`. docs/performance.md says what each figure means.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseScriptArguments } from './bench/arguments.js';
import { killAll, runScript, stopAll } from './bench/children.js';
import { Cluster } from './bench/cluster.js';
import { errorMessage, log, now } from './bench/measure.js';
import { Report } from './bench/report.js';
import { FULL, QUICK } from './bench/scale.js';
import { Subscribers } from './bench/subscribers.js';
import { dashboardRoundTrips } from './bench/workloads/dashboard.js';
import { history, mutationVsYoga, startBareYoga } from './bench/workloads/http.js';
import { fanout, onePool, singleSubscriber, startRawServers, type Live } from './bench/workloads/live.js';
import { storeDebitRates } from './bench/workloads/store.js';

const WORKLOADS = ['mutation', 'history', 'store', 'dashboard', 'single', 'pool', 'fanout'] as const;
type Workload = (typeof WORKLOADS)[number];

const USAGE = `usage: npm run bench -- [--quick] [--instances N] [--only ${WORKLOADS.join(',')}] [--profile DIR] [--redis URL]`;

function options() {
  const values = parseScriptArguments(USAGE, {
    quick: { type: 'boolean', default: false },
    instances: { type: 'string', default: '1' },
    only: { type: 'string' },
    profile: { type: 'string' },
  });
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 8) throw new Error(`--instances must be 1 to 8, got '${values.instances}'`);
  const only = values.only?.split(',').map((name) => name.trim());
  for (const name of only ?? []) if (!(WORKLOADS as readonly string[]).includes(name)) throw new Error(`--only: no workload '${name}' (${WORKLOADS.join(', ')})`);
  return { quick: values.quick, instances, redisUrl: values.redis, profileDir: values.profile, only: new Set<Workload>((only as Workload[] | undefined) ?? WORKLOADS) };
}

async function main(): Promise<number> {
  let chosen;
  try {
    chosen = options();
  } catch (error) {
    console.error(`bench: ${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  const scale = chosen.quick ? QUICK : FULL;
  const report = new Report();
  const started = now();

  // Bounded: whatever happens, the run ends (with what it measured so far).
  const budgetMs = chosen.quick ? 120_000 : 15 * 60_000;
  let finished = false;
  const print = () => {
    if (finished) return;
    finished = true;
    report.set('quick', chosen.quick);
    report.set('instances', chosen.instances);
    report.set('seconds', (now() - started) / 1000);
    report.set('date', new Date().toISOString());
    report.set('cores', availableParallelism());
    report.set('node', process.version);
    console.log(`creditstream benchmark${chosen.quick ? ' (--quick: scaled down, see the notes)' : ''}, ${new Date().toISOString()}`);
    console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}; ${chosen.instances} server process(es), production mode, standalone embedded database on loopback`);
    console.log('');
    console.log(report.table());
    if (report.notes.length > 0) console.log(`\nnotes:\n${report.notes.map((text) => `- ${text}`).join('\n')}`);
    console.log('');
    console.log(report.benchLine());
  };
  const timer = setTimeout(() => {
    report.note(`the run was stopped after ${budgetMs / 1000} s: figures not listed were not measured`);
    print();
    killAll();
    process.exit(1);
  }, budgetMs);
  timer.unref();

  let failed = false;
  log(`starting the database, ${chosen.instances} server process(es), the baselines and the load generators`);
  const needsLive = ['single', 'pool', 'fanout'].some((name) => chosen.only.has(name as Workload));
  const clientCount = !needsLive ? 0 : chosen.only.has('fanout') && scale.fanoutSubscribers > 5_000 ? 2 : 1;
  const yogas = chosen.only.has('mutation') ? startBareYoga(chosen.instances) : Promise.resolve([]);
  const [cluster, raws] = await Promise.all([
    Cluster.start(chosen, { probe: chosen.only.has('history') || chosen.only.has('dashboard'), clients: clientCount }),
    needsLive ? startRawServers(chosen) : Promise.resolve([]),
    yogas,
  ]);
  try {
    const clients = await cluster.clients(clientCount);
    const live: Live = { cluster, scale, report, raws };
    const one = new Subscribers(clients.slice(0, 1));
    const steps: Record<Workload, () => Promise<void>> = {
      mutation: () => mutationVsYoga(cluster, scale, report, yogas),
      history: () => history(cluster, scale, report),
      store: () => storeDebitRates(cluster, scale, report),
      dashboard: () => dashboardRoundTrips(cluster, scale, report),
      single: () => singleSubscriber(live, one),
      pool: () => onePool(live, one),
      fanout: () => fanout(live, new Subscribers(clients)),
    };
    for (const name of WORKLOADS) {
      if (!chosen.only.has(name)) continue;
      if (name === 'single') await cluster.stopProbe();
      // Each workload starts on an empty database (see clearData in bench/server.ts).
      await cluster.servers[0]!.call('clearData');
      log(name);
      try {
        await steps[name]();
      } catch (error) {
        failed = true;
        report.note(`the ${name} workload failed: ${errorMessage(error).split('\n').slice(0, 6).join(' | ')}`);
        log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    log('stopping');
  } finally {
    await cluster.stop().catch(() => stopAll());
    await stopAll();
  }
  clearTimeout(timer);
  print();
  return failed ? 1 : 0;
}

runScript('bench', main);
