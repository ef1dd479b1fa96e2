import net from 'node:net';

/** The eight 16-bit groups of an IPv6 address, or `undefined` when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (!net.isIPv6(address)) return undefined;
  // A trailing dotted IPv4 part (`::ffff:192.0.2.1`) is two groups.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_match, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((group) => group.toString(16)).join(':'),
  );
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const [head, rest] = text.split('::');
  const before = parse(head);
  const after = parse(rest);
  const zeros = rest === undefined ? 0 : 8 - before.length - after.length;
  return [...before, ...new Array<number>(zeros).fill(0), ...after];
}

/**
 * The key a client address is counted under: an IPv4 address as it is (also when it arrives as
 * `::ffff:a.b.c.d`), an IPv6 address by its /64 prefix — one host usually holds a whole /64, and
 * counting each of its addresses apart would let it try 2^64 times as often.
 */
export function clientAddressKey(address: string): string {
  const plain = address.replace(/%.*$/, '');
  if (net.isIPv4(plain)) return plain;
  const groups = ipv6Groups(plain);
  if (!groups) return plain;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
