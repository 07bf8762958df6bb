import { describe, expect, it } from 'vitest';
import { checkDestination, MAX_WEBHOOK_URL_LENGTH, parseWebhookUrl, refusedAddress, type Lookup } from './destination-policy.js';

const resolvesTo =
  (...addresses: string[]): Lookup =>
  async () =>
    addresses.map((address) => ({ address }));

const check = (text: string, lookup: Lookup = resolvesTo('93.184.216.34')) => {
  const parsed = parseWebhookUrl(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return checkDestination(parsed.url, { allowPrivate: false, lookup });
};

describe('parseWebhookUrl', () => {
  it('takes http and https URLs only, without credentials, of bounded length', () => {
    expect(parseWebhookUrl('https://hooks.example.com/in').ok).toBe(true);
    expect(parseWebhookUrl('not a url')).toEqual({ ok: false, problem: 'NOT_A_URL' });
    expect(parseWebhookUrl('ftp://example.com/')).toEqual({ ok: false, problem: 'UNSUPPORTED_SCHEME' });
    expect(parseWebhookUrl('javascript:alert(1)')).toEqual({ ok: false, problem: 'UNSUPPORTED_SCHEME' });
    expect(parseWebhookUrl('https://user:pass@example.com/')).toEqual({ ok: false, problem: 'CREDENTIALS_IN_URL' });
    expect(parseWebhookUrl(`https://example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`)).toEqual({ ok: false, problem: 'TOO_LONG' });
  });
});

describe('refusedAddress', () => {
  it.each([
    ['127.0.0.1', 'LOOPBACK'],
    ['::1', 'LOOPBACK'],
    ['10.0.0.1', 'PRIVATE'],
    ['172.16.5.4', 'PRIVATE'],
    ['192.168.1.1', 'PRIVATE'],
    ['100.64.0.1', 'PRIVATE'],
    ['fd00::1', 'PRIVATE'],
    ['fec0::1', 'PRIVATE'],
    ['169.254.169.254', 'LINK_LOCAL'],
    ['fe80::1', 'LINK_LOCAL'],
    ['fe80::1%eth0.1', 'LINK_LOCAL'],
    ['0.0.0.0', 'UNSPECIFIED'],
    ['::', 'UNSPECIFIED'],
    ['224.0.0.1', 'MULTICAST'],
    ['ff02::1', 'MULTICAST'],
    ['198.18.0.1', 'RESERVED'],
    ['192.0.0.1', 'RESERVED'],
    ['192.0.2.1', 'RESERVED'],
    ['198.51.100.1', 'RESERVED'],
    ['203.0.113.1', 'RESERVED'],
    ['192.88.99.1', 'RESERVED'],
    ['240.0.0.1', 'RESERVED'],
    ['255.255.255.255', 'RESERVED'],
    ['100::1', 'RESERVED'],
    ['2001:db8::1', 'RESERVED'],
    ['3fff::1', 'RESERVED'],
    ['2001:2::1', 'RESERVED'],
    // Outside 2000::/3, the only space allocated for global unicast.
    ['4000::1', 'RESERVED'],
    ['5f00::1', 'RESERVED'],
    // IPv4 carried in IPv6: refused for what the IPv4 address is…
    ['::ffff:127.0.0.1', 'LOOPBACK'],
    ['::ffff:a9fe:a9fe', 'LINK_LOCAL'],
    ['::ffff:0:127.0.0.1', 'LOOPBACK'],
    ['::ffff:0:c000:201', 'RESERVED'],
    ['::7f00:1', 'LOOPBACK'],
    ['::169.254.169.254', 'LINK_LOCAL'],
    ['64:ff9b::7f00:1', 'LOOPBACK'],
    ['64:ff9b::a9fe:a9fe', 'LINK_LOCAL'],
    ['2002:7f00:1::', 'LOOPBACK'],
    ['2002:a00:1::1', 'PRIVATE'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'LOOPBACK'],
    // …and tunnels, IPv4-compatible and local-use NAT64 addresses are refused even for a public one.
    ['2002:5db8:d822::1', 'RESERVED'],
    ['2001::a9fe:a9fe', 'RESERVED'],
    ['::5db8:d822', 'RESERVED'],
    ['64:ff9b:1::7f00:1', 'RESERVED'],
    ['64:ff9b:1::5db8:d822', 'RESERVED'],
    ['not-an-address', 'RESERVED'],
  ])('refuses %s as %s', (address, reason) => {
    expect(refusedAddress(address)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700::1111',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:93.184.216.34',
    '::ffff:0:5db8:d822',
    '64:ff9b::5db8:d822',
  ])('lets the global unicast %s through', (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });
});

describe('checkDestination', () => {
  it('refuses literal addresses, including forms the URL parser normalizes', async () => {
    expect(await check('http://127.0.0.1/')).toEqual({ ok: false, reason: 'LOOPBACK' });
    expect(await check('http://2130706433/')).toEqual({ ok: false, reason: 'LOOPBACK' });
    expect(await check('http://[::ffff:169.254.169.254]/')).toEqual({ ok: false, reason: 'LINK_LOCAL' });
    expect(await check('http://[fe80::1]/')).toEqual({ ok: false, reason: 'LINK_LOCAL' });
  });

  it.each([
    ['http://[::ffff:0:127.0.0.1]/', 'LOOPBACK'],
    ['http://[64:ff9b:1::7f00:1]/', 'RESERVED'],
    ['http://[100::1]/', 'RESERVED'],
    ['http://[2001:db8::1]/', 'RESERVED'],
    ['http://[2001::a9fe:a9fe]/', 'RESERVED'],
    ['http://192.0.2.1/', 'RESERVED'],
    ['http://198.51.100.1/', 'RESERVED'],
    ['http://203.0.113.1/', 'RESERVED'],
    ['http://192.88.99.1/', 'RESERVED'],
  ])('refuses the literal %s as %s', async (url, reason) => {
    expect(await check(url)).toEqual({ ok: false, reason });
  });

  it('refuses a host when any of its addresses is refused, or when it does not resolve', async () => {
    expect(await check('https://hooks.example.com/')).toEqual({ ok: true });
    expect(await check('https://internal.example.com/', resolvesTo('93.184.216.34', '10.1.2.3'))).toEqual({ ok: false, reason: 'PRIVATE' });
    expect(await check('https://nowhere.example.com/', resolvesTo())).toEqual({ ok: false, reason: 'UNRESOLVABLE' });
    const failing: Lookup = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await check('https://nowhere.example.com/', failing)).toEqual({ ok: false, reason: 'UNRESOLVABLE' });
  });

  it('lets everything through when private destinations are allowed', async () => {
    const parsed = parseWebhookUrl('http://127.0.0.1:8080/');
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(await checkDestination(parsed.url, { allowPrivate: true })).toEqual({ ok: true });
  });
});
