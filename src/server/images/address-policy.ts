import ipaddr from 'ipaddr.js';

/** Names of ipaddr.js ranges, as a reader would say them. */
const RANGE_WORDS: Record<string, string> = {
  private: 'a private',
  loopback: 'a loopback',
  linkLocal: 'a link-local',
  uniqueLocal: 'a unique-local',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  carrierGradeNat: 'a carrier-grade NAT',
  reserved: 'a reserved',
  deprecatedSiteLocal: 'a site-local',
};

export interface AddressPolicyOptions {
  /** Every address may be reached (a trusted network). */
  allowPrivate: boolean;
  /** Addresses or CIDR ranges that may be reached although they are not public. */
  allowList: readonly string[];
}

/** Answers why an address may not be reached, or null when it may. */
export type AddressCheck = (address: string) => string | null;

/**
 * Only global unicast addresses may be fetched: no private, loopback, link-local, unique-local,
 * multicast, unspecified, reserved, or transition ranges that embed an IPv4 address (6to4, Teredo,
 * NAT64), since they could lead to an internal host. IPv4-mapped IPv6 addresses are judged as the
 * IPv4 address they carry.
 */
export function createAddressCheck(options: AddressPolicyOptions): AddressCheck {
  const allowed = options.allowList.map((entry) => {
    if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry);
    const addr = ipaddr.process(entry);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
  });
  return (address: string) => {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    const addr = ipaddr.process(address);
    if (options.allowPrivate) return null;
    if (allowed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) return null;
    const range = addr.range();
    if (range === 'unicast') return null;
    return `${addr.toString()} is ${RANGE_WORDS[range] ?? `a non-public (${range})`} address`;
  };
}
