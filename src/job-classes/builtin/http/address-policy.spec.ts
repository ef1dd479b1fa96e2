import { ENV_VARS } from '../../../config/config.schema.js';
import {
  AddressPolicy,
  AddressRefusedError,
  BUILT_IN_DENY,
  addressRefusal,
  parseAddress,
  refusalReason,
} from './address-policy.js';

/** The default of HTTP_JOB_DENY, as the configuration has it. */
const DEFAULT_DENY = (ENV_VARS.HTTP_JOB_DENY.default ?? '').split(',');

/** The reason `policy` gives for refusing `address`, or null when it lets it through. */
function why(address: string, policy = new AddressPolicy(DEFAULT_DENY, [])): string | null {
  const refusal = policy.refusalOf(address);
  return refusal === null ? null : refusalReason(refusal);
}

/** `it is <kind of cidr> (<cidr>; HTTP_JOB_ALLOW can open it)`. */
function builtIn(cidr: string): string {
  const range = BUILT_IN_DENY.find((each) => each.cidr === cidr);
  if (!range) throw new Error(`no built-in range ${cidr}`);
  return `${range.kind} (${cidr}; HTTP_JOB_ALLOW can open it)`;
}

describe('AddressPolicy', () => {
  describe('built-in deny list', () => {
    it.each([
      ['0.0.0.0', '0.0.0.0/8', 'a "this network" address'],
      ['0.255.255.255', '0.0.0.0/8', 'a "this network" address'],
      ['10.0.0.0', '10.0.0.0/8', 'an RFC 1918 private address'],
      ['10.255.255.255', '10.0.0.0/8', 'an RFC 1918 private address'],
      ['100.64.0.0', '100.64.0.0/10', 'a carrier-grade NAT address'],
      ['100.127.255.255', '100.64.0.0/10', 'a carrier-grade NAT address'],
      ['127.0.0.1', '127.0.0.0/8', 'a loopback address'],
      ['127.255.255.254', '127.0.0.0/8', 'a loopback address'],
      ['169.254.0.1', '169.254.0.0/16', 'a link-local address'],
      ['172.16.0.0', '172.16.0.0/12', 'an RFC 1918 private address'],
      ['172.31.255.255', '172.16.0.0/12', 'an RFC 1918 private address'],
      ['192.0.0.170', '192.0.0.0/24', 'an IETF protocol assignment address'],
      ['192.0.2.1', '192.0.2.0/24', 'a documentation address'],
      ['192.168.0.1', '192.168.0.0/16', 'an RFC 1918 private address'],
      ['192.168.255.255', '192.168.0.0/16', 'an RFC 1918 private address'],
      ['198.18.0.1', '198.18.0.0/15', 'a benchmarking address'],
      ['198.19.255.255', '198.18.0.0/15', 'a benchmarking address'],
      ['198.51.100.7', '198.51.100.0/24', 'a documentation address'],
      ['203.0.113.7', '203.0.113.0/24', 'a documentation address'],
      ['224.0.0.1', '224.0.0.0/4', 'a multicast address'],
      ['239.255.255.255', '224.0.0.0/4', 'a multicast address'],
      ['240.0.0.1', '240.0.0.0/4', 'a reserved address'],
      ['255.255.255.254', '240.0.0.0/4', 'a reserved address'],
      ['255.255.255.255', '255.255.255.255/32', 'the broadcast address'],
      ['::', '::/128', 'the unspecified address'],
      ['::1', '::1/128', 'a loopback address'],
      ['0:0:0:0:0:0:0:1', '::1/128', 'a loopback address'],
      ['64:ff9b:1::a00:1', '64:ff9b:1::/48', 'a local-use NAT64 address'],
      ['100::1', '100::/64', 'a discard-only address'],
      ['2001:db8::1', '2001:db8::/32', 'a documentation address'],
      ['3fff::1', '3fff::/20', 'a documentation address'],
      ['fc00::1', 'fc00::/7', 'a unique local address'],
      ['fd12:3456::1', 'fc00::/7', 'a unique local address'],
      ['fe80::1', 'fe80::/10', 'a link-local address'],
      ['[FE80::1%eth0]', 'fe80::/10', 'a link-local address'],
      ['febf::1', 'fe80::/10', 'a link-local address'],
      ['fec0::1', 'fec0::/10', 'a site-local address'],
      ['ff02::1', 'ff00::/8', 'a multicast address'],
    ])('refuses %s: %s (%s)', (address, cidr, kind) => {
      expect(why(address, new AddressPolicy([], []))).toBe(`it is ${kind} (${cidr}; HTTP_JOB_ALLOW can open it)`);
    });

    it.each([
      '1.1.1.1',
      '8.8.8.8',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '126.255.255.255',
      '128.0.0.0',
      '169.253.255.255',
      '169.255.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.0.1.0',
      '192.167.255.255',
      '192.169.0.0',
      '198.17.255.255',
      '198.20.0.0',
      '223.255.255.255',
      '2001:4860:4860::8888',
      '2606:4700:4700::1111',
      '2001:db9::1',
      'fbff::1',
      'fe00::1',
    ])('lets %s, outside every built-in range, through', (address) => {
      expect(why(address, new AddressPolicy([], []))).toBeNull();
    });

    it('lists each range once, every one a CIDR range', () => {
      const cidrs = BUILT_IN_DENY.map((range) => range.cidr);
      expect(new Set(cidrs).size).toBe(cidrs.length);
      expect(() => new AddressPolicy(cidrs, [])).not.toThrow();
    });
  });

  describe('IPv6 forms that carry an IPv4 address', () => {
    it.each([
      ['::ffff:127.0.0.1', '::ffff:7f00:1', 'IPv4-mapped', '127.0.0.1', '127.0.0.0/8'],
      ['::ffff:7f00:1', '::ffff:7f00:1', 'IPv4-mapped', '127.0.0.1', '127.0.0.0/8'],
      ['0:0:0:0:0:FFFF:7F00:0001', '::ffff:7f00:1', 'IPv4-mapped', '127.0.0.1', '127.0.0.0/8'],
      ['[::ffff:10.0.0.1]', '::ffff:a00:1', 'IPv4-mapped', '10.0.0.1', '10.0.0.0/8'],
      ['::ffff:0.0.0.0', '::ffff:0:0', 'IPv4-mapped', '0.0.0.0', '0.0.0.0/8'],
      ['::ffff:255.255.255.255', '::ffff:ffff:ffff', 'IPv4-mapped', '255.255.255.255', '255.255.255.255/32'],
      ['::ffff:0:c0a8:101', '::ffff:0:c0a8:101', 'IPv4-translated', '192.168.1.1', '192.168.0.0/16'],
      ['::127.0.0.1', '::7f00:1', 'IPv4-compatible', '127.0.0.1', '127.0.0.0/8'],
      ['::7f00:1', '::7f00:1', 'IPv4-compatible', '127.0.0.1', '127.0.0.0/8'],
      ['::a9fe:a9fe', '::a9fe:a9fe', 'IPv4-compatible', '169.254.169.254', '169.254.0.0/16'],
      ['64:ff9b::7f00:1', '64:ff9b::7f00:1', 'NAT64', '127.0.0.1', '127.0.0.0/8'],
      ['64:ff9b::127.0.0.1', '64:ff9b::7f00:1', 'NAT64', '127.0.0.1', '127.0.0.0/8'],
      ['64:ff9b::ac10:1', '64:ff9b::ac10:1', 'NAT64', '172.16.0.1', '172.16.0.0/12'],
      ['64:ff9b::6440:1', '64:ff9b::6440:1', 'NAT64', '100.64.0.1', '100.64.0.0/10'],
      ['2002:7f00:1::', '2002:7f00:1::', '6to4', '127.0.0.1', '127.0.0.0/8'],
      ['2002:7f00:0001:abcd::1', '2002:7f00:1:abcd::1', '6to4', '127.0.0.1', '127.0.0.0/8'],
      ['2002:c0a8:101::1', '2002:c0a8:101::1', '6to4', '192.168.1.1', '192.168.0.0/16'],
      ['2002:e000:1::', '2002:e000:1::', '6to4', '224.0.0.1', '224.0.0.0/4'],
    ])('refuses %s by the IPv4 address it carries', (address, shown, form, ipv4, cidr) => {
      const refusal = new AddressPolicy([], []).refusalOf(address);
      expect(refusal).toEqual({
        address: shown,
        cidr,
        kind: expect.any(String),
        via: { ipv4, form },
      });
      expect(refusalReason(refusal!)).toBe(`it embeds ${ipv4} (${form}), which is ${builtIn(cidr)}`);
    });

    it('judges :: and ::1 as themselves, not as the IPv4-compatible 0.0.0.0 and 0.0.0.1', () => {
      expect(why('::')).toBe(`it is ${builtIn('::/128')}`);
      expect(why('::1')).toBe(`it is ${builtIn('::1/128')}`);
    });

    it.each(['::ffff:8.8.8.8', '::ffff:0:808:808', '::808:808', '64:ff9b::808:808', '2002:808:808::1'])(
      'lets %s through: the IPv4 address it carries is public',
      (address) => {
        expect(why(address)).toBeNull();
      },
    );

    it('judges what the URL parser makes of odd spellings of loopback', () => {
      const hosts = ['0177.0.0.1', '2130706433', '0x7f.1', '127.1', '0', '[::ffff:127.0.0.1]', '[0::FFFF:7F00:1]'];
      for (const host of hosts) {
        const hostname = new URL(`http://${host}:8080/`).hostname;
        expect([host, why(hostname)]).toEqual([host, expect.stringMatching(/^it (is|embeds)/)]);
      }
    });

    it('parses an address into its shown form and the IPv4 address it carries', () => {
      expect(parseAddress('10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
      expect(parseAddress('[FE80::1%eth0]')).toEqual({ address: 'fe80::1', family: 'ipv6' });
      expect(parseAddress('::ffff:10.0.0.1')).toEqual({
        address: '::ffff:a00:1',
        family: 'ipv6',
        embedded: { ipv4: '10.0.0.1', form: 'IPv4-mapped' },
      });
      expect(parseAddress('2002:0a01:0203:4::5')).toEqual({
        address: '2002:a01:203:4::5',
        family: 'ipv6',
        embedded: { ipv4: '10.1.2.3', form: '6to4' },
      });
      expect(parseAddress('2001:db8::1')).toEqual({ address: '2001:db8::1', family: 'ipv6' });
    });
  });

  describe('HTTP_JOB_ALLOW', () => {
    it('opens a built-in range where it covers the address, and nothing more', () => {
      const policy = new AddressPolicy([], ['127.0.0.1/32', '10.0.0.0/8', 'fd12::/16']);
      expect(why('127.0.0.1', policy)).toBeNull();
      expect(why('10.200.0.1', policy)).toBeNull();
      expect(why('fd12::5', policy)).toBeNull();
      expect(why('127.0.0.2', policy)).toBe(`it is ${builtIn('127.0.0.0/8')}`);
      expect(why('192.168.0.1', policy)).toBe(`it is ${builtIn('192.168.0.0/16')}`);
      expect(why('fd13::5', policy)).toBe(`it is ${builtIn('fc00::/7')}`);
    });

    it('opens an IPv4 address and its IPv4-mapped form alike: they are the same host', () => {
      const byIpv4 = new AddressPolicy([], ['127.0.0.1/32']);
      expect(why('::ffff:127.0.0.1', byIpv4)).toBeNull();
      expect(why('::ffff:7f00:1', byIpv4)).toBeNull();
      const byMapped = new AddressPolicy([], ['::ffff:127.0.0.1/128']);
      expect(why('127.0.0.1', byMapped)).toBeNull();
      expect(why('::ffff:7f00:1', byMapped)).toBeNull();
    });

    it('does not open the forms reaching the IPv4 host through a translator or relay: they take an IPv6 range', () => {
      const byIpv4 = new AddressPolicy([], ['127.0.0.1/32']);
      for (const [address, form] of [
        ['64:ff9b::7f00:1', 'NAT64'],
        ['2002:7f00:1::', '6to4'],
        ['::7f00:1', 'IPv4-compatible'],
        ['::ffff:0:7f00:1', 'IPv4-translated'],
      ]) {
        expect(why(address, byIpv4)).toBe(`it embeds 127.0.0.1 (${form}), which is ${builtIn('127.0.0.0/8')}`);
      }
      const byNat64 = new AddressPolicy([], ['64:ff9b::7f00:1/128']);
      expect(why('64:ff9b::7f00:1', byNat64)).toBeNull();
      expect(why('127.0.0.1', byNat64)).toBe(`it is ${builtIn('127.0.0.0/8')}`);
    });

    it('opens everything with 0.0.0.0/0 and ::/0', () => {
      const all = new AddressPolicy([], ['0.0.0.0/0', '::/0']);
      for (const address of ['127.0.0.1', '::1', '169.254.169.254', '64:ff9b::7f00:1', 'ff02::1']) {
        expect(why(address, all)).toBeNull();
      }
    });
  });

  describe('HTTP_JOB_DENY', () => {
    it('refuses the cloud metadata and credential endpoints by default, even where HTTP_JOB_ALLOW opens their range', () => {
      const policy = new AddressPolicy(DEFAULT_DENY, ['169.254.0.0/16', '100.64.0.0/10', 'fc00::/7']);
      expect(why('169.254.169.254', policy)).toBe('it is in HTTP_JOB_DENY (169.254.169.254/32)');
      expect(why('169.254.170.2', policy)).toBe('it is in HTTP_JOB_DENY (169.254.170.2/32)');
      expect(why('100.100.100.200', policy)).toBe('it is in HTTP_JOB_DENY (100.100.100.200/32)');
      expect(why('FD00:0EC2:0000:0000:0000:0000:0000:0254', policy)).toBe('it is in HTTP_JOB_DENY (fd00:ec2::254/128)');
      expect(why('169.254.169.123', policy)).toBeNull();
      expect(why('fd00:ec2::253', policy)).toBeNull();
    });

    it('applies its IPv4 ranges to every IPv6 form carrying the address', () => {
      const policy = new AddressPolicy(['8.8.8.8/32'], ['0.0.0.0/0', '::/0']);
      expect(why('8.8.8.8', policy)).toBe('it is in HTTP_JOB_DENY (8.8.8.8/32)');
      expect(why('8.8.4.4', policy)).toBeNull();
      for (const [address, form] of [
        ['::ffff:808:808', 'IPv4-mapped'],
        ['64:ff9b::808:808', 'NAT64'],
        ['2002:808:808::', '6to4'],
        ['::808:808', 'IPv4-compatible'],
      ]) {
        expect(why(address, policy)).toBe(`it embeds 8.8.8.8 (${form}), which is in HTTP_JOB_DENY (8.8.8.8/32)`);
      }
    });

    it('is named before a built-in range that also covers the address', () => {
      expect(why('169.254.169.254')).toBe('it is in HTTP_JOB_DENY (169.254.169.254/32)');
      expect(why('169.254.1.1')).toBe(`it is ${builtIn('169.254.0.0/16')}`);
    });
  });

  it('refuses to judge what is not an IP address, and to take a range that is not CIDR', () => {
    const policy = new AddressPolicy([], []);
    expect(() => policy.refusalOf('metadata.google.internal')).toThrow(
      '"metadata.google.internal" is not an IP address',
    );
    expect(() => new AddressPolicy(['169.254.0.0'])).toThrow('"169.254.0.0" is not a CIDR range');
    expect(() => new AddressPolicy([], ['10.0.0.0/33'])).toThrow('"10.0.0.0/33" is not a CIDR range');
  });

  it('throws an error naming the address, the host name and the rule', () => {
    const policy = new AddressPolicy(DEFAULT_DENY, []);
    expect(() => policy.check('93.184.216.34')).not.toThrow();
    expect(() => policy.check('127.0.0.1')).toThrow(
      new AddressRefusedError({ address: '127.0.0.1', cidr: '127.0.0.0/8', kind: 'a loopback address' }),
    );
    const error = (() => {
      try {
        policy.check('::ffff:127.0.0.1', 'app.test');
      } catch (caught) {
        return caught;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error).toMatchObject({ code: 'ERR_ADDRESS_REFUSED', address: '::ffff:7f00:1', rule: '127.0.0.0/8' });
    expect((error as Error).message).toBe(
      'refused to connect to ::ffff:7f00:1 (the address of app.test): it embeds 127.0.0.1 (IPv4-mapped), ' +
        'which is a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)',
    );
    expect(() => policy.check('169.254.169.254')).toThrow(
      'refused to connect to 169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32)',
    );
  });

  it('finds a refusal behind the errors that wrap it', () => {
    const refusal = new AddressRefusedError({ address: '169.254.169.254', cidr: '169.254.169.254/32' });
    expect(addressRefusal(refusal)).toBe(refusal);
    expect(addressRefusal(new TypeError('fetch failed', { cause: refusal }))).toBe(refusal);
    const foreign = Object.assign(new Error('refused to connect to x'), { code: 'ERR_ADDRESS_REFUSED' });
    expect(addressRefusal(foreign)).toBe(foreign);
    expect(addressRefusal(new Error('connect ECONNREFUSED'))).toBeNull();
    expect(addressRefusal(undefined)).toBeNull();
  });
});
