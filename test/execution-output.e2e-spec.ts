import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Actor, loginAdmin, newUser } from './support/actors.js';
import { AppProcess } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { type ExecutionBody, MISSING_ID, restClient, sleep } from './support/scheduling.js';
import { dropUnusedConnections, EventStreamClient, listen, type StreamEvent } from './support/sse.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

interface OutputEvent {
  stream: 'stdout' | 'stderr';
  data: string;
}

const OUTPUT_MAX_BYTES = 1024;
const outputPath = (id: string): string => `/api/v1/executions/${id}/output`;
const textOf = (events: StreamEvent[]): string =>
  events
    .filter((event) => event.event === 'output')
    .map((event) => (event.data as OutputEvent).data)
    .join('');

describe('GET /api/v1/executions/:execution_id/output (live output over SSE)', () => {
  let t: TestApp;
  let base: string;
  let api: ReturnType<typeof restClient>;
  let admin: Actor;
  let second: AppProcess;
  let workDir: string;
  let closed = false;
  const streams: EventStreamClient[] = [];

  const open = async (actor: Actor, id: string, on = base): Promise<EventStreamClient> => {
    const stream = await EventStreamClient.open(on, outputPath(id), actor.bearer);
    streams.push(stream);
    return stream;
  };

  /** A ShellJob of the admin (ShellJob needs code_execute) running `script` with /bin/sh, started now. */
  const runShell = async (name: string, script: string): Promise<{ jobId: string; executionId: string }> => {
    const job = await api.createJob(admin, {
      name,
      job_class_string: 'ShellJob',
      pub_args: ['/bin/sh', '-c', script],
      paused: true,
    });
    const run = await api.as(admin).post(`/api/v1/executions/${job.job_id}`);
    expect(run.status).toBe(201);
    return { jobId: job.job_id, executionId: (run.body as { execution_id: string }).execution_id };
  };

  const stateOf = async (id: string): Promise<string> =>
    ((await api.as(admin).get(`/api/v1/executions/${id}`)).body as ExecutionBody).state;

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOG_LEVEL: 'debug', OUTPUT_MAX_BYTES: String(OUTPUT_MAX_BYTES), EVENTS_HEARTBEAT_SECONDS: '1' },
    });
    base = await listen(t);
    api = restClient(t);
    admin = await loginAdmin(t);
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-output-'));
    const port = await freePort();
    second = new AppProcess(
      {
        DATABASE_URL: t.database.url,
        ADMIN_PASSWORD: TEST_ADMIN.password,
        BCRYPT_COST: '4',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATA_DIR: path.join(workDir, 'data'),
        OUTPUT_MAX_BYTES: String(OUTPUT_MAX_BYTES),
      },
      workDir,
      `http://127.0.0.1:${port}`,
      TEST_ADMIN.password,
    );
    await second.start();
  });

  afterEach(async () => {
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
  });

  afterAll(async () => {
    await second?.kill('SIGTERM');
    if (!closed && t) {
      dropUnusedConnections(t);
      await t.close();
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('streams a running ShellJob’s output in chunks as it is written, then end', async () => {
    const { executionId } = await runShell('three-lines', 'for i in 1 2 3; do echo line$i; sleep 1; done');
    const stream = await open(admin, executionId);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.waitForEvent('line1', (event) => textOf([event]).includes('line1'), 5_000);
    const line1At = Date.now();
    // It arrived while the run was still going.
    expect(await stateOf(executionId)).toBe('running');
    expect(textOf(stream.events)).not.toContain('line3');
    await stream.waitForEvent('line3', () => textOf(stream.events).includes('line3'), 10_000);
    expect(Date.now() - line1At).toBeGreaterThan(1_200);
    const end = await stream.waitForEvent('end', (event) => event.event === 'end', 10_000);
    expect(await stream.waitForEnd(3_000)).toBe(true);

    expect(textOf(stream.events)).toBe('line1\nline2\nline3\n');
    const outputs = stream.named<OutputEvent>('output');
    expect(outputs.length).toBeGreaterThanOrEqual(3);
    expect(outputs.every((output) => output.stream === 'stdout')).toBe(true);
    const finished = (await api.as(admin).get(`/api/v1/executions/${executionId}`)).body as ExecutionBody;
    expect(finished.state).toBe('succeeded');
    expect(end.data).toEqual(finished);
    expect(stream.events.at(-1)?.event).toBe('end');
  });

  it('starts with the tail so far, at most OUTPUT_MAX_BYTES, and keeps stderr apart', async () => {
    const { executionId } = await runShell(
      'chatty',
      'i=0; while [ $i -lt 100 ]; do echo "line $i of a program that prints a lot of text"; i=$((i+1)); done; ' +
        // the pause lets the server read the stdout pipe before stderr's line: the tail keeps the newest
        // bytes in the order they were read, and a stdout chunk read after 'oops' would push it out
        'echo TAILMARK; sleep 0.5; echo oops >&2; sleep 2; echo after',
    );
    await sleep(1_000);
    const stream = await open(admin, executionId);
    await stream.waitForEvent('the end', (event) => event.event === 'end', 10_000);
    const afterIndex = stream.events.findIndex((event) => textOf([event]).includes('after'));
    const tail = stream.events.slice(0, afterIndex);
    const tailBytes = Buffer.byteLength(textOf(tail));
    expect(tailBytes).toBeGreaterThan(0);
    expect(tailBytes).toBeLessThanOrEqual(OUTPUT_MAX_BYTES);
    expect(textOf(tail)).toContain('TAILMARK');
    expect(textOf(tail)).not.toContain('line 0 of');
    expect(stream.named<OutputEvent>('output')).toContainEqual({ stream: 'stderr', data: 'oops\n' });
    expect(textOf(stream.events)).toMatch(/after\n$/);
  });

  it('gives a finished execution’s stored output, then end', async () => {
    const { executionId } = await runShell('quick', 'echo done-already; echo warn >&2');
    await sleep(100);
    for (let i = 0; i < 50 && (await stateOf(executionId)) === 'running'; i += 1) await sleep(100);
    const stream = await open(admin, executionId);
    expect(await stream.waitForEnd(5_000)).toBe(true);
    expect(stream.events.map((event) => event.event)).toEqual(['output', 'output', 'end']);
    expect(stream.named<OutputEvent>('output')).toEqual([
      { stream: 'stdout', data: 'done-already\n' },
      { stream: 'stderr', data: 'warn\n' },
    ]);
    expect(stream.named<ExecutionBody>('end')[0].state).toBe('succeeded');
  });

  it('relays the output to a stream held on another instance', async () => {
    const { executionId } = await runShell('elsewhere', 'for i in 1 2 3; do echo far$i; sleep 1; done');
    const stream = await open(admin, executionId, second.url);
    expect(stream.status).toBe(200);
    await stream.waitForEvent('far1', () => textOf(stream.events).includes('far1'), 5_000);
    expect(await stateOf(executionId)).toBe('running');
    const end = await stream.waitForEvent('end', (event) => event.event === 'end', 10_000);
    expect(textOf(stream.events)).toBe('far1\nfar2\nfar3\n');
    expect((end.data as ExecutionBody).state).toBe('succeeded');
  });

  it('answers 404 for another user’s execution and a missing one, 403 without execution_view, 401 without a token', async () => {
    const { executionId } = await runShell('admins-own', 'echo private');
    const alice = await newUser(t, { roles: ['job_manager'] });
    const nobody = await newUser(t, { roles: [] });
    expect((await open(alice, executionId)).status).toBe(404);
    expect((await open(alice, MISSING_ID)).status).toBe(404);
    expect((await open(alice, 'not-a-uuid')).status).toBe(404);
    const refused = await open(nobody, executionId);
    expect(refused.status).toBe(403);
    const anonymous = await fetch(`${base}${outputPath(executionId)}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const created = await t
      .http()
      .post('/api/v1/auth/tokens')
      .set('Authorization', alice.bearer)
      .send({ name: 'output' })
      .expect(201);
    const withApiToken = await fetch(`${base}${outputPath(executionId)}`, {
      headers: { Authorization: `Bearer ${(created.body as { token: string }).token}` },
    });
    expect(withApiToken.status).toBe(401);
    expect(withApiToken.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="not an access token"',
    );
    const garbage = await fetch(`${base}${outputPath(executionId)}`, { headers: { Authorization: 'Bearer a.b.c' } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="malformed"');
    expect(JSON.parse((await open(alice, executionId)).body)).toEqual({
      statusCode: 404,
      message: 'Execution not found',
      error: 'Not Found',
    });
  });

  it('never writes a token into a URL or a log line', () => {
    const text = JSON.stringify(t.logs());
    expect(text).toMatch(/"url":"\/api\/v1\/executions\/[0-9a-f-]{36}\/output"/);
    expect(text).not.toContain(admin.token);
    expect(text).not.toContain(admin.token.split('.')[2]);
  });

  it('ends open streams when the app closes, without hanging', async () => {
    const { executionId } = await runShell('long', 'echo start; sleep 30');
    const output = await open(admin, executionId);
    const events = await EventStreamClient.open(base, '/api/v1/events', admin.bearer);
    streams.push(events);
    await output.waitForEvent('start', () => textOf(output.events).includes('start'), 5_000);
    const started = Date.now();
    dropUnusedConnections(t);
    closed = true;
    await t.close();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await output.waitForEnd(2_000)).toBe(true);
    expect(await events.waitForEnd(2_000)).toBe(true);
  });
});
