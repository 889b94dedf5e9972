import { BlockList, isIPv4, isIPv6 } from 'node:net';

/*
 * Which addresses a clinic's webhook endpoint may resolve to. An endpoint URL is admin input, and our
 * workers sit inside the clinic's network or a cloud account: without this, `createWebhookEndpoint`
 * would let anyone with the admin role make us POST to the database, the broker or the cloud's metadata
 * service (169.254.169.254), and read the first KiB of the answer back from the delivery log.
 *
 * Ranges from the IANA special-purpose registries (RFC 6890 and its updates). Some are refused unless
 * WEBHOOK_ALLOW_PRIVATE is set (a receiver on the same machine or network, as in tests); the rest never
 * hold a receiver and are refused always. For IPv6, only global unicast (2000::/3) is public at all.
 */

/** Why an address is not a public one; `allowedWithPrivate` says whether WEBHOOK_ALLOW_PRIVATE lifts the refusal. */
export type AddressRange =
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved';

export const allowedWithPrivate: Readonly<Record<AddressRange, boolean>> = {
  private: true,
  loopback: true,
  'link-local': true,
  'unique-local': true,
  cgnat: true,
  unspecified: false,
  multicast: false,
  broadcast: false,
  documentation: false,
  reserved: false,
};

type Subnet = readonly [range: AddressRange, network: string, prefix: number];

/** Checked in order, so the more specific names come before the wider ranges that contain them. */
const IPV4: readonly Subnet[] = [
  ['unspecified', '0.0.0.0', 8], // "this network"; connecting to 0.0.0.0 reaches the local host on Linux
  ['private', '10.0.0.0', 8],
  ['cgnat', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16], // the cloud metadata service lives here
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments
  ['documentation', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24], // the retired 6to4 relay anycast
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['broadcast', '255.255.255.255', 32],
  ['reserved', '240.0.0.0', 4],
];

const IPV6: readonly Subnet[] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['multicast', 'ff00::', 8],
  ['documentation', '2001:db8::', 32],
  ['documentation', '3fff::', 20],
  ['reserved', '2001::', 23], // IETF protocol assignments, Teredo among them
  ['reserved', '2002::', 16], // 6to4, which tunnels to any IPv4 address
];

const listOf = (family: 'ipv4' | 'ipv6', subnets: readonly Subnet[]) =>
  subnets.map(([range, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { range, list };
  });

const ipv4Lists = listOf('ipv4', IPV4);
const ipv6Lists = listOf('ipv6', IPV6);
const globalUnicast = listOf('ipv6', [['reserved', '2000::', 3]])[0]!.list;

/**
 * The range a literal IP address belongs to, or 'public'. IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`,
 * and NAT64's `64:ff9b::/96`, which a gateway translates to that IPv4 address) is judged as the IPv4
 * address it carries. A zone (`fe80::1%eth0`) is dropped first: BlockList would not match it at all.
 * Anything that is not an IP address is a bug of the caller (the guard resolves names first).
 */
export function classifyAddress(address: string): AddressRange | 'public' {
  const bare = address.replace(/%.*$/, '');
  if (isIPv4(bare)) return ipv4Lists.find(({ list }) => list.check(bare, 'ipv4'))?.range ?? 'public';
  if (!isIPv6(bare)) throw new Error('Not an IP address');
  const embedded = embeddedIpv4(bare);
  if (embedded !== null) return classifyAddress(embedded);
  const named = ipv6Lists.find(({ list }) => list.check(bare, 'ipv6'))?.range;
  if (named) return named;
  return globalUnicast.check(bare, 'ipv6') ? 'public' : 'reserved';
}

/** The IPv4 address inside an IPv4-mapped or NAT64 (64:ff9b::/96) IPv6 address, else null. */
function embeddedIpv4(ipv6: string): string | null {
  const words = expandIpv6(ipv6);
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (!mapped && !nat64) return null;
  const [high, low] = [words[6]!, words[7]!];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit words of a valid IPv6 address, `::` and a trailing dotted quad included. */
function expandIpv6(ipv6: string): number[] {
  let text = ipv6.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const first = parse(head);
  if (tail === undefined) return first;
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
