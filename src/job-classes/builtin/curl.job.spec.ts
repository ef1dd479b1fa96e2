import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobFailedError, type JobRunContext } from '../job-class.types.js';
import { CurlJob } from './curl.job.js';

function contextWith(signal: AbortSignal = new AbortController().signal, outputMaxBytes = 65536): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', signal, logger: quiet, outputMaxBytes };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('CurlJob', () => {
  const job = new CurlJob();
  let server: Server;
  let base: string;
  const requested: string[] = [];
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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
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

  it('refuses arguments it cannot send, naming the field', () => {
    expect(job.checkArguments(['ftp://example.com/'])).toBe('pub_args[0] (url) must be an http(s) URL');
    expect(job.checkArguments(['not a url'])).toBe('pub_args[0] (url) must be an http(s) URL');
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
  });
});
