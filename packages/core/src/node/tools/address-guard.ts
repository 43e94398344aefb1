import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Server-side request forgery guard for `http_request`: a tool called by a model
 * must not reach the machine it runs on, the private network, or a cloud
 * metadata service. Only globally routable unicast addresses pass; names are
 * resolved first and every address they resolve to is checked, and the caller
 * then connects to exactly the checked address (no second lookup to rebind).
 */

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  uniqueLocal: 'a private address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address',
  carrierGradeNat: 'a shared (carrier-grade NAT) address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
};

/** Addresses of cloud metadata services that are not already in a refused range. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

function parsed(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1: judge the IPv4 address inside.
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/**
 * Whether `address` is a cloud metadata service's (in any spelling, ::ffff:-mapped included). Alert
 * webhooks refuse these alone: unlike a model's tool, an admin's receiver may be on loopback or the LAN.
 */
export function isMetadataAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = parsed(address);
  return METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString());
}

/** Why `address` may not be reached, or null when it is a public unicast address. */
export function refusalReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  if (isMetadataAddress(address)) return `${address} is a cloud metadata address`;
  const ip = parsed(address);
  const range = ip.range();
  // ipaddr.js calls any IPv6 it has no name for unicast, ::127.0.0.1 (IPv4-compatible) included; only 2000::/3 is global.
  if (range === 'unicast' && ip.kind() === 'ipv6' && !(ip as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) return `${address} is not a global unicast address (outside 2000::/3)`;
  if (range === 'unicast') return null;
  return `${address} is ${RANGE_NAMES[range] ?? `a reserved address (${range})`}`;
}

/** `allowHosts` entries: `host`, `host:port`, `[v6]:port`, a bare IPv6 address or `*.example.com`; case-insensitive. */
export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((raw) => {
    const { host: entryHost, port: entryPort } = parseEntry(raw.trim().toLowerCase());
    if (entryPort && entryPort !== port) return false;
    return hostMatches(host, entryHost);
  });
}

/** Whether a URL's host (lower case, no brackets) is the entry's: `*.suffix`, an IP address in any spelling, or a name. */
export function hostMatches(host: string, entryHost: string): boolean {
  if (entryHost.startsWith('*.')) return host.endsWith(entryHost.slice(1));
  if (ipaddr.isValid(entryHost) && ipaddr.isValid(host)) return ipaddr.parse(entryHost).toString() === ipaddr.parse(host).toString();
  return entryHost === host;
}

function parseEntry(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  if ((entry.match(/:/g) ?? []).length > 1) return { host: entry }; // a bare IPv6 address
  const [host, port] = entry.split(':');
  return { host, port };
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks it. Throws with the reason when refused;
 * an allow-listed host skips the address check but is still pinned.
 */
export async function resolveTarget(url: URL, allowHosts: readonly string[]): Promise<ResolvedTarget> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = hostAllowed(url, allowHosts);
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await lookup(host, { all: true, verbatim: true }).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot resolve ${host}: ${err.code ?? err.message}`);
      });
  if (addresses.length === 0) throw new Error(`cannot resolve ${host}`);
  if (!allowed) {
    for (const a of addresses) {
      const reason = refusalReason(a.address);
      if (reason) {
        const via = a.address === host ? '' : ` (${host} resolves to it)`;
        throw new Error(`refused ${url.origin}: ${reason}${via}; add the host to tools.http.allowHosts to allow it`);
      }
    }
  }
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
