/**
 * Database round trips of one dashboard query (the `Dashboard` operation of
 * test/graphql/operations/dataloader.graphql: balances, plan, usage per member, members with
 * their usage), for an organization pool with few and with many members, counted by the probe
 * server's command monitoring.
 */
import type { Cluster, Server } from '../cluster.js';
import { show, type Report } from '../report.js';
import type { Scale } from '../scale.js';
import type { CommandCount } from '../server.js';
import { consumeOnce } from './http.js';

const DASHBOARD = /* GraphQL */ `
  query Dashboard {
    viewer {
      account {
        id
        kind
        plan { name tier }
        balances { meter available used resetsAt }
        usageSummary(groupBy: MEMBER) {
          rows(first: 100) { edges { node { member { externalId } meter used } } }
        }
        members(first: 100) {
          edges { node { user { externalId } role usage { meter used cap } } }
        }
      }
    }
  }
`;

type Dashboard = { viewer: { account: { members: { edges: unknown[] }; usageSummary: { rows: { edges: unknown[] } } } } };

/** A pool whose members each spent once, then the admin's dashboard: the commands of the last of a few runs. */
async function countFor(cluster: Cluster, probe: Server, members: number): Promise<CommandCount> {
  const organization = cluster.name(`dash${members}`);
  const users = Array.from({ length: members }, (_, index) => cluster.name(`dash${members}-u${index}`));
  const tokens = await Promise.all(users.map((sub, index) => cluster.token({ sub, org: organization, role: index === 0 ? 'admin' : 'member' })));
  const url = probe.ready.graphqlUrl;
  await cluster.provision(tokens, [url]);
  for (const [index, token] of tokens.entries()) await consumeOnce(cluster, url, token, `org:${organization}`, cluster.name(`dash${members}-${index}`));

  let counted: CommandCount | undefined;
  for (let run = 0; run < 3; run++) {
    // Warm (the admin was provisioned by this process already), so only the query's own reads count.
    await probe.call('startCounting');
    const data = await cluster.graphql<Dashboard>(url, tokens[0]!, DASHBOARD);
    counted = await probe.call('stopCounting');
    const shown = data.viewer.account.members.edges.length;
    if (shown !== members) throw new Error(`the dashboard of ${members} members shows ${shown}`);
  }
  return counted!;
}

export async function dashboardRoundTrips(cluster: Cluster, scale: Scale, report: Report): Promise<void> {
  const probe = await cluster.probe();
  const [few, many] = scale.dashboardMembers;
  const small = await countFor(cluster, probe, few);
  const large = await countFor(cluster, probe, many);
  const names = (counted: CommandCount) =>
    Object.entries(counted.byName)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
  const worst = Math.max(small.commands, large.commands);
  report.set('dashboardRoundTrips', worst);
  report.set(`dashboardRoundTripsAt${few}`, small.commands);
  report.set(`dashboardRoundTripsAt${many}`, large.commands);
  report.row({
    figure: `database commands of one dashboard query, ${many} members`,
    value: `${show(large.commands)} (${names(large)})`,
    baseline: `${few} members: ${show(small.commands)} (${names(small)})`,
    target: '≤ 6, the same for both',
    met: worst <= 6 && small.commands === large.commands,
  });
}
