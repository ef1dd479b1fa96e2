import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** One CIDR range, as written and as a matcher of addresses of its family. */
interface Range {
  cidr: string;
  family: Family;
  matcher: BlockList;
}

function rangeOf(cidr: string): Range {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash).trim();
  const prefix = Number(cidr.slice(slash + 1));
  const family = isIP(address);
  if (slash < 0 || family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`${JSON.stringify(cidr)} is not a CIDR range`);
  }
  const matcher = new BlockList();
  matcher.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return { cidr: cidr.trim(), family: family === 4 ? 'ipv4' : 'ipv6', matcher };
}

/** A range of the built-in deny list, and what its addresses are ("a loopback address"). */
export interface BuiltInRange {
  cidr: string;
  kind: string;
}

/**
 * What CurlJob never connects to unless HTTP_JOB_ALLOW opens it: every address that is not global
 * unicast (IANA's special-purpose registries, RFC 6890 and successors), so that a job reaches
 * neither the host it runs on nor the networks behind it. An IPv6 address that carries an IPv4 one
 * (see {@link EMBEDDINGS}) is also judged by that IPv4 address. Most specific first where ranges nest.
 */
export const BUILT_IN_DENY: readonly BuiltInRange[] = [
  { cidr: '0.0.0.0/8', kind: 'a "this network" address' },
  { cidr: '10.0.0.0/8', kind: 'an RFC 1918 private address' },
  { cidr: '100.64.0.0/10', kind: 'a carrier-grade NAT address' },
  { cidr: '127.0.0.0/8', kind: 'a loopback address' },
  { cidr: '169.254.0.0/16', kind: 'a link-local address' },
  { cidr: '172.16.0.0/12', kind: 'an RFC 1918 private address' },
  { cidr: '192.0.0.0/24', kind: 'an IETF protocol assignment address' },
  { cidr: '192.0.2.0/24', kind: 'a documentation address' },
  { cidr: '192.168.0.0/16', kind: 'an RFC 1918 private address' },
  { cidr: '198.18.0.0/15', kind: 'a benchmarking address' },
  { cidr: '198.51.100.0/24', kind: 'a documentation address' },
  { cidr: '203.0.113.0/24', kind: 'a documentation address' },
  { cidr: '224.0.0.0/4', kind: 'a multicast address' },
  { cidr: '255.255.255.255/32', kind: 'the broadcast address' },
  { cidr: '240.0.0.0/4', kind: 'a reserved address' },
  { cidr: '::/128', kind: 'the unspecified address' },
  { cidr: '::1/128', kind: 'a loopback address' },
  { cidr: '64:ff9b:1::/48', kind: 'a local-use NAT64 address' },
  { cidr: '100::/64', kind: 'a discard-only address' },
  { cidr: '2001:db8::/32', kind: 'a documentation address' },
  { cidr: '3fff::/20', kind: 'a documentation address' },
  { cidr: 'fc00::/7', kind: 'a unique local address' },
  { cidr: 'fe80::/10', kind: 'a link-local address' },
  { cidr: 'fec0::/10', kind: 'a site-local address' },
  { cidr: 'ff00::/8', kind: 'a multicast address' },
];

/** The IPv6 ranges whose addresses carry an IPv4 address, and the byte where it starts. */
const EMBEDDINGS: ReadonlyArray<{ range: Range; form: EmbeddingForm; at: number }> = (
  [
    ['::ffff:0:0/96', 'IPv4-mapped', 12],
    ['::ffff:0:0:0/96', 'IPv4-translated', 12],
    ['64:ff9b::/96', 'NAT64', 12],
    ['::/96', 'IPv4-compatible', 12],
    ['2002::/16', '6to4', 2],
  ] as const
).map(([cidr, form, at]) => ({ range: rangeOf(cidr), form, at }));

/**
 * How an IPv6 address carries an IPv4 one. IPv4-mapped (`::ffff:127.0.0.1`) is the IPv4 host
 * itself: a socket connects to it over IPv4. The others reach it through a translator or relay.
 */
export type EmbeddingForm = 'IPv4-mapped' | 'IPv4-translated' | 'NAT64' | 'IPv4-compatible' | '6to4';

/** An address as CurlJob judges it. */
export interface ParsedAddress {
  /** As shown: IPv4 dotted, IPv6 compressed and lower-case, without brackets or zone id. */
  address: string;
  family: Family;
  /** The IPv4 address an IPv6 one carries, and how. */
  embedded?: { ipv4: string; form: EmbeddingForm };
}

/** The 16 bytes of a compressed IPv6 address as the URL parser writes it (hex words only). */
function ipv6Bytes(compressed: string): number[] {
  const words = (part: string): number[] => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
  const gap = compressed.indexOf('::');
  const left = words(gap < 0 ? compressed : compressed.slice(0, gap));
  const right = gap < 0 ? [] : words(compressed.slice(gap + 2));
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

/** `address` (IPv4, IPv6, bracketed, with a zone id) normalised, with the IPv4 address it carries. */
export function parseAddress(address: string): ParsedAddress {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return { address: bare, family: 'ipv4' };
  if (family !== 6) throw new Error(`${JSON.stringify(address)} is not an IP address`);
  // The WHATWG URL parser is the one undici uses: it compresses, lower-cases and writes a
  // trailing dotted IPv4 part as hex words.
  const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const embedding = EMBEDDINGS.find(({ range }) => range.matcher.check(compressed, 'ipv6'));
  if (!embedding) return { address: compressed, family: 'ipv6' };
  const ipv4 = ipv6Bytes(compressed)
    .slice(embedding.at, embedding.at + 4)
    .join('.');
  return { address: compressed, family: 'ipv6', embedded: { ipv4, form: embedding.form } };
}

/** One spelling of the address a range is matched against; `via` when it is the IPv4 one an IPv6 address carries. */
interface Candidate {
  address: string;
  family: Family;
  via?: { ipv4: string; form: EmbeddingForm };
}

/**
 * The spellings of one destination: an IPv4 address and its IPv4-mapped form are the same host,
 * so either list's ranges of either family apply to both. With `carried`, also the IPv4 address
 * a NAT64, 6to4, IPv4-compatible or IPv4-translated address leads to.
 */
function candidates(parsed: ParsedAddress, carried: boolean): Candidate[] {
  if (parsed.family === 'ipv4') return [parsed, { address: `::ffff:${parsed.address}`, family: 'ipv6' }];
  const list: Candidate[] = [parsed];
  const { embedded } = parsed;
  if (embedded && (carried || embedded.form === 'IPv4-mapped')) {
    list.push({ address: embedded.ipv4, family: 'ipv4', via: embedded });
  }
  return list;
}

function firstMatch<R extends Range>(
  ranges: readonly R[],
  forms: readonly Candidate[],
): { range: R; candidate: Candidate } | null {
  for (const candidate of forms) {
    const range = ranges.find(
      (each) => each.family === candidate.family && each.matcher.check(candidate.address, each.family),
    );
    if (range) return { range, candidate };
  }
  return null;
}

const BUILT_IN_RANGES: ReadonlyArray<Range & { kind: string }> = BUILT_IN_DENY.map(({ cidr, kind }) => ({
  ...rangeOf(cidr),
  kind,
}));

/** Why CurlJob does not connect to an address. */
export interface Refusal {
  /** The address, as shown (see {@link ParsedAddress.address}). */
  address: string;
  /** The range that refused it. */
  cidr: string;
  /** What that built-in range is ("a loopback address"); undefined for an HTTP_JOB_DENY range. */
  kind?: string;
  /** Set when the range matched the IPv4 address that `address` (IPv6) carries. */
  via?: { ipv4: string; form: EmbeddingForm };
}

/**
 * Which addresses CurlJob may connect to. In order, the first that applies decides:
 * 1. an HTTP_JOB_DENY range refuses it (operators' own denies always hold);
 * 2. an HTTP_JOB_ALLOW range lets it through;
 * 3. a {@link BUILT_IN_DENY} range refuses it;
 * 4. else it is let through.
 * An IPv4 range and the IPv4-mapped IPv6 form of its addresses are one and the same in all three
 * lists (the socket reaches the same host). The other IPv6 forms carrying an IPv4 address (NAT64,
 * 6to4, IPv4-compatible, IPv4-translated) are refused by the deny lists' IPv4 ranges, but an
 * HTTP_JOB_ALLOW IPv4 range does not open them: they reach the host through a translator or relay,
 * and opening them takes an IPv6 range of their own (such as `64:ff9b::a00:5/128`).
 */
export class AddressPolicy {
  private readonly deny: Range[];
  private readonly allow: Range[];

  /** Throws on a range that is not CIDR (the configuration is validated before it gets here). */
  constructor(deny: readonly string[], allow: readonly string[] = []) {
    this.deny = deny.map(rangeOf);
    this.allow = allow.map(rangeOf);
  }

  /** Why `address` may not be connected to, or null when it may. Throws on a non-IP. */
  refusalOf(address: string): Refusal | null {
    const parsed = parseAddress(address);
    const everyForm = candidates(parsed, true);
    const refusal = (match: { range: Range & { kind?: string }; candidate: Candidate }): Refusal => ({
      address: parsed.address,
      cidr: match.range.cidr,
      ...(match.range.kind === undefined ? {} : { kind: match.range.kind }),
      ...(match.candidate.via === undefined ? {} : { via: match.candidate.via }),
    });
    const denied = firstMatch(this.deny, everyForm);
    if (denied) return refusal(denied);
    if (firstMatch(this.allow, candidates(parsed, false))) return null;
    const builtIn = firstMatch(BUILT_IN_RANGES, everyForm);
    return builtIn ? refusal(builtIn) : null;
  }

  /** Throws an {@link AddressRefusedError} when `address` (looked up from `hostname`, if any) is refused. */
  check(address: string, hostname?: string): void {
    const refusal = this.refusalOf(address);
    if (refusal !== null) throw new AddressRefusedError(refusal, hostname);
  }
}

/** `it is a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)`: the reason of a refusal. */
export function refusalReason(refusal: Refusal): string {
  const subject = refusal.via ? `it embeds ${refusal.via.ipv4} (${refusal.via.form}), which is` : 'it is';
  const rule =
    refusal.kind === undefined
      ? `in HTTP_JOB_DENY (${refusal.cidr})`
      : `${refusal.kind} (${refusal.cidr}; HTTP_JOB_ALLOW can open it)`;
  return `${subject} ${rule}`;
}

/**
 * A connection CurlJob refused to open: `refused to connect to 127.0.0.1: it is a loopback address
 * (127.0.0.0/8; HTTP_JOB_ALLOW can open it)`. Thrown before the socket connects, so no packet went
 * out; the message depends on the address only, never on the port or on what listens there.
 */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED';
  /** The address refused, as shown in the message. */
  readonly address: string;
  /** The range that refused it. */
  readonly rule: string;

  constructor(
    readonly refusal: Refusal,
    /** The host name that resolved to the address; undefined for an IP literal. */
    readonly hostname?: string,
  ) {
    const from = hostname !== undefined && hostname !== refusal.address ? ` (the address of ${hostname})` : '';
    super(`refused to connect to ${refusal.address}${from}: ${refusalReason(refusal)}`);
    this.name = 'AddressRefusedError';
    this.address = refusal.address;
    this.rule = refusal.cidr;
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
