import { AddressPolicy, AddressRefusedError, addressForms, addressRefusal } from './address-policy.js';

/** The defaults of HTTP_JOB_DENY and HTTP_JOB_ALLOW. */
const DEFAULT_DENY = ['169.254.0.0/16', 'fd00:ec2::254/128'];

describe('AddressPolicy', () => {
  const policy = new AddressPolicy(DEFAULT_DENY, []);

  it('denies link-local IPv4 and the IPv6 metadata address by default', () => {
    expect(policy.deniedBy('169.254.169.254')).toBe('169.254.0.0/16');
    expect(policy.deniedBy('169.254.0.1')).toBe('169.254.0.0/16');
    expect(policy.deniedBy('fd00:ec2::254')).toBe('fd00:ec2::254/128');
    expect(policy.deniedBy('FD00:0EC2:0000:0000:0000:0000:0000:0254')).toBe('fd00:ec2::254/128');
    expect(policy.deniedBy('[fd00:ec2::254]')).toBe('fd00:ec2::254/128');
  });

  it('lets other addresses through', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '169.255.0.1', '169.253.255.255', '::1', 'fd00:ec2::253']) {
      expect(policy.deniedBy(address)).toBeNull();
    }
  });

  it('denies an IPv4-mapped IPv6 address by its IPv4 range, in either spelling', () => {
    expect(policy.deniedBy('::ffff:169.254.169.254')).toBe('169.254.0.0/16');
    expect(policy.deniedBy('::ffff:a9fe:a9fe')).toBe('169.254.0.0/16');
    expect(policy.deniedBy('0:0:0:0:0:ffff:a9fe:a9fe')).toBe('169.254.0.0/16');
    expect(policy.deniedBy('::ffff:127.0.0.1')).toBeNull();
  });

  it('lets HTTP_JOB_ALLOW make exceptions to HTTP_JOB_DENY', () => {
    const loopback = new AddressPolicy(['127.0.0.0/8', '169.254.0.0/16'], ['127.0.0.1/32', '169.254.169.123/32']);
    expect(loopback.deniedBy('127.0.0.1')).toBeNull();
    expect(loopback.deniedBy('::ffff:127.0.0.1')).toBeNull();
    expect(loopback.deniedBy('127.0.0.2')).toBe('127.0.0.0/8');
    expect(loopback.deniedBy('169.254.169.123')).toBeNull();
    expect(loopback.deniedBy('169.254.169.254')).toBe('169.254.0.0/16');
  });

  it('allows everything with no rules, and nothing with 0.0.0.0/0 and ::/0', () => {
    expect(new AddressPolicy([], []).deniedBy('169.254.169.254')).toBeNull();
    const all = new AddressPolicy(['0.0.0.0/0', '::/0'], []);
    expect(all.deniedBy('8.8.8.8')).toBe('0.0.0.0/0');
    expect(all.deniedBy('2001:db8::1')).toBe('::/0');
  });

  it('refuses to judge what is not an IP address, and to take a range that is not CIDR', () => {
    expect(() => policy.deniedBy('metadata.google.internal')).toThrow(
      '"metadata.google.internal" is not an IP address',
    );
    expect(() => new AddressPolicy(['169.254.0.0'])).toThrow('"169.254.0.0" is not a CIDR range');
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow('"10.0.0.0/33" is not a CIDR range');
  });

  it('throws an error naming the address, the host name and the rule', () => {
    expect(() => policy.check('10.1.2.3')).not.toThrow();
    expect(() => policy.check('169.254.169.254')).toThrow(
      new AddressRefusedError('169.254.169.254', '169.254.0.0/16').message,
    );
    expect(new AddressRefusedError('169.254.169.254', '169.254.0.0/16').message).toBe(
      'refused to connect to 169.254.169.254: the address is in HTTP_JOB_DENY (169.254.0.0/16)',
    );
    expect(new AddressRefusedError('::ffff:169.254.169.254', '169.254.0.0/16', 'metadata.test').message).toBe(
      'refused to connect to ::ffff:a9fe:a9fe (169.254.169.254) (the address of metadata.test): ' +
        'the address is in HTTP_JOB_DENY (169.254.0.0/16)',
    );
  });

  it('finds a refusal behind the errors that wrap it', () => {
    const refusal = new AddressRefusedError('169.254.169.254', '169.254.0.0/16');
    expect(addressRefusal(refusal)).toBe(refusal);
    expect(addressRefusal(new TypeError('fetch failed', { cause: refusal }))).toBe(refusal);
    const foreign = Object.assign(new Error('refused to connect to x'), { code: 'ERR_ADDRESS_REFUSED' });
    expect(addressRefusal(foreign)).toBe(foreign);
    expect(addressRefusal(new Error('connect ECONNREFUSED'))).toBeNull();
    expect(addressRefusal(undefined)).toBeNull();
  });

  it('spells addresses the way they are matched', () => {
    expect(addressForms('10.0.0.1')).toEqual(['10.0.0.1']);
    expect(addressForms('[FE80::1%eth0]')).toEqual(['fe80::1']);
    expect(addressForms('::ffff:10.0.0.1')).toEqual(['::ffff:a00:1', '10.0.0.1']);
  });
});
