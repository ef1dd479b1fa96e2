import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Actor, loginAdmin, newUser } from './support/actors.js';
import { AppProcess } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { EventHub } from '../src/events/event-hub.service.js';
import { Db, type ExecutionBody, restClient, sleep, waitFor } from './support/scheduling.js';
import { dropUnusedConnections, EventStreamClient, listen } from './support/sse.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

const EVENTS = '/api/v1/events';

interface JobEvent {
  job_id: string;
  change: string;
}

describe('GET /api/v1/events (live events over SSE)', () => {
  let t: TestApp;
  /**
   * A second instance on the same database, as its own process (the built server): two apps in one
   * process would share Passport's process-wide strategies.
   */
  let second: AppProcess;
  let workDir: string;
  let base: string;
  let api: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  let bob: Actor;
  const streams: EventStreamClient[] = [];

  const open = async (actor: Actor, headers: Record<string, string> = {}): Promise<EventStreamClient> => {
    const stream = await EventStreamClient.open(base, EVENTS, actor.bearer, headers);
    streams.push(stream);
    return stream;
  };

  const sampleJob = async (actor: Actor, name: string, extra: Record<string, unknown> = {}): Promise<string> =>
    (
      await api.createJob(actor, {
        name,
        job_class_string: 'SampleJob',
        pub_args: ['hello'],
        paused: true,
        ...extra,
      })
    ).job_id;

  const executionsOf = (stream: EventStreamClient, jobId: string): ExecutionBody[] =>
    stream.named<ExecutionBody>('execution').filter((execution) => execution.job.job_id === jobId);

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOG_LEVEL: 'debug',
        EVENTS_HEARTBEAT_SECONDS: '1',
        EVENTS_RECHECK_SECONDS: '1',
        EVENTS_MAX_STREAMS_PER_USER: '3',
      },
    });
    base = await listen(t);
    api = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-events-'));
    const port = await freePort();
    second = new AppProcess(
      {
        DATABASE_URL: t.database.url,
        ADMIN_PASSWORD: TEST_ADMIN.password,
        BCRYPT_COST: '4',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATA_DIR: path.join(workDir, 'data'),
        EVENTS_MAX_STREAMS: '2',
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
    if (t) dropUnusedConnections(t);
    await t?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('answers 401 without a token and never takes one from the URL', async () => {
    const bare = await fetch(`${base}${EVENTS}`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Bearer');
    // A real token (of a user of its own: it lands in the request log, as any URL does) is not taken from the query.
    const stray = await newUser(t, { roles: ['viewer'] });
    const inUrl = await fetch(`${base}${EVENTS}?access_token=${encodeURIComponent(stray.token)}`);
    expect(inUrl.status).toBe(401);
    expect(inUrl.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('says why in WWW-Authenticate when it refuses a token, with the generic body', async () => {
    const generic = {
      statusCode: 401,
      message: 'Missing, invalid, expired or revoked access token',
      error: 'Unauthorized',
    };
    const garbage = await fetch(`${base}${EVENTS}`, { headers: { Authorization: 'Bearer not-a-jwt' } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="malformed"');
    expect(await garbage.json()).toEqual(generic);

    const frank = await newUser(t, { roles: ['viewer'] });
    await api.as(frank).post('/api/v1/auth/logout').expect(204);
    const revoked = await fetch(`${base}${EVENTS}`, { headers: { Authorization: frank.bearer } });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="revoked"');

    // An API token works on the REST API but cannot hold a stream open (it is re-checked as an access token).
    const grace = await newUser(t, { roles: ['viewer'] });
    const created = await api.as(grace).post('/api/v1/auth/tokens').send({ name: 'events' }).expect(201);
    const apiToken = `Bearer ${(created.body as { token: string }).token}`;
    expect((await fetch(`${base}/api/v1/auth/me`, { headers: { Authorization: apiToken } })).status).toBe(200);
    const refused = await fetch(`${base}${EVENTS}`, { headers: { Authorization: apiToken } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="not an access token"',
    );
    expect(await refused.json()).toEqual(generic);
  });

  it('answers 503 once the instance holds EVENTS_MAX_STREAMS streams, whoever asks', async () => {
    // The second instance runs with EVENTS_MAX_STREAMS=2 (per user: the default 5).
    const onSecond = async (actor: Actor) => {
      const stream = await EventStreamClient.open(second.url, EVENTS, actor.bearer);
      streams.push(stream);
      return stream;
    };
    const [first, other] = [await onSecond(alice), await onSecond(bob)];
    expect([first.status, other.status]).toEqual([200, 200]);
    const refused = await onSecond(admin);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({
      statusCode: 503,
      message: 'This instance already holds its maximum of 2 event streams (EVENTS_MAX_STREAMS); try again later',
      error: 'Service Unavailable',
    });
    // The first instance is not affected, and a closed stream frees its place.
    expect((await open(admin)).status).toBe(200);
    await first.close();
    await waitFor('a freed place on the second instance', async () => (await onSecond(admin)).status === 200);
  });

  it('streams with SSE headers and a heartbeat comment', async () => {
    const stream = await open(alice);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.headers.get('x-request-id')).toBeTruthy();
    await waitFor('a heartbeat', () => Promise.resolve(stream.comments.includes('ping')), { timeoutMs: 3_000 });
  });

  it('gives each user only the events of their own jobs, and the admin everyone’s', async () => {
    const [forAlice, forBob, forAdmin] = [await open(alice), await open(bob), await open(admin)];
    // Alice's job fires every second; Bob's runs once, now.
    const aliceJob = await sampleJob(alice, 'alice-every-second', { paused: false, second: '*' });
    const bobJob = await sampleJob(bob, 'bob-run-now');
    const run = await api.as(bob).post(`/api/v1/executions/${bobJob}`);
    expect(run.status).toBe(201);
    const bobExecution = (run.body as { execution_id: string }).execution_id;

    await forAdmin.waitForEvent('Bob’s execution succeeding on the admin’s stream', (event) => {
      const data = event.data as ExecutionBody;
      return event.event === 'execution' && data.execution_id === bobExecution && data.state === 'succeeded';
    });
    await forAdmin.waitForEvent('a finished fire of Alice’s job on the admin’s stream', (event) => {
      const data = event.data as ExecutionBody;
      return event.event === 'execution' && data.job.job_id === aliceJob && data.state === 'succeeded';
    });
    await forAlice.waitForEvent('a finished fire of her job', (event) => {
      const data = event.data as ExecutionBody;
      return event.event === 'execution' && data.job.job_id === aliceJob && data.state === 'succeeded';
    });
    await forBob.waitForEvent('his run', (event) => (event.data as ExecutionBody).execution_id === bobExecution);
    await api.as(alice).post(`/api/v1/jobs/${aliceJob}/pause`).expect(200);
    await forAdmin.waitForEvent('Alice’s pause', (event) => (event.data as JobEvent).change === 'paused');
    await sleep(300);

    // The execution object is the one GET /executions/:id answers.
    const shown = executionsOf(forBob, bobJob).find((execution) => execution.state === 'succeeded');
    const got = await api.as(bob).get(`/api/v1/executions/${bobExecution}`).expect(200);
    expect(shown).toEqual(got.body);
    expect(Object.keys(shown!).sort()).toEqual(Object.keys(got.body as object).sort());

    // Nobody sees another user's jobs or executions.
    expect(executionsOf(forAlice, bobJob)).toEqual([]);
    expect(executionsOf(forBob, aliceJob)).toEqual([]);
    for (const event of forAlice.events) {
      if (event.event === 'execution') expect((event.data as ExecutionBody).owner?.id).toBe(alice.id);
      if (event.event === 'job') expect((event.data as JobEvent).job_id).not.toBe(bobJob);
    }
    for (const event of forBob.events) {
      if (event.event === 'execution') expect((event.data as ExecutionBody).owner?.id).toBe(bob.id);
      if (event.event === 'job') expect((event.data as JobEvent).job_id).not.toBe(aliceJob);
    }
    expect(forBob.named<JobEvent>('job')).toContainEqual({ job_id: bobJob, change: 'added' });
    expect(forAlice.named<JobEvent>('job')).toContainEqual({ job_id: aliceJob, change: 'added' });
    expect(forAdmin.named<JobEvent>('job')).toEqual(
      expect.arrayContaining([
        { job_id: aliceJob, change: 'added' },
        { job_id: bobJob, change: 'added' },
      ]),
    );
    // Executions: created (running) then finished, with numeric ids in order.
    const states = executionsOf(forBob, bobJob).map((execution) => execution.state);
    expect(states).toContain('succeeded');
    const ids = forAdmin.events.map((event) => Number(event.id));
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends a job event for pause, resume, modify and delete', async () => {
    const jobId = await sampleJob(alice, 'alice-changes');
    const [forAlice, forBob] = [await open(alice), await open(bob)];
    const as = api.as(alice);
    await as.post(`/api/v1/jobs/${jobId}/resume`).expect(200);
    await as.post(`/api/v1/jobs/${jobId}/pause`).expect(200);
    await as.put(`/api/v1/jobs/${jobId}`).send({ hour: '3' }).expect(200);
    // job_manager may not delete here (job_delete): the admin deletes Alice's job, she is told.
    await api.as(admin).delete(`/api/v1/jobs/${jobId}`).expect(200);
    await forAlice.waitForEvent('the deletion', (event) => (event.data as JobEvent).change === 'deleted');
    expect(forAlice.named<JobEvent>('job')).toEqual([
      { job_id: jobId, change: 'resumed' },
      { job_id: jobId, change: 'paused' },
      { job_id: jobId, change: 'modified' },
      { job_id: jobId, change: 'deleted' },
    ]);
    await sleep(300);
    expect(forBob.named('job')).toEqual([]);
  });

  it('delivers a change made through a second instance', async () => {
    const jobId = await sampleJob(alice, 'alice-elsewhere');
    const forAlice = await open(alice);
    const onSecond = async (method: string, route: string): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${second.url}${route}`, { method, headers: { Authorization: alice.bearer } });
      return { status: res.status, body: await res.json() };
    };
    const run = await onSecond('POST', `/api/v1/executions/${jobId}`);
    expect(run.status).toBe(201);
    const executionId = (run.body as { execution_id: string }).execution_id;
    await forAlice.waitForEvent('the run started through the other instance', (event) => {
      const data = event.data as ExecutionBody;
      return event.event === 'execution' && data.execution_id === executionId && data.state === 'succeeded';
    });
    expect((await onSecond('POST', `/api/v1/jobs/${jobId}/resume`)).status).toBe(200);
    await forAlice.waitForEvent('the resume made through the other instance', (event) => {
      const data = event.data as JobEvent;
      return event.event === 'job' && data.job_id === jobId && data.change === 'resumed';
    });
  });

  it('replays what a client missed after Last-Event-ID, scoped, and resyncs on an unknown id', async () => {
    const jobId = await sampleJob(alice, 'alice-resume');
    const first = await open(alice);
    await api.as(alice).post(`/api/v1/jobs/${jobId}/resume`).expect(200);
    const seen = await first.waitForEvent('the resume', (event) => (event.data as JobEvent).change === 'resumed');
    await first.close();

    // Missed while away: Alice's pause and modify; Bob's job (not hers).
    await api.as(alice).post(`/api/v1/jobs/${jobId}/pause`).expect(200);
    await api.as(alice).put(`/api/v1/jobs/${jobId}`).send({ minute: '7' }).expect(200);
    const bobJob = await sampleJob(bob, 'bob-meanwhile');
    const forAdminLater = await open(admin);
    await forAdminLater.close();
    await sleep(300);

    const again = await open(alice, { 'Last-Event-ID': seen.id! });
    await again.waitForEvent('the missed modify', (event) => (event.data as JobEvent).change === 'modified');
    expect(again.named<JobEvent>('job').slice(0, 2)).toEqual([
      { job_id: jobId, change: 'paused' },
      { job_id: jobId, change: 'modified' },
    ]);
    expect(again.named<JobEvent>('job').some((event) => event.job_id === bobJob)).toBe(false);
    expect(again.named('resync')).toEqual([]);
    const replayedIds = again.events.map((event) => Number(event.id));
    expect(replayedIds.every((id) => id > Number(seen.id))).toBe(true);

    const unknown = await open(alice, { 'Last-Event-ID': '999999999999' });
    await unknown.waitForEvent('a resync', (event) => event.event === 'resync');
    expect(unknown.events[0]).toMatchObject({ event: 'resync', data: {} });
    const garbage = await open(alice, { 'Last-Event-ID': 'not-an-id' });
    await garbage.waitForEvent('a resync', (event) => event.event === 'resync');
  });

  it('refuses a user’s stream past EVENTS_MAX_STREAMS_PER_USER with 429', async () => {
    const carol = await newUser(t, { roles: ['viewer'] });
    const held = [await open(carol), await open(carol), await open(carol)];
    expect(held.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const refused = await open(carol);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({
      statusCode: 429,
      message: expect.stringContaining('EVENTS_MAX_STREAMS_PER_USER') as string,
    });
    // Another user is not affected; a closed stream frees its place.
    expect((await open(bob)).status).toBe(200);
    await held[0].close();
    await waitFor('a freed place', async () => {
      const retry = await open(carol);
      return retry.status === 200;
    });
  });

  it('ends the stream when its token is revoked, and when its user is disabled', async () => {
    const dave = await newUser(t, { roles: ['viewer'] });
    const stream = await open(dave);
    await api.as(dave).post('/api/v1/auth/logout').expect(204);
    expect(await stream.waitForEnd(5_000)).toBe(true);

    const erin = await newUser(t, { roles: ['viewer'] });
    const other = await open(erin);
    await api.as(admin).patch(`/api/v1/users/${erin.id}`).send({ is_active: false }).expect(200);
    expect(await other.waitForEnd(5_000)).toBe(true);
  });

  it('ends the stream of a user who loses execution_view', async () => {
    const frank = await newUser(t, { roles: ['viewer'] });
    const stream = await open(frank);
    await api.as(admin).put(`/api/v1/users/${frank.id}/roles`).send({ roles: [] }).expect(200);
    expect(await stream.waitForEnd(5_000)).toBe(true);
  });

  it('drops a client that stops reading instead of buffering for it, and keeps the one that reads', async () => {
    // EVENTS_MAX_UNSENT_BYTES: past it a client is sent nothing more; not caught up 5 s later, it is dropped.
    const hub = t.app.get(EventHub);
    const reader = await open(admin);
    await waitFor('the reader registered', () => Promise.resolve(hub.openStreams === 1));
    // A client that sends its request and then never reads a byte.
    const stalled = net.connect(new URL(base).port ? Number(new URL(base).port) : 80, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.pause();
    stalled.write(`GET ${EVENTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${admin.bearer}\r\n\r\n`);
    await waitFor('the stalled stream registered', () => Promise.resolve(hub.openStreams === 2));
    // Bursts of 4 MB of events (60 executions created at once, each with a 64 KiB result) until the
    // stalled client's socket buffers are full and it stays past EVENTS_MAX_UNSENT_BYTES (1 MiB).
    const db = await Db.connect(t);
    try {
      for (let burst = 0; burst < 20 && hub.openStreams > 1; burst += 1) {
        await db.rows(
          `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time, result)
           SELECT gen_random_uuid(), 'flood', 'SampleJob', $1, 'succeeded', 'manual', now() - make_interval(secs => g),
                  repeat('x', 65536)
             FROM generate_series(1, 60) g`,
          [admin.id],
        );
        await sleep(1_000);
      }
      await waitFor('the stalled client dropped', () => Promise.resolve(hub.openStreams === 1), { timeoutMs: 20_000 });
      // The reader got the burst, or (having fallen behind meanwhile) a resync once it caught up; it stays.
      await waitFor(
        'the reader to get every event or a resync',
        () =>
          Promise.resolve(
            reader.named<ExecutionBody>('execution').filter((e) => e.job.name === 'flood').length >= 60 ||
              reader.named('resync').length > 0,
          ),
        { timeoutMs: 30_000 },
      );
      expect(hub.openStreams).toBe(1);
      expect(reader.ended).toBe(false);
    } finally {
      stalled.destroy();
      await db.rows(`DELETE FROM executions WHERE job_name = 'flood'`);
      await db.end();
    }
  });

  it('never writes a token into a URL or a log line', () => {
    const text = JSON.stringify(t.logs());
    expect(t.logs().length).toBeGreaterThan(0);
    for (const actor of [admin, alice, bob]) {
      expect(text).not.toContain(actor.token);
      expect(text).not.toContain(actor.token.split('.')[2]);
    }
    const urls = t
      .logs()
      .map((line) => (line.req as { url?: string } | undefined)?.url)
      .filter((url): url is string => typeof url === 'string');
    expect(urls.some((url) => url.startsWith(EVENTS))).toBe(true);
    for (const url of urls.filter((url) => url.startsWith(EVENTS) && !url.includes('?'))) {
      expect(url).toBe(EVENTS);
    }
    const withToken = urls.filter((url) => /eyJ/.test(url));
    expect(withToken).toEqual([expect.stringContaining('access_token=')]);
  });
});
