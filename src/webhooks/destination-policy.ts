import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Long enough for any real receiver's URL, short enough that a stored endpoint stays small. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlProblem = 'NOT_A_URL' | 'UNSUPPORTED_SCHEME' | 'CREDENTIALS_IN_URL' | 'TOO_LONG';

export type DestinationRefusal = 'LOOPBACK' | 'PRIVATE' | 'LINK_LOCAL' | 'UNSPECIFIED' | 'MULTICAST' | 'RESERVED' | 'UNRESOLVABLE';

export type ParsedUrl = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly problem: UrlProblem };

/** An http(s) URL without user or password (a secret would be stored and shown in lists), of bounded length. */
export function parseWebhookUrl(text: string): ParsedUrl {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, problem: 'TOO_LONG' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'NOT_A_URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'UNSUPPORTED_SCHEME' };
  if (url.username !== '' || url.password !== '') return { ok: false, problem: 'CREDENTIALS_IN_URL' };
  return { ok: true, url };
}

/** The refusal for each of ipaddr.js's special ranges; any other one (documentation, benchmarking, a relay's anycast, …) is `RESERVED`. */
const rangeRefusals = new Map<string, DestinationRefusal>([
  ['unspecified', 'UNSPECIFIED'],
  ['loopback', 'LOOPBACK'],
  ['private', 'PRIVATE'],
  ['carrierGradeNat', 'PRIVATE'],
  ['uniqueLocal', 'PRIVATE'],
  // Deprecated site-local addresses, still routed inside some networks.
  ['deprecatedSiteLocal', 'PRIVATE'],
  // 169.254.169.254 is where clouds serve instance credentials.
  ['linkLocal', 'LINK_LOCAL'],
  ['multicast', 'MULTICAST'],
]);

const rangeRefusal = (range: string): DestinationRefusal => rangeRefusals.get(range) ?? 'RESERVED';

const cidr = (text: string) => ipaddr.IPv6.parseCIDR(text);

/** The only IPv6 space allocated for global unicast (RFC 4291 §2.4); ipaddr.js calls everything outside its special ranges `unicast`, `4000::1` too. */
const globalUnicast = cidr('2000::/3');

const ipv4From = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
const lastIpv4 = (parts: readonly number[]) => ipv4From(parts[6]!, parts[7]!);

/**
 * IPv6 forms that carry an IPv4 address — each a way to spell 127.0.0.1 or 169.254.169.254 that
 * the IPv6 ranges alone would let through. One whose carried IPv4 address is refused is refused for
 * the same reason. Otherwise only the forms that reach that IPv4 address itself are accepted:
 * IPv4-mapped (a dual-stack socket connects to the IPv4 address), IPv4-translated (RFC 6145) and
 * NAT64 at the well-known prefix (RFC 6052, which DNS64 answers IPv6-only networks with).
 * The others are refused outright, as `RESERVED`: IPv4-compatible addresses are deprecated
 * (RFC 4291 §2.5.5.1); 6to4 (RFC 3056, its relays deprecated by RFC 7526) and Teredo (RFC 4380)
 * are tunnels through relays no receiver is served by, whose far end a local relay or router may
 * place on the internal network; and a local-use NAT64 prefix (RFC 8215) belongs to a translator
 * on the operator's own network, where the IPv4 address sits depends on that operator's prefix
 * length (RFC 6052 §2.2), so it is not read at all.
 */
const carriers: readonly { readonly network: [ipaddr.IPv6, number]; readonly ipv4?: (parts: readonly number[]) => ipaddr.IPv4; readonly reachesIpv4: boolean }[] = [
  { network: cidr('::ffff:0:0/96'), ipv4: lastIpv4, reachesIpv4: true },
  { network: cidr('::ffff:0:0:0/96'), ipv4: lastIpv4, reachesIpv4: true },
  { network: cidr('64:ff9b::/96'), ipv4: lastIpv4, reachesIpv4: true },
  { network: cidr('::/96'), ipv4: lastIpv4, reachesIpv4: false },
  { network: cidr('2002::/16'), ipv4: (parts) => ipv4From(parts[1]!, parts[2]!), reachesIpv4: false },
  // A Teredo client's IPv4 address is the last 32 bits inverted.
  { network: cidr('2001::/32'), ipv4: (parts) => ipv4From(~parts[6]! & 0xffff, ~parts[7]! & 0xffff), reachesIpv4: false },
  { network: cidr('64:ff9b:1::/48'), reachesIpv4: false },
];

function refusedIpv6(address: ipaddr.IPv6): DestinationRefusal | undefined {
  const range: string = address.range();
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
  const carrier = range === 'unspecified' || range === 'loopback' ? undefined : carriers.find(({ network }) => address.match(network));
  if (carrier) {
    const carried = carrier.ipv4?.(address.parts);
    return (carried && refusedIpv4(carried)) ?? (carrier.reachesIpv4 ? undefined : 'RESERVED');
  }
  return range === 'unicast' && address.match(globalUnicast) ? undefined : rangeRefusal(range);
}

function refusedIpv4(address: ipaddr.IPv4): DestinationRefusal | undefined {
  const range: string = address.range();
  return range === 'unicast' ? undefined : rangeRefusal(range);
}

/**
 * Why an IP address is no place to send webhooks to, or `undefined` when it is a global unicast
 * one: an allow-list — whatever ipaddr.js does not class as plain unicast is refused, and so is
 * what is not even an address.
 */
export function refusedAddress(address: string): DestinationRefusal | undefined {
  // A zone (`fe80::1%eth0`) only scopes the address, and ipaddr.js reads few of the zones Node takes.
  const unzoned = address.replace(/%.*$/, '');
  if (isIP(address) === 0 || !ipaddr.isValid(unzoned)) return 'RESERVED';
  const parsed = ipaddr.parse(unzoned);
  return parsed instanceof ipaddr.IPv4 ? refusedIpv4(parsed) : refusedIpv6(parsed);
}

export type Lookup = (hostname: string) => Promise<readonly { readonly address: string }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true });

export type DestinationCheck = { readonly ok: true } | { readonly ok: false; readonly reason: DestinationRefusal };

export type ResolvedDestination = { readonly ok: true; readonly addresses: readonly string[] } | { readonly ok: false; readonly reason: DestinationRefusal };

/**
 * The addresses `url`'s host is (a literal address) or resolves to, refused unless every one is
 * public, since a request may go to any of them; `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) lets an
 * operator send to the internal network. `refused` is the rule for one address (`refusedAddress`;
 * tests of delivery allow one loopback address with it).
 */
export async function resolveDestination(
  url: URL,
  options: { readonly allowPrivate: boolean; readonly lookup?: Lookup; readonly refused?: (address: string) => DestinationRefusal | undefined },
): Promise<ResolvedDestination> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: readonly string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await (options.lookup ?? systemLookup)(host)).map((entry) => entry.address);
    } catch {
      return { ok: false, reason: 'UNRESOLVABLE' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'UNRESOLVABLE' };
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const reason = (options.refused ?? refusedAddress)(address);
      if (reason) return { ok: false, reason };
    }
  }
  return { ok: true, addresses };
}

/**
 * Whether webhooks may be sent to `url`'s host (see `resolveDestination`); delivery checks again,
 * at each redirect it follows too. With `allowPrivate` nothing is refused, not even a host that does not resolve now.
 */
export async function checkDestination(url: URL, options: { readonly allowPrivate: boolean; readonly lookup?: Lookup }): Promise<DestinationCheck> {
  if (options.allowPrivate) return { ok: true };
  const resolved = await resolveDestination(url, options);
  return resolved.ok ? { ok: true } : resolved;
}
