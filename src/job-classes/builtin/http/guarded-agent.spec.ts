import { createServer, type Server } from 'node:http';
import { type AddressInfo, isIP, type LookupFunction, Socket } from 'node:net';
import { type Agent, request } from 'undici';
import { ENV_VARS } from '../../../config/config.schema.js';
import { AddressPolicy, AddressRefusedError } from './address-policy.js';
import { createGuardedAgent } from './guarded-agent.js';

/** The default of HTTP_JOB_DENY, as the configuration has it. */
const DEFAULT_DENY = (ENV_VARS.HTTP_JOB_DENY.default ?? '').split(',');
/** What the local test server needs to be reached. */
const LOCAL = ['127.0.0.1/32'];
/** `<kind> (<cidr>; HTTP_JOB_ALLOW can open it)`. */
const LOOPBACK = 'a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)';

/** A resolver answering from `answer(n)` on its n-th call (n from 1), recording the names asked. */
function fakeDns(answer: (call: number) => string[]): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname);
    const addresses = answer(asked.length).map((address) => ({ address, family: isIP(address) }));
    process.nextTick(() => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
  return { lookup, asked };
}

const originalConnect = Socket.prototype.connect;
/** Socket#connect calls since the tripwire went up. */
let connectAttempts = 0;

/**
 * Counts every Socket#connect (the first step of any TCP or TLS connection: lookup, then handshake)
 * and fails it, so that a broken guard reaches nothing either.
 */
function raiseTripwire(): void {
  connectAttempts = 0;
  Socket.prototype.connect = function tripwire(this: Socket): Socket {
    connectAttempts += 1;
    process.nextTick(() => this.destroy(new Error('tripwire: a connection was attempted')));
    return this;
  };
}

describe('createGuardedAgent', () => {
  let server: Server;
  let port: number;
  /** TCP connections the local server accepted. */
  let accepted = 0;
  let agent: Agent | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('connection', 'close'); // every request needs a new connection (and a new lookup)
      res.end('ok');
    });
    server.on('connection', () => (accepted += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (accepted = 0));
  afterEach(async () => {
    Socket.prototype.connect = originalConnect;
    await agent?.close();
    agent = undefined;
  });

  async function get(url: string): Promise<string> {
    const response = await request(url, { dispatcher: agent });
    return response.body.text();
  }

  it.each([
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32)'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254: it is in HTTP_JOB_DENY (fd00:ec2::254/128)'],
    [
      'http://[::ffff:169.254.169.254]/',
      '::ffff:a9fe:a9fe: it embeds 169.254.169.254 (IPv4-mapped), which is in HTTP_JOB_DENY (169.254.169.254/32)',
    ],
    ['https://169.254.169.254/', '169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32)'],
    ['http://127.0.0.1:8080/', `127.0.0.1: it is ${LOOPBACK}`],
    ['http://0.0.0.0/', '0.0.0.0: it is a "this network" address (0.0.0.0/8; HTTP_JOB_ALLOW can open it)'],
    ['http://[::1]/', '::1: it is a loopback address (::1/128; HTTP_JOB_ALLOW can open it)'],
    ['http://[64:ff9b::7f00:1]/', `64:ff9b::7f00:1: it embeds 127.0.0.1 (NAT64), which is ${LOOPBACK}`],
    ['http://10.0.0.1/', '10.0.0.1: it is an RFC 1918 private address (10.0.0.0/8; HTTP_JOB_ALLOW can open it)'],
  ])('refuses %s by default without opening a socket', async (url, why) => {
    const dns = fakeDns(() => ['127.0.0.1']);
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, []), { lookup: dns.lookup });
    raiseTripwire();
    const error: unknown = await get(url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as Error).message).toBe(`refused to connect to ${why}`);
    expect(connectAttempts).toBe(0);
    expect(dns.asked).toEqual([]);
  });

  it('refuses a host name resolving to a denied address before the TCP handshake', async () => {
    const dns = fakeDns(() => ['127.0.0.1']);
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, []), { lookup: dns.lookup });
    await expect(get(`http://app.test:${port}/`)).rejects.toThrow(
      `refused to connect to 127.0.0.1 (the address of app.test): it is ${LOOPBACK}`,
    );
    expect(dns.asked).toEqual(['app.test']);
    expect(accepted).toBe(0);
  });

  it('refuses a host name when any of its addresses is denied', async () => {
    const dns = fakeDns(() => ['127.0.0.1', '::ffff:169.254.169.254']);
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, LOCAL), { lookup: dns.lookup });
    await expect(get(`http://two.test:${port}/`)).rejects.toThrow(
      'refused to connect to ::ffff:a9fe:a9fe (the address of two.test): it embeds 169.254.169.254 (IPv4-mapped)',
    );
    expect(accepted).toBe(0);
  });

  it('checks the address again on every connection, so DNS rebinding gets nowhere', async () => {
    const dns = fakeDns((call) => (call === 1 ? ['127.0.0.1'] : ['127.0.0.2']));
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, LOCAL), { lookup: dns.lookup });
    await expect(get(`http://rebind.test:${port}/`)).resolves.toBe('ok');
    await expect(get(`http://rebind.test:${port}/`)).rejects.toThrow(
      `refused to connect to 127.0.0.2 (the address of rebind.test): it is ${LOOPBACK}`,
    );
    expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
    expect(accepted).toBe(1);
  });

  it('connects where HTTP_JOB_ALLOW makes an exception, by IPv4 address or IPv4-mapped', async () => {
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, LOCAL));
    await expect(get(`http://127.0.0.1:${port}/`)).resolves.toBe('ok');
    await expect(get(`http://[::ffff:127.0.0.1]:${port}/`)).resolves.toBe('ok');
    expect(accepted).toBe(2);
  });

  it('refuses a denied address alike whether its port is open or closed, trying neither', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, []));
    raiseTripwire();
    const open = await get(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught);
    const shut = await get(`http://127.0.0.1:${closedPort}/`).catch((caught: unknown) => caught);
    expect(open).toBeInstanceOf(AddressRefusedError);
    expect(shut).toBeInstanceOf(AddressRefusedError);
    expect((open as Error).message).toBe(`refused to connect to 127.0.0.1: it is ${LOOPBACK}`);
    expect((shut as Error).message).toBe((open as Error).message);
    expect(connectAttempts).toBe(0);
    expect(accepted).toBe(0);
  });

  it('gives up connecting after the connect timeout', async () => {
    const silent: LookupFunction = () => undefined; // never answers
    agent = createGuardedAgent(new AddressPolicy(DEFAULT_DENY, LOCAL), { lookup: silent, connectTimeoutMs: 100 });
    await expect(get(`http://slow.test:${port}/`)).rejects.toThrow(/Connect Timeout Error.*slow\.test/);
  });
});
