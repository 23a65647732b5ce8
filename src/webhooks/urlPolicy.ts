// Which URLs a webhook may call (SSRF protection). A webhook URL is chosen by a
// client, so without this an API key could make the server POST to its own
// loopback, the cloud metadata service (169.254.169.254) or the private network.
//
// The rule: http or https only, and every address the host resolves to must be a
// public unicast address (ipaddr.js classifies them), unless an operator allowed
// its range in WEBHOOK_ALLOW_PRIVATE_CIDRS. The check runs when a webhook is
// saved and again when the worker connects (`lookup`), so a name that resolved to
// a public address at creation and to a private one later (DNS rebinding) is
// refused at connection time.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const addresses = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Why a URL may not be called; the message is safe to show to the webhook's owner. */
export class UrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefused';
  }
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export class UrlPolicy {
  constructor(
    private readonly allowedCidrs: readonly Cidr[] = [],
    private readonly resolver: Resolver = systemResolver,
  ) {}

  /** Parses and checks the URL's form (scheme, credentials, host); no DNS. */
  parse(text: string): URL {
    if (text.length > 2048) throw new UrlRefused('must be at most 2048 characters');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UrlRefused('must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UrlRefused(`must use http or https, not ${url.protocol.slice(0, -1)}`);
    }
    if (url.username || url.password) {
      throw new UrlRefused('must not contain credentials; verify the webhook signature instead');
    }
    if (url.hash) throw new UrlRefused('must not contain a #fragment');
    const literal = this.literalAddress(url);
    if (literal) this.assertAllowed(literal, url.hostname);
    return url;
  }

  /** The full check: form, then every address the host resolves to. */
  async check(text: string): Promise<URL> {
    const url = this.parse(text);
    if (!this.literalAddress(url)) {
      const addresses = await this.resolve(url.hostname);
      for (const { address } of addresses) this.assertAllowed(address, url.hostname);
    }
    return url;
  }

  /** Throws UrlRefused unless `address` is public or in an allowed range. */
  assertAllowed(address: string, host: string): void {
    const reason = this.refusal(address);
    if (!reason) return;
    const shown = host.replace(/^\[|\]$/g, '') === address ? host : `${host} (${address})`;
    throw new UrlRefused(`${shown} is ${reason}; only public addresses are allowed`);
  }

  /** Why an address is refused, or undefined when it may be called. */
  refusal(address: string): string | undefined {
    if (!ipaddr.isValid(address)) return 'not a valid address';
    const parsed = ipaddr.parse(address);
    const candidates: (ipaddr.IPv4 | ipaddr.IPv6)[] = [parsed];
    // ::ffff:127.0.0.1 is 127.0.0.1: an allowed IPv4 range covers its mapped form too.
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      candidates.push((parsed as ipaddr.IPv6).toIPv4Address());
    }
    for (const candidate of candidates) {
      if (this.allowedCidrs.some((cidr) => cidr[0].kind() === candidate.kind() && candidate.match(cidr))) {
        return undefined;
      }
    }
    const range = parsed.range();
    if (range !== 'unicast') return RANGE_NAMES[range] ?? `a reserved address (${range})`;
    if (parsed.kind() === 'ipv6') return ipv6Refusal(parsed as ipaddr.IPv6);
    return undefined;
  }

  /**
   * A `lookup` for net.connect / undici: resolves, refuses the connection if any
   * address is not allowed, and connects to a checked address (never re-resolves).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        try {
          for (const { address } of addresses) this.assertAllowed(address, hostname);
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 4);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        if (options.all) {
          (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, usable);
        } else if (usable[0]) {
          callback(null, usable[0].address, usable[0].family);
        } else {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

  /** The IP address in the URL's host, when it is one ("[::1]" -> "::1"). */
  literalAddress(url: URL): string | undefined {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host))
      ? host
      : undefined;
  }

  private async resolve(hostname: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolver(hostname);
    } catch (error) {
      throw new UrlRefused(
        `${hostname} could not be resolved (${(error as { code?: string }).code ?? 'error'})`,
      );
    }
    if (addresses.length === 0) throw new UrlRefused(`${hostname} has no address`);
    return addresses;
  }
}

// IPv6 is allowed only in global unicast space (2000::/3, RFC 4291), outside the
// special-purpose blocks of the IANA IPv6 Special-Purpose Address Registry that ipaddr.js
// does not name. Everything else (the IPv4-compatible ::/96 such as ::127.0.0.1, NAT64
// 64:ff9b::/96, discard-only 100::/64, SRv6 5f00::/16, ...) lies outside 2000::/3.
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
const IPV6_SPECIAL: [string, [ipaddr.IPv6, number]][] = [
  ['an IETF protocol assignment address (2001::/23)', ipaddr.parseCIDR('2001::/23') as [ipaddr.IPv6, number]],
  ['a documentation address', ipaddr.parseCIDR('2001:db8::/32') as [ipaddr.IPv6, number]],
  ['a documentation address', ipaddr.parseCIDR('3fff::/20') as [ipaddr.IPv6, number]],
];

function ipv6Refusal(address: ipaddr.IPv6): string | undefined {
  if (!address.match(GLOBAL_UNICAST)) return 'not a global unicast address';
  return IPV6_SPECIAL.find(([, cidr]) => address.match(cidr))?.[0];
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address',
  ipv4Mapped: 'an IPv4-mapped address',
};
