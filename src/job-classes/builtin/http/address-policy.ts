import { BlockList, isIP, isIPv4 } from 'node:net';

/** One CIDR range of HTTP_JOB_DENY or HTTP_JOB_ALLOW, as written and as a matcher. */
interface Rule {
  cidr: string;
  matcher: BlockList;
}

function ruleOf(cidr: string): Rule {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash).trim();
  const prefix = Number(cidr.slice(slash + 1));
  const family = isIP(address);
  if (slash < 0 || family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`${JSON.stringify(cidr)} is not a CIDR range`);
  }
  const matcher = new BlockList();
  matcher.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return { cidr: cidr.trim(), matcher };
}

/**
 * The forms an address is matched in: as given (without brackets or a zone id, IPv6 compressed and
 * lower-case), and for an IPv4-mapped IPv6 address (`::ffff:169.254.169.254`, which reaches the IPv4
 * host) also as that IPv4 address. The first form is the one to show.
 */
export function addressForms(address: string): string[] {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return [bare];
  if (family !== 6) throw new Error(`${JSON.stringify(address)} is not an IP address`);
  const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return [compressed];
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [compressed, [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')];
}

function firstMatch(rules: readonly Rule[], forms: readonly string[]): string | null {
  for (const rule of rules) {
    if (forms.some((form) => rule.matcher.check(form, isIPv4(form) ? 'ipv4' : 'ipv6'))) return rule.cidr;
  }
  return null;
}

/**
 * Which addresses CurlJob may connect to: anything but the HTTP_JOB_DENY ranges, except where an
 * HTTP_JOB_ALLOW range also covers the address.
 */
export class AddressPolicy {
  private readonly deny: Rule[];
  private readonly allow: Rule[];

  /** Throws on a range that is not CIDR (the configuration is validated before it gets here). */
  constructor(deny: readonly string[], allow: readonly string[] = []) {
    this.deny = deny.map(ruleOf);
    this.allow = allow.map(ruleOf);
  }

  /** The HTTP_JOB_DENY range that refuses `address`, or null when it may be connected to. Throws on a non-IP. */
  deniedBy(address: string): string | null {
    const forms = addressForms(address);
    const rule = firstMatch(this.deny, forms);
    return rule !== null && firstMatch(this.allow, forms) === null ? rule : null;
  }

  /** Throws an {@link AddressRefusedError} when `address` (looked up from `hostname`, if any) is denied. */
  check(address: string, hostname?: string): void {
    const rule = this.deniedBy(address);
    if (rule !== null) throw new AddressRefusedError(address, rule, hostname);
  }
}

/**
 * A connection CurlJob refused to open: `refused to connect to 169.254.169.254: the address is in
 * HTTP_JOB_DENY (169.254.0.0/16)`. Thrown before the socket connects, so no packet went out.
 */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED';
  /** The address as shown in the message (the IPv4 form of an IPv4-mapped one in parentheses). */
  readonly address: string;

  constructor(
    address: string,
    /** The HTTP_JOB_DENY range that matched. */
    readonly rule: string,
    /** The host name that resolved to `address`; undefined for an IP literal. */
    readonly hostname?: string,
  ) {
    const forms = addressForms(address);
    const shown = forms.length > 1 ? `${forms[0]} (${forms[1]})` : forms[0];
    const from = hostname !== undefined && hostname !== address ? ` (the address of ${hostname})` : '';
    super(`refused to connect to ${shown}${from}: the address is in HTTP_JOB_DENY (${rule})`);
    this.name = 'AddressRefusedError';
    this.address = shown;
  }
}

/** The {@link AddressRefusedError} behind `error` (itself or a cause), duck-typed across realms; else null. */
export function addressRefusal(error: unknown): AddressRefusedError | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof AddressRefusedError) return current;
    const candidate = current as Partial<AddressRefusedError>;
    if (candidate.code === 'ERR_ADDRESS_REFUSED' && typeof candidate.message === 'string') {
      return candidate as AddressRefusedError;
    }
    current = candidate.cause;
  }
  return null;
}
