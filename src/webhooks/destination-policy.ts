import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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

const ranges: readonly (readonly [DestinationRefusal, 'ipv4' | 'ipv6', string, number])[] = [
  ['UNSPECIFIED', 'ipv4', '0.0.0.0', 8],
  ['UNSPECIFIED', 'ipv6', '::', 128],
  ['LOOPBACK', 'ipv4', '127.0.0.0', 8],
  ['LOOPBACK', 'ipv6', '::1', 128],
  ['PRIVATE', 'ipv4', '10.0.0.0', 8],
  ['PRIVATE', 'ipv4', '172.16.0.0', 12],
  ['PRIVATE', 'ipv4', '192.168.0.0', 16],
  ['PRIVATE', 'ipv4', '100.64.0.0', 10],
  ['PRIVATE', 'ipv6', 'fc00::', 7],
  // 169.254.169.254 is where clouds serve instance credentials.
  ['LINK_LOCAL', 'ipv4', '169.254.0.0', 16],
  ['LINK_LOCAL', 'ipv6', 'fe80::', 10],
  ['MULTICAST', 'ipv4', '224.0.0.0', 4],
  ['MULTICAST', 'ipv6', 'ff00::', 8],
  ['RESERVED', 'ipv4', '240.0.0.0', 4],
  // IETF protocol assignments and the benchmarking network: never a receiver on the internet.
  ['RESERVED', 'ipv4', '192.0.0.0', 24],
  ['RESERVED', 'ipv4', '198.18.0.0', 15],
  // Deprecated site-local addresses, still routed inside some networks.
  ['PRIVATE', 'ipv6', 'fec0::', 10],
];

const blockLists = new Map<DestinationRefusal, BlockList>();
for (const [reason, family, network, prefix] of ranges) {
  const list = blockLists.get(reason) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  blockLists.set(reason, list);
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const read = (part: string | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const [head, tail] = text.split('::');
  const before = read(head);
  const after = text.includes('::') ? read(tail) : [];
  const groups = text.includes('::') ? [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after] : before;
  return groups.length === 8 ? groups : undefined;
}

/**
 * The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) — each a way to
 * spell 127.0.0.1 or 169.254.169.254 that a list of IPv6 ranges alone would let through.
 */
function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const ipv4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(5) && g5 === 0xffff) return ipv4(g6, g7);
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
  if (zeroUpTo(6) && (g6 !== 0 || g7 > 1)) return ipv4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4(g6, g7);
  if (g0 === 0x2002) return ipv4(g1, g2);
  return undefined;
}

/** Why an IP address is no place to send webhooks to, or `undefined` when it is a public one. */
export function refusedAddress(address: string): DestinationRefusal | undefined {
  const carried = embeddedIpv4(address);
  const candidates: [string, 'ipv4' | 'ipv6'][] = [[address, isIP(address) === 4 ? 'ipv4' : 'ipv6']];
  if (carried) candidates.unshift([carried, 'ipv4']);
  for (const [ip, family] of candidates) {
    for (const [reason, list] of blockLists) {
      if (list.check(ip, family)) return reason;
    }
  }
  return undefined;
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
