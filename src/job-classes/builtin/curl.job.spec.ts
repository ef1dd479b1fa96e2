import { ConfigService } from '@nestjs/config';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP, type LookupFunction, Socket } from 'node:net';
import type { AppConfig } from '../../config/app-config.js';
import { ENV_VARS } from '../../config/config.schema.js';
import { JobFailedError, type JobRunContext } from '../job-class.types.js';
import { CurlJob, type CurlJobTuning } from './curl.job.js';

/** The defaults of HTTP_JOB_DENY and HTTP_JOB_ALLOW. */
const DEFAULT_RULES: AppConfig['curl'] = { deny: (ENV_VARS.HTTP_JOB_DENY.default ?? '').split(','), allow: [] };
/** The defaults, with HTTP_JOB_ALLOW opening the local test server's address (loopback is denied by default). */
const LOCAL_RULES: AppConfig['curl'] = { ...DEFAULT_RULES, allow: ['127.0.0.1/32'] };
/** The reason a loopback address is refused. */
const LOOPBACK = 'a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)';

function curlJob(curl: AppConfig['curl'] = LOCAL_RULES, tuning: CurlJobTuning = {}): CurlJob {
  return new CurlJob(new ConfigService<AppConfig, true>({ curl }), tuning);
}

function contextWith(signal: AbortSignal = new AbortController().signal, outputMaxBytes = 65536): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: 'u1', signal, logger: quiet, outputMaxBytes };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const originalConnect = Socket.prototype.connect;
/** Socket#connect calls to other hosts than those let through, since the tripwire went up. */
let connectAttempts = 0;

/** The host a Socket#connect call is for: `connect(options)`, `connect([options, listener])` or `connect(port, host)`. */
function connectHost(args: unknown[]): unknown {
  const [first, second] = args;
  const options: unknown = Array.isArray(first) ? first[0] : first;
  if (typeof options === 'object' && options !== null) return (options as { host?: unknown }).host;
  return second;
}

/**
 * Counts every Socket#connect (where any TCP or TLS connection starts: lookup, then handshake) to a
 * host not in `letThrough` and fails it, so that a broken guard reaches nothing either.
 */
function raiseTripwire(letThrough: string[] = []): void {
  connectAttempts = 0;
  Socket.prototype.connect = function tripwire(this: Socket, ...args: unknown[]): Socket {
    const host = connectHost(args);
    if (typeof host === 'string' && letThrough.includes(host))
      return Reflect.apply(originalConnect, this, args) as Socket;
    connectAttempts += 1;
    process.nextTick(() => this.destroy(new Error(`tripwire: a connection to ${String(host)} was attempted`)));
    return this;
  };
}

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

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('CurlJob', () => {
  const job = curlJob();
  /** Made by a test, destroyed after it. */
  let other: CurlJob | undefined;
  let server: Server;
  let base: string;
  let port: number;
  const requested: string[] = [];
  /** TCP connections the local server accepted. */
  let accepted = 0;
  /** Set by the /endless route when the client hangs up. */
  let endlessClosed: Promise<void> = Promise.resolve();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requested.push(`${req.method} ${req.url}`);
    switch (req.url ?? '') {
      case '/hello':
        res.end('hello');
        return;
      case '/echo':
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            method: req.method,
            contentType: req.headers['content-type'] ?? null,
            custom: req.headers['x-custom'] ?? null,
            body: await bodyOf(req),
          }),
        );
        return;
      case '/missing':
        res.statusCode = 404;
        res.end('not here');
        return;
      case '/big':
        res.end('x'.repeat(200_000));
        return;
      case '/endless': {
        endlessClosed = new Promise((resolve) => res.once('close', () => resolve()));
        const chunk = 'y'.repeat(16_384);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      case '/redirect':
        res.statusCode = 302;
        res.setHeader('location', '/hello');
        res.end();
        return;
      case '/redirect-post':
        res.statusCode = 302;
        res.setHeader('location', '/echo');
        res.end();
        return;
      case '/redirect-307':
        res.statusCode = 307;
        res.setHeader('location', '/echo');
        res.end();
        return;
      case '/to-metadata':
        res.statusCode = 301;
        res.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
        res.end();
        return;
      case '/to-loopback':
        res.statusCode = 302;
        res.setHeader('location', `http://[::ffff:127.0.0.2]:${port}/hello`);
        res.end();
        return;
      case '/to-file':
        res.statusCode = 302;
        res.setHeader('location', 'file:///etc/passwd');
        res.end();
        return;
      case '/to-other':
        res.statusCode = 302;
        res.setHeader('location', `http://other.test:${port}/headers`);
        res.end();
        return;
      case '/headers':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, headers: req.headers }));
        return;
      case '/close':
        res.setHeader('connection', 'close');
        res.end('closed');
        return;
      case '/loop':
        res.statusCode = 302;
        res.setHeader('location', '/loop');
        res.end();
        return;
      case '/hang':
        return;
      case '/half':
        res.write('partial');
        return;
      default:
        res.statusCode = 500;
        res.end();
    }
  }

  beforeAll(async () => {
    server = createServer((req, res) => void route(req, res));
    server.on('connection', () => (accepted += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await job.onModuleDestroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requested.length = 0;
    accepted = 0;
  });
  afterEach(async () => {
    Socket.prototype.connect = originalConnect;
    await other?.onModuleDestroy();
    other = undefined;
  });

  it('returns the status and the body', async () => {
    await expect(job.run([`${base}/hello`], contextWith())).resolves.toEqual({ status: 200, body: 'hello' });
  });

  it('sends an object body as JSON, with the method and headers given', async () => {
    const result = await job.run([`${base}/echo`, 'post', { a: 1 }, { 'X-Custom': 'yes' }], contextWith());
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      method: 'POST',
      contentType: 'application/json',
      custom: 'yes',
      body: '{"a":1}',
    });
  });

  it('sends a string body as it is, keeping a content-type given', async () => {
    const result = await job.run(
      [`${base}/echo`, 'PUT', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }],
      contextWith(),
    );
    expect(JSON.parse(result.body)).toMatchObject({
      method: 'PUT',
      contentType: 'application/x-www-form-urlencoded',
      body: 'a=1',
    });
  });

  it('fails on a status of 400 or more, keeping status and body as the result', async () => {
    const error = await rejectionOf(job.run([`${base}/missing`], contextWith()));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('CurlJob got HTTP 404');
    expect((error as JobFailedError).result).toEqual({ status: 404, body: 'not here' });
  });

  it('cuts the body at outputMaxBytes and says so', async () => {
    const result = await job.run([`${base}/big`], contextWith(undefined, 1024));
    expect(result).toEqual({ status: 200, body: `${'x'.repeat(1024)}\n[truncated after 1024 bytes]` });
  });

  it('stops downloading past the limit', async () => {
    const result = await job.run([`${base}/endless`], contextWith(undefined, 1024));
    expect(result.body).toBe(`${'y'.repeat(1024)}\n[truncated after 1024 bytes]`);
    await endlessClosed;
  });

  it('does not follow redirects', async () => {
    requested.length = 0;
    await expect(job.run([`${base}/redirect`], contextWith())).resolves.toEqual({ status: 302, body: '' });
    expect(requested).toEqual(['GET /redirect']);
  });

  it('gives up when aborted while waiting for the answer, with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped on request');
    const run = job.run([`${base}/hang`], contextWith(controller.signal));
    setTimeout(() => controller.abort(reason), 50);
    await expect(run).rejects.toBe(reason);
  });

  it('gives up when aborted while reading the body', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out after 1 s');
    const run = job.run([`${base}/half`], contextWith(controller.signal));
    setTimeout(() => controller.abort(reason), 100);
    await expect(run).rejects.toBe(reason);
  });

  it('says why the request failed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(job.run([`http://127.0.0.1:${port}/`], contextWith())).rejects.toThrow(
      `CurlJob request to http://127.0.0.1:${port}/ failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('gives up after the total timeout, saying so', async () => {
    other = curlJob(LOCAL_RULES, { totalTimeoutMs: 200 });
    await expect(other.run([`${base}/hang`], contextWith())).rejects.toThrow(
      `CurlJob got no complete answer from ${base}/hang within 0.2 s`,
    );
    await expect(other.run([`${base}/half`], contextWith())).rejects.toThrow(
      `CurlJob got no complete answer from ${base}/half within 0.2 s`,
    );
  });

  describe('address rules (built-in, HTTP_JOB_ALLOW, HTTP_JOB_DENY)', () => {
    it.each([
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32)'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254: it is in HTTP_JOB_DENY (fd00:ec2::254/128)'],
      [
        'http://[::ffff:169.254.169.254]/',
        '::ffff:a9fe:a9fe: it embeds 169.254.169.254 (IPv4-mapped), which is in HTTP_JOB_DENY (169.254.169.254/32)',
      ],
      ['https://169.254.169.254:8443/', '169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32)'],
      ['http://127.0.0.1/', `127.0.0.1: it is ${LOOPBACK}`],
      ['http://0177.0.0.1/', `127.0.0.1: it is ${LOOPBACK}`],
      ['http://2130706433/', `127.0.0.1: it is ${LOOPBACK}`],
      ['http://0x7f.1/', `127.0.0.1: it is ${LOOPBACK}`],
      ['http://0.0.0.0/', '0.0.0.0: it is a "this network" address (0.0.0.0/8; HTTP_JOB_ALLOW can open it)'],
      ['http://0/', '0.0.0.0: it is a "this network" address (0.0.0.0/8; HTTP_JOB_ALLOW can open it)'],
      ['http://[::1]/', '::1: it is a loopback address (::1/128; HTTP_JOB_ALLOW can open it)'],
      ['http://[::]/', '::: it is the unspecified address (::/128; HTTP_JOB_ALLOW can open it)'],
      ['http://[::ffff:127.0.0.1]/', `::ffff:7f00:1: it embeds 127.0.0.1 (IPv4-mapped), which is ${LOOPBACK}`],
      ['http://[::127.0.0.1]/', `::7f00:1: it embeds 127.0.0.1 (IPv4-compatible), which is ${LOOPBACK}`],
      ['http://[64:ff9b::7f00:1]/', `64:ff9b::7f00:1: it embeds 127.0.0.1 (NAT64), which is ${LOOPBACK}`],
      ['http://[2002:7f00:1::]/', `2002:7f00:1::: it embeds 127.0.0.1 (6to4), which is ${LOOPBACK}`],
      [
        'http://[::ffff:10.0.0.1]/',
        '::ffff:a00:1: it embeds 10.0.0.1 (IPv4-mapped), which is an RFC 1918 private address ' +
          '(10.0.0.0/8; HTTP_JOB_ALLOW can open it)',
      ],
      [
        'http://192.168.1.1/',
        '192.168.1.1: it is an RFC 1918 private address (192.168.0.0/16; HTTP_JOB_ALLOW can open it)',
      ],
      ['http://[fe80::1]/', 'fe80::1: it is a link-local address (fe80::/10; HTTP_JOB_ALLOW can open it)'],
      [
        'http://255.255.255.255/',
        '255.255.255.255: it is the broadcast address (255.255.255.255/32; HTTP_JOB_ALLOW can open it)',
      ],
    ])('refuses %s by default, before any connection is attempted', async (url, why) => {
      other = curlJob(DEFAULT_RULES);
      raiseTripwire();
      const error = await rejectionOf(other.run([url], contextWith()));
      expect(error).not.toBeInstanceOf(JobFailedError);
      expect((error as Error).message).toBe(`CurlJob refused to connect to ${why}`);
      expect(connectAttempts).toBe(0);
    });

    it('refuses the local server by default: it sees no connection', async () => {
      other = curlJob(DEFAULT_RULES);
      await expect(other.run([`${base}/hello`], contextWith())).rejects.toThrow(
        `CurlJob refused to connect to 127.0.0.1: it is ${LOOPBACK}`,
      );
      expect(accepted).toBe(0);
      expect(requested).toEqual([]);
    });

    it('refuses a loopback port alike whether it is open or closed, attempting neither', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      other = curlJob(DEFAULT_RULES);
      raiseTripwire();
      const open = await rejectionOf(other.run([`http://127.0.0.1:${port}/hello`], contextWith()));
      const shut = await rejectionOf(other.run([`http://127.0.0.1:${closedPort}/hello`], contextWith()));
      expect((open as Error).message).toBe(`CurlJob refused to connect to 127.0.0.1: it is ${LOOPBACK}`);
      expect((shut as Error).message).toBe((open as Error).message);
      expect(connectAttempts).toBe(0);
      expect(accepted).toBe(0);
    });

    it('refuses a host name that resolves to a denied address, at connect time', async () => {
      other = curlJob(DEFAULT_RULES);
      const error = await rejectionOf(other.run([`http://localhost:${port}/hello`], contextWith()));
      expect((error as Error).message).toMatch(
        /^CurlJob refused to connect to (127\.0\.0\.1|::1) \(the address of localhost\): it is a loopback address \((127\.0\.0\.0\/8|::1\/128); HTTP_JOB_ALLOW can open it\)$/,
      );
      expect(accepted).toBe(0);
    });

    it('checks each new connection again: a name rebound to a denied address is refused', async () => {
      const dns = fakeDns((call) => (call === 1 ? ['127.0.0.1'] : ['::ffff:127.0.0.2']));
      other = curlJob(LOCAL_RULES, { lookup: dns.lookup });
      await expect(other.run([`http://rebind.test:${port}/close`], contextWith())).resolves.toEqual({
        status: 200,
        body: 'closed',
      });
      await expect(other.run([`http://rebind.test:${port}/close`], contextWith())).rejects.toThrow(
        'CurlJob refused to connect to ::ffff:7f00:2 (the address of rebind.test): ' +
          `it embeds 127.0.0.2 (IPv4-mapped), which is ${LOOPBACK}`,
      );
      expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
      expect(accepted).toBe(1);
    });

    it('connects where HTTP_JOB_ALLOW opens the built-in list, and nowhere else', async () => {
      other = curlJob(LOCAL_RULES); // a new agent: no connection kept alive from an earlier test
      await expect(other.run([`${base}/hello`], contextWith())).resolves.toEqual({ status: 200, body: 'hello' });
      await expect(other.run([`http://127.0.0.2:${port}/`], contextWith())).rejects.toThrow(
        `CurlJob refused to connect to 127.0.0.2: it is ${LOOPBACK}`,
      );
      expect(accepted).toBe(1);
    });

    it('never connects to an address in HTTP_JOB_DENY, whatever HTTP_JOB_ALLOW says', async () => {
      other = curlJob({ deny: ['127.0.0.1/32'], allow: ['127.0.0.0/8'] });
      await expect(other.run([`${base}/hello`], contextWith())).rejects.toThrow(
        'CurlJob refused to connect to 127.0.0.1: it is in HTTP_JOB_DENY (127.0.0.1/32)',
      );
      expect(accepted).toBe(0);
    });

    it('needs its configuration', async () => {
      other = new CurlJob(new ConfigService<AppConfig, true>({}));
      await expect(other.run([`${base}/hello`], contextWith())).rejects.toThrow(
        'CurlJob has no address rules: HTTP_JOB_DENY and HTTP_JOB_ALLOW are not configured',
      );
    });
  });

  describe('with options.follow_redirects', () => {
    const follow = { follow_redirects: true };

    it('follows a redirect to an allowed target', async () => {
      await expect(job.run([`${base}/redirect`, 'GET', null, {}, follow], contextWith())).resolves.toEqual({
        status: 200,
        body: 'hello',
      });
      expect(requested).toEqual(['GET /redirect', 'GET /hello']);
    });

    it('does not follow with follow_redirects false', async () => {
      const options = { follow_redirects: false };
      await expect(job.run([`${base}/redirect`, 'GET', null, {}, options], contextWith())).resolves.toEqual({
        status: 302,
        body: '',
      });
      expect(requested).toEqual(['GET /redirect']);
    });

    it('refuses a redirect to a denied target, before connecting to it', async () => {
      raiseTripwire(['127.0.0.1']);
      const error = await rejectionOf(job.run([`${base}/to-metadata`, 'GET', null, {}, follow], contextWith()));
      expect((error as Error).message).toBe(
        'CurlJob refused to connect to 169.254.169.254: it is in HTTP_JOB_DENY (169.254.169.254/32) ' +
          `(following a redirect from ${base}/to-metadata)`,
      );
      expect(requested).toEqual(['GET /to-metadata']);
      expect(connectAttempts).toBe(0);
    });

    it('refuses a redirect from an allowed server to another loopback address, before connecting to it', async () => {
      raiseTripwire(['127.0.0.1']);
      const error = await rejectionOf(job.run([`${base}/to-loopback`, 'GET', null, {}, follow], contextWith()));
      expect((error as Error).message).toBe(
        `CurlJob refused to connect to ::ffff:7f00:2: it embeds 127.0.0.2 (IPv4-mapped), which is ${LOOPBACK} ` +
          `(following a redirect from ${base}/to-loopback)`,
      );
      expect(requested).toEqual(['GET /to-loopback']);
      expect(connectAttempts).toBe(0);
    });

    it('turns a POST into a GET without body on 302, and keeps both on 307', async () => {
      const post = (path: string): Promise<{ status: number; body: string }> =>
        job.run([`${base}${path}`, 'POST', { a: 1 }, { 'x-custom': 'yes' }, follow], contextWith());
      expect(JSON.parse((await post('/redirect-post')).body)).toEqual({
        method: 'GET',
        contentType: null,
        custom: 'yes',
        body: '',
      });
      expect(JSON.parse((await post('/redirect-307')).body)).toEqual({
        method: 'POST',
        contentType: 'application/json',
        custom: 'yes',
        body: '{"a":1}',
      });
    });

    it('does not send credentials on to another origin', async () => {
      other = curlJob(LOCAL_RULES, { lookup: fakeDns(() => ['127.0.0.1']).lookup });
      const headers = { authorization: 'Bearer secret', cookie: 'a=1', 'x-custom': 'kept' };
      const result = await other.run([`${base}/to-other`, 'GET', null, headers, follow], contextWith());
      const echoed = JSON.parse(result.body) as { headers: Record<string, string> };
      expect(echoed.headers).toMatchObject({ host: `other.test:${port}`, 'x-custom': 'kept' });
      expect(echoed.headers).not.toHaveProperty('authorization');
      expect(echoed.headers).not.toHaveProperty('cookie');
    });

    it('stops after 5 redirects', async () => {
      await expect(job.run([`${base}/loop`, 'GET', null, {}, follow], contextWith())).rejects.toThrow(
        `CurlJob followed 5 redirects from ${base}/loop; not the next (to /loop)`,
      );
      expect(requested).toEqual(Array(6).fill('GET /loop'));
    });

    it('follows only to http(s) URLs', async () => {
      await expect(job.run([`${base}/to-file`, 'GET', null, {}, follow], contextWith())).rejects.toThrow(
        `CurlJob got a redirect from ${base}/to-file to file:///etc/passwd, which is not http(s): not followed`,
      );
    });
  });

  it('refuses arguments it cannot send, naming the field', () => {
    expect(job.checkArguments(['ftp://example.com/'])).toBe('pub_args[0] (url) must be an http(s) URL');
    expect(job.checkArguments(['not a url'])).toBe('pub_args[0] (url) must be an http(s) URL');
    expect(job.checkArguments(['https://user:secret@example.com/'])).toBe(
      'pub_args[0] (url) must not contain credentials (send an authorization header instead)',
    );
    expect(job.checkArguments(['https://example.com/', 'TRACE'])).toBe(
      'pub_args[1] (method) must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    );
    expect(job.checkArguments(['https://example.com/', 'GET', 'body'])).toBe(
      'pub_args[2] (body) cannot be sent with GET',
    );
    expect(job.checkArguments(['https://example.com/', 'GET', null, { accept: 'text/plain' }])).toBeNull();
    expect(job.checkArguments(['https://example.com/', 'POST', 'x', { accept: 1 }])).toBe(
      'pub_args[3] (headers) header accept must be a string',
    );
    expect(job.checkArguments(['https://example.com/', 'POST', 'x', { 'bad name': 'v' }])).toBe(
      'pub_args[3] (headers) has an invalid header name "bad name"',
    );
    expect(job.checkArguments(['https://example.com/', 'POST', 'x', { a: 'v\r\nInjected: 1' }])).toBe(
      'pub_args[3] (headers) header a must not contain CR, LF or NUL',
    );
    expect(job.checkArguments(['https://example.com/', 'GET', null, {}, { follow_redirects: true }])).toBeNull();
    expect(job.checkArguments(['https://example.com/', 'GET', null, {}, { follow_redirects: 'yes' }])).toBe(
      'pub_args[4] (options) follow_redirects must be a boolean',
    );
    expect(job.checkArguments(['https://example.com/', 'GET', null, {}, { follow: true }])).toBe(
      'pub_args[4] (options) has an unknown option "follow" (known: follow_redirects)',
    );
  });

  it('refuses options of the wrong type before sending anything', async () => {
    await expect(job.run([`${base}/hello`, 'GET', null, {}, true], contextWith())).rejects.toThrow(
      'pub_args[4] (options) must be an object',
    );
    await expect(job.run([`${base}/hello`, 'GET', null, {}, {}, {}], contextWith())).rejects.toThrow(
      'pub_args takes at most 5 values',
    );
    expect(requested).toEqual([]);
  });
});
