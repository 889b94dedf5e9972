import { describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { checkWebhookTarget, pinnedLookup, type ResolveHostname } from '../../src/channels/webhooks-out/ssrf-guard.ts';

/*
 * Every resolver here is a table: no test asks a DNS server anything or opens a connection, so no
 * packet goes anywhere, least of all to a private address.
 */
function resolverOf(table: Record<string, string[]>): ResolveHostname & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return Object.assign(resolve, { asked });
}

/** For IP literals: the guard must judge them as they are, without asking anyone. */
const noResolver: ResolveHostname = () => {
  throw new Error('a literal address must not be resolved');
};

const PUBLIC_V4 = '93.184.215.14';
const PUBLIC_V6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';

describe('the webhook target guard', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.10', 'private'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['::127.0.0.1', 'reserved'],
  ])('refuses a name resolving to %s (%s) without the flag', async (address, range) => {
    const resolve = resolverOf({ 'hooks.clinic.example': [address] });
    const result = await checkWebhookTarget('https://hooks.clinic.example/notify', { allowPrivate: false, resolve });
    expect(result).toEqual({ ok: false, error: { reason: 'address-not-allowed', hostname: 'hooks.clinic.example', address, range } });
  });

  it.each([
    ['https://10.0.0.1/notify', '10.0.0.1', 'private'],
    ['https://127.0.0.1:8443/notify', '127.0.0.1', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
    ['https://[::1]/notify', '::1', 'loopback'],
    ['https://[::ffff:127.0.0.1]/notify', '::ffff:7f00:1', 'loopback'],
    ['https://0x7f.1/notify', '127.0.0.1', 'loopback'],
    ['https://2130706433/notify', '127.0.0.1', 'loopback'],
    ['https://0.0.0.0/notify', '0.0.0.0', 'unspecified'],
  ])('judges the literal host of %s as it is, asking no resolver', async (url, address, range) => {
    const result = await checkWebhookTarget(url, { allowPrivate: false, resolve: noResolver });
    expect(result).toMatchObject({ ok: false, error: { reason: 'address-not-allowed', address, range } });
  });

  it('accepts a name resolving to a public address, and returns that address to connect to', async () => {
    const resolve = resolverOf({ 'hooks.clinic.example': [PUBLIC_V4] });
    const result = await checkWebhookTarget('https://hooks.clinic.example/notify?v=2', { allowPrivate: false, resolve });
    expect(result).toMatchObject({ ok: true, value: { hostname: 'hooks.clinic.example', address: PUBLIC_V4, family: 4, port: 443 } });
    expect(result.ok && result.value.url.href).toBe('https://hooks.clinic.example/notify?v=2');
    expect(resolve.asked).toEqual(['hooks.clinic.example']);
  });

  it('accepts a public IPv6 address and an IPv4-mapped public one', async () => {
    const resolve = resolverOf({ 'v6.clinic.example': [PUBLIC_V6, `::ffff:${PUBLIC_V4}`] });
    const result = await checkWebhookTarget('https://v6.clinic.example:8443/', { allowPrivate: false, resolve });
    expect(result).toMatchObject({ ok: true, value: { address: PUBLIC_V6, family: 6, port: 8443 } });
  });

  it('refuses a name resolving to one public and one private address, whichever comes first', async () => {
    for (const addresses of [[PUBLIC_V4, '10.0.0.1'], ['10.0.0.1', PUBLIC_V4], [PUBLIC_V6, 'fd00::5']]) {
      const resolve = resolverOf({ 'rebind.example': addresses });
      const result = await checkWebhookTarget('https://rebind.example/', { allowPrivate: false, resolve });
      expect(result).toMatchObject({ ok: false, error: { reason: 'address-not-allowed', address: addresses.find((a) => a !== PUBLIC_V4 && a !== PUBLIC_V6) } });
    }
  });

  it('refuses http without the flag, before resolving anything', async () => {
    const resolve = resolverOf({ 'hooks.clinic.example': [PUBLIC_V4] });
    const result = await checkWebhookTarget('http://hooks.clinic.example/notify', { allowPrivate: false, resolve });
    expect(result).toEqual({ ok: false, error: { reason: 'scheme-not-allowed', scheme: 'http' } });
    expect(resolve.asked).toEqual([]);
  });

  it.each(['ftp://hooks.clinic.example/', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/', 'ws://hooks.clinic.example/'])(
    'refuses the scheme of %s even with the flag',
    async (url) => {
      const result = await checkWebhookTarget(url, { allowPrivate: true, resolve: noResolver });
      expect(result).toMatchObject({ ok: false, error: { reason: 'scheme-not-allowed' } });
    },
  );

  it.each(['https://user:secret@hooks.clinic.example/', 'https://user@hooks.clinic.example/', 'https://:secret@hooks.clinic.example/'])(
    'refuses credentials in the URL (%s), with or without the flag',
    async (url) => {
      for (const allowPrivate of [false, true]) {
        const result = await checkWebhookTarget(url, { allowPrivate, resolve: noResolver });
        expect(result).toEqual({ ok: false, error: { reason: 'credentials-in-url' } });
      }
    },
  );

  it('refuses what is not a URL', async () => {
    expect(await checkWebhookTarget('hooks.clinic.example/notify', { allowPrivate: false, resolve: noResolver })).toEqual({
      ok: false,
      error: { reason: 'invalid-url' },
    });
  });

  it('refuses a name that does not resolve, keeping the resolver error code', async () => {
    const result = await checkWebhookTarget('https://typo.clinic.example/', { allowPrivate: false, resolve: resolverOf({}) });
    expect(result).toEqual({ ok: false, error: { reason: 'unresolvable', hostname: 'typo.clinic.example', code: 'ENOTFOUND' } });
  });

  it('refuses a name that resolves to nothing, or to something that is not an address', async () => {
    for (const addresses of [[], ['not-an-address']]) {
      const resolve = resolverOf({ 'odd.example': addresses });
      expect(await checkWebhookTarget('https://odd.example/', { allowPrivate: false, resolve })).toEqual({
        ok: false,
        error: { reason: 'unresolvable', hostname: 'odd.example' },
      });
    }
  });
});

describe('the webhook target guard with WEBHOOK_ALLOW_PRIVATE', () => {
  it('accepts an http receiver on 127.0.0.1, as the tests run one', async () => {
    const result = await checkWebhookTarget('http://127.0.0.1:39123/hook', { allowPrivate: true, resolve: noResolver });
    expect(result).toMatchObject({ ok: true, value: { address: '127.0.0.1', family: 4, port: 39123 } });
  });

  it.each(['10.0.0.1', '169.254.169.254', '100.64.0.1', 'fc00::1', 'fe80::1', '::1', '::ffff:127.0.0.1'])(
    'accepts a name resolving to %s',
    async (address) => {
      const resolve = resolverOf({ 'receiver.internal': [address] });
      expect((await checkWebhookTarget('http://receiver.internal/hook', { allowPrivate: true, resolve })).ok).toBe(true);
    },
  );

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'],
  ])('still refuses %s, which never holds a receiver', async (address, range) => {
    const resolve = resolverOf({ 'receiver.internal': [address] });
    const result = await checkWebhookTarget('http://receiver.internal/hook', { allowPrivate: true, resolve });
    expect(result).toMatchObject({ ok: false, error: { reason: 'address-not-allowed', range } });
  });
});

describe('the pinned lookup', () => {
  const target = { address: PUBLIC_V6, family: 6 as const };

  it('answers the checked address when asked for one, whatever the name', () => {
    const answers: unknown[] = [];
    pinnedLookup(target)('anything.example', {}, (error, address, family) => answers.push([error, address, family]));
    expect(answers).toEqual([[null, PUBLIC_V6, 6]]);
  });

  it('answers a list of that one address when asked for all, as Node does when racing families', () => {
    const answers: unknown[] = [];
    pinnedLookup(target)('anything.example', { all: true }, (error, addresses) => answers.push([error, addresses]));
    expect(answers).toEqual([[null, [{ address: PUBLIC_V6, family: 6 } satisfies LookupAddress]]]);
  });
});
