import { BlockList, isIP } from 'node:net';

/** What the SSRF guard allows besides public addresses (INGEST_ALLOW_PRIVATE_NETWORKS). */
export interface PrivateNetworkAllowance {
  /** every address, private ones included (trusted networks, tests) */
  all: boolean;
  /** CIDR ranges, single addresses, or exact `address:port` pairs */
  entries: string[];
}

/**
 * Addresses a server-side fetch must never reach unless allowed, by the category a refusal names:
 * this host, private and shared networks, link-local (cloud metadata at 169.254.169.254), multicast,
 * reserved and unspecified ones. Refusals name the category, never the address a host name resolved
 * to: that would tell a caller what internal names resolve to.
 */
type ForbiddenCategory = 'loopback' | 'private' | 'link-local' | 'multicast' | 'reserved';

const FORBIDDEN_RANGES: Record<ForbiddenCategory, { v4: Array<[string, number]>; v6: Array<[string, number]> }> = {
  loopback: { v4: [['127.0.0.0', 8]], v6: [['::1', 128]] },
  private: {
    v4: [
      ['10.0.0.0', 8],
      ['100.64.0.0', 10], // carrier-grade NAT
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
    v6: [
      ['fc00::', 7], // unique local
      ['fec0::', 10], // site-local (deprecated)
    ],
  },
  'link-local': { v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  multicast: { v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  reserved: {
    v4: [
      ['0.0.0.0', 8], // "this network", 0.0.0.0
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // documentation
      ['192.88.99.0', 24], // 6to4 relay anycast
      ['198.18.0.0', 15], // benchmarking
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
      ['240.0.0.0', 4], // reserved, broadcast
    ],
    v6: [
      ['::', 128], // unspecified
      ['::', 96], // IPv4-compatible (deprecated)
      ['100::', 64], // discard
      ['2001::', 32], // Teredo (embeds an IPv4 address)
      ['2001:db8::', 32], // documentation
      ['2002::', 16], // 6to4 (embeds an IPv4 address)
    ],
  },
};

function blockList(v4: Array<[string, number]>, v6: Array<[string, number]>): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

/** Loopback first: `::1` is also inside the reserved `::/96`. */
const FORBIDDEN = (Object.keys(FORBIDDEN_RANGES) as ForbiddenCategory[]).map((category) => ({
  category,
  list: blockList(FORBIDDEN_RANGES[category].v4, FORBIDDEN_RANGES[category].v6),
}));

function forbiddenCategory(address: string, family: 'ipv4' | 'ipv6'): ForbiddenCategory | undefined {
  return FORBIDDEN.find(({ list }) => list.check(address, family))?.category;
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped (`::ffff:a.b.c.d`,
 * also written `::ffff:7f00:1`) and NAT64 (`64:ff9b::a.b.c.d`). Those reach IPv4 hosts, so they are
 * judged as the IPv4 address.
 */
export function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:(?:0:)?|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** Expands an IPv6 address to its eight groups, so textual variants compare equal. */
function canonicalV6(address: string): string {
  const [head, tail = ''] = address.toLowerCase().split('::');
  const split = (s: string) => (s ? s.split(':') : []);
  let groups = [...split(head)];
  let tailGroups = split(tail);
  // a trailing dotted IPv4 part takes two groups
  const expand = (list: string[]) =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a, b, c, d] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  groups = expand(groups);
  tailGroups = expand(tailGroups);
  const missing = address.includes('::') ? 8 - groups.length - tailGroups.length : 0;
  return [...groups, ...Array(missing).fill('0'), ...tailGroups].map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** An address as the policy compares it: embedded IPv4 unwrapped, IPv6 canonical. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const unwrapped = embeddedIPv4(address);
  if (unwrapped) return { address: unwrapped, family: 'ipv4' };
  return isIP(address) === 6 ? { address: canonicalV6(address), family: 'ipv6' } : { address, family: 'ipv4' };
}

/**
 * Decides which resolved addresses a URL fetch may connect to (the SSRF guard). Public addresses
 * always; private, loopback, link-local, multicast, reserved and unspecified ones (also inside
 * IPv4-mapped or NAT64 IPv6 addresses) only when INGEST_ALLOW_PRIVATE_NETWORKS allows them: all of
 * them (`true`), a range or address, or exactly one `address:port`.
 */
export class NetworkPolicy {
  private readonly allowedRanges = new BlockList();
  private readonly allowedEndpoints = new Set<string>();

  constructor(private readonly allowance: PrivateNetworkAllowance = { all: false, entries: [] }) {
    for (const entry of allowance.entries) {
      const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
      const withPort = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(entry);
      if (cidr) {
        const { address, family } = normalise(cidr[1]);
        const prefix = Number(cidr[2]);
        const v4FromV6 = family === 'ipv4' && isIP(cidr[1]) === 6;
        this.allowedRanges.addSubnet(address, v4FromV6 ? Math.max(0, prefix - 96) : prefix, family);
      } else if (isIP(entry)) {
        const { address, family } = normalise(entry);
        this.allowedRanges.addAddress(address, family);
      } else if (withPort && isIP(withPort[1] ?? withPort[2])) {
        this.allowedEndpoints.add(this.endpointKey(withPort[1] ?? withPort[2], Number(withPort[3])));
      } else {
        throw new Error(`not a CIDR range, address or address:port: "${entry}"`);
      }
    }
  }

  private endpointKey(address: string, port: number): string {
    return `${normalise(address).address}|${port}`;
  }

  /**
   * Why the address may not be reached on that port, as the kind of address it is ("a loopback
   * address"), or undefined when it may. The address itself is never in the answer: callers say
   * "<host> resolves to …" without telling what an internal name resolved to.
   */
  check(address: string, port: number): string | undefined {
    if (!isIP(address)) return 'not an IP address';
    const { address: normalised, family } = normalise(address);
    const category = forbiddenCategory(normalised, family);
    if (!category) return undefined;
    if (this.allowance.all) return undefined;
    if (this.allowedRanges.check(normalised, family)) return undefined;
    if (this.allowedEndpoints.has(this.endpointKey(address, port))) return undefined;
    return `a ${category} address (private networks are refused unless allowed)`;
  }
}
