import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Actor, newUser, uniqueName } from './support/actors.js';
import { freePort } from './support/ports.js';
import { type ExecutionBody, restClient, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Only the redirecting test server's address is opened: everything else on loopback stays refused. */
const RELAY_HOST = '127.0.0.2';
const LOOPBACK = 'a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)';
const REFUSED_LOOPBACK = `CurlJob refused to connect to 127.0.0.1: it is ${LOOPBACK}`;

/** A local HTTP server that records every TCP connection and request it gets. */
interface Recorder {
  server: Server;
  port: number;
  connections: number;
  requests: string[];
}

async function recorder(
  host: string,
  route: (req: IncomingMessage, res: ServerResponse, self: Recorder) => void,
): Promise<Recorder> {
  const server = createServer();
  const self: Recorder = { server, port: 0, connections: 0, requests: [] };
  server.on('connection', () => (self.connections += 1));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    self.requests.push(`${req.method} ${req.url}`);
    route(req, res, self);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  self.port = (server.address() as AddressInfo).port;
  return self;
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('CurlJob address rules, tried by a job_manager without code_execute', () => {
  let t: TestApp;
  let rest: ReturnType<typeof restClient>;
  let attacker: Actor;
  /** The port the Cronwarden server itself listens on, on 127.0.0.1. */
  let appPort: number;
  /** Requests for /health or /docs-json the Cronwarden server got (the tests never ask for them directly). */
  const appHits: string[] = [];
  /** An open loopback port, as a port scan would look for. */
  let target: Recorder;
  /** A server on the one address HTTP_JOB_ALLOW opens, redirecting wherever it is told. */
  let relay: Recorder;

  beforeAll(async () => {
    t = await createTestApp({ env: { HTTP_JOB_ALLOW: `${RELAY_HOST}/32` } });
    await t.app.listen(0, '127.0.0.1');
    appPort = (t.app.getHttpServer().address() as AddressInfo).port;
    t.app.getHttpServer().on('request', (req: IncomingMessage) => {
      if (req.url === '/health' || req.url === '/docs-json') appHits.push(`${req.method} ${req.url}`);
    });
    rest = restClient(t);
    attacker = await newUser(t, { roles: ['job_manager'] });
    target = await recorder('127.0.0.1', (req, res) => res.end('secret'));
    relay = await recorder(RELAY_HOST, (req, res) => {
      const to = new URL(req.url ?? '/', 'http://relay/').searchParams.get('to');
      if (to) {
        res.statusCode = 302;
        res.setHeader('location', to);
      }
      res.end(to ? '' : 'relay ok');
    });
  });
  afterAll(async () => {
    await stop(target?.server);
    await stop(relay?.server);
    await t?.close();
  });
  beforeEach(() => {
    appHits.length = 0;
    target.connections = 0;
    target.requests.length = 0;
    relay.connections = 0;
    relay.requests.length = 0;
  });

  /** Creates a paused CurlJob as the attacker, runs it now and waits for the execution to end. */
  async function curl(url: string, options?: { follow_redirects: boolean }): Promise<ExecutionBody> {
    const job = await rest.createJob(attacker, {
      name: uniqueName('curl'),
      job_class_string: 'CurlJob',
      pub_args: options ? [url, 'GET', null, {}, options] : [url],
      paused: true,
    });
    const run = await rest.as(attacker).post(`/api/v1/executions/${job.job_id}`);
    expect(run.status).toBe(201);
    const executionId = (run.body as { execution_id: string }).execution_id;
    return waitFor(`the execution of ${url} to end`, async () => {
      const res = await rest.as(attacker).get(`/api/v1/executions/${executionId}`);
      expect(res.status).toBe(200);
      const execution = res.body as ExecutionBody;
      return ['succeeded', 'failed', 'timeout', 'stopped'].includes(execution.state) ? execution : undefined;
    });
  }

  it('is a job_manager who may use CurlJob but not run code', async () => {
    const shell = await rest
      .as(attacker)
      .post('/api/v1/jobs')
      .send({ name: uniqueName('shell'), job_class_string: 'ShellJob', pub_args: ['/bin/true'], paused: true });
    expect(shell.status).toBe(403);
    const allowed = await curl(`http://${RELAY_HOST}:${relay.port}/`);
    expect(allowed).toMatchObject({ state: 'succeeded', result: JSON.stringify({ status: 200, body: 'relay ok' }) });
    expect(relay.requests).toEqual(['GET /']);
  });

  it("cannot read the server's own /health on 127.0.0.1", async () => {
    const execution = await curl(`http://127.0.0.1:${appPort}/health`);
    expect(execution.state).toBe('failed');
    expect(execution.description).toBe(REFUSED_LOOPBACK);
    expect(appHits).toEqual([]);
  });

  it("cannot read the server's /docs-json through the IPv4-mapped [::ffff:127.0.0.1]", async () => {
    const execution = await curl(`http://[::ffff:127.0.0.1]:${appPort}/docs-json`);
    expect(execution.state).toBe('failed');
    expect(execution.description).toBe(
      `CurlJob refused to connect to ::ffff:7f00:1: it embeds 127.0.0.1 (IPv4-mapped), which is ${LOOPBACK}`,
    );
    expect(appHits).toEqual([]);
  });

  it('cannot reach the server through other spellings of the local host', async () => {
    const refusals = {
      [`http://localhost:${appPort}/health`]:
        /^CurlJob refused to connect to (127\.0\.0\.1|::1) \(the address of localhost\): it is a loopback address/,
      [`http://0.0.0.0:${appPort}/health`]: /^CurlJob refused to connect to 0\.0\.0\.0: it is a "this network" address/,
      [`http://2130706433:${appPort}/health`]: /^CurlJob refused to connect to 127\.0\.0\.1: it is a loopback address/,
      [`http://[::1]:${appPort}/health`]: /^CurlJob refused to connect to ::1: it is a loopback address \(::1\/128;/,
      [`http://[64:ff9b::7f00:1]:${appPort}/health`]:
        /^CurlJob refused to connect to 64:ff9b::7f00:1: it embeds 127\.0\.0\.1 \(NAT64\)/,
      [`http://[2002:7f00:1::]:${appPort}/health`]:
        /^CurlJob refused to connect to 2002:7f00:1::: it embeds 127\.0\.0\.1 \(6to4\)/,
    };
    for (const [url, refusal] of Object.entries(refusals)) {
      const execution = await curl(url);
      expect([url, execution.state, execution.description]).toEqual([url, 'failed', expect.stringMatching(refusal)]);
    }
    expect(appHits).toEqual([]);
  });

  it('cannot get there through a redirect from a server HTTP_JOB_ALLOW opens', async () => {
    const health = `http://127.0.0.1:${appPort}/health`;
    const from = `http://${RELAY_HOST}:${relay.port}/?to=${encodeURIComponent(health)}`;
    const execution = await curl(from, { follow_redirects: true });
    expect(execution.state).toBe('failed');
    expect(execution.description).toBe(`${REFUSED_LOOPBACK} (following a redirect from ${from})`);
    expect(relay.requests).toEqual([`GET /?to=${encodeURIComponent(health)}`]);
    expect(appHits).toEqual([]);

    const mapped = `http://[::ffff:127.0.0.1]:${target.port}/`;
    const again = await curl(`http://${RELAY_HOST}:${relay.port}/?to=${encodeURIComponent(mapped)}`, {
      follow_redirects: true,
    });
    expect(again.state).toBe('failed');
    expect(again.description).toMatch(/^CurlJob refused to connect to ::ffff:7f00:1: it embeds 127\.0\.0\.1/);
    expect(target.connections).toBe(0);
  });

  it('learns nothing from a port scan: an open and a closed loopback port fail alike, neither connected to', async () => {
    const closedPort = await freePort();
    const databasePort = Number(new URL(t.database.url).port);
    const ports = [target.port, closedPort, databasePort, appPort];
    const executions: ExecutionBody[] = [];
    for (const port of ports) executions.push(await curl(`http://127.0.0.1:${port}/`));
    for (const execution of executions) {
      expect(execution.state).toBe('failed');
      expect(execution.description).toBe(REFUSED_LOOPBACK);
      // The stored result (error and stack) is the same text whatever the port, open or closed.
      expect(execution.result).toBe(executions[0].result);
    }
    expect(executions[0].result).not.toContain(String(target.port));
    expect(target.connections).toBe(0);
    expect(target.requests).toEqual([]);
    expect(appHits).toEqual([]);
  });

  it('would have seen the requests: the recorders count what reaches them', async () => {
    expect((await t.http().get('/health')).status).toBe(200);
    expect(appHits).toEqual(['GET /health']);
    const response = await fetch(`http://127.0.0.1:${target.port}/`);
    expect(await response.text()).toBe('secret');
    expect(target.connections).toBe(1);
  });
});
