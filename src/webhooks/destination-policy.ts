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
];

const blockLists = new Map<DestinationRefusal, BlockList>();
for (const [reason, family, network, prefix] of ranges) {
  const list = blockLists.get(reason) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  blockLists.set(reason, list);
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, or its hex form) stands for. */
function unmapped(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Why an IP address is no place to send webhooks to, or `undefined` when it is a public one. */
export function refusedAddress(address: string): DestinationRefusal | undefined {
  const mapped = unmapped(address);
  const [ip, family] = mapped ? [mapped, 'ipv4' as const] : [address, isIP(address) === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  for (const [reason, list] of blockLists) {
    if (list.check(ip, family)) return reason;
  }
  return undefined;
}

export type Lookup = (hostname: string) => Promise<readonly { readonly address: string }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true });

export type DestinationCheck = { readonly ok: true } | { readonly ok: false; readonly reason: DestinationRefusal };

/**
 * Whether webhooks may be sent to `url`'s host: every address it resolves to must be public, since
 * a request may go to any of them (delivery checks again after each redirect, when it follows any).
 * `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) lets an operator send to the internal network.
 */
export async function checkDestination(url: URL, options: { readonly allowPrivate: boolean; readonly lookup?: Lookup }): Promise<DestinationCheck> {
  if (options.allowPrivate) return { ok: true };
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
  for (const address of addresses) {
    const reason = refusedAddress(address);
    if (reason) return { ok: false, reason };
  }
  return { ok: true };
}
