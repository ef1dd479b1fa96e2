// GET /api/v1/dashboard: one scoped summary for the dashboard page. Executions are seeded as rows
// (states and times chosen by the test) beside real runs; every figure is checked against a direct
// count in the database and against the list endpoints for the same caller.
import { loginAdmin, newRole, newUser, type Actor } from './support/actors.js';
import { Db, restClient, waitFor, type JobBody } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface Summary {
  generated_time: string;
  timezone: string;
  today_start: string;
  executions_visible: boolean;
  jobs: { total: number; paused: number };
  runs_today: Record<string, number> | null;
  running: {
    executions: Array<{ execution_id: string; job: { job_id: string; name: string }; started_time: string | null }>;
    total: number;
  } | null;
  failures_24h: {
    executions: Array<{
      execution_id: string;
      job: { job_id: string; name: string };
      state: string;
      scheduled_time: string;
    }>;
    total: number;
  } | null;
  upcoming: { jobs: Array<{ job_id: string; name: string; next_run_time: string }>; total: number };
  failing_jobs: {
    jobs: Array<{ job_id: string; name: string; execution_id: string; state: string; scheduled_time: string }>;
    total: number;
  } | null;
}

const STATES = [
  'scheduled',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'stopped',
  'scheduled error',
  'skipped',
  'missed',
];

describe('GET /api/v1/dashboard', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  let bob: Actor;
  let jobsOnly: Actor;
  let noRole: Actor;
  const ids: Record<string, JobBody> = {};

  /** An execution row of `job`, `minutesAgo` before now, in `state`. */
  async function seed(job: JobBody, state: string, minutesAgo: number): Promise<string> {
    const rows = await db.rows<{ id: string }>(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                               started_time, finished_time)
       VALUES ($1, $2, $3, $4, $5, 'cron', now() - make_interval(mins => $6),
               CASE WHEN $5 IN ('scheduled', 'skipped', 'missed') THEN NULL ELSE now() - make_interval(mins => $6) END,
               CASE WHEN $5 IN ('scheduled', 'running', 'skipped', 'missed') THEN NULL ELSE now() END)
       RETURNING id`,
      [job.job_id, job.name, job.job_class_string, job.owner.id, state, minutesAgo],
    );
    return rows[0].id;
  }

  const summary = async (actor: Actor, query: Record<string, string> = {}): Promise<Summary> => {
    const res = await rest.as(actor).get('/api/v1/dashboard').query(query);
    expect(res.status).toBe(200);
    return res.body as Summary;
  };

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    await newRole(t, 'jobs-only', ['job_view']);
    jobsOnly = await newUser(t, { roles: ['jobs-only'] });
    noRole = await newUser(t, { roles: [] });
    // Daily at 03:00 UTC: always within the coming 24 h, never firing during the test.
    const daily = { job_class_string: 'SampleJob', pub_args: ['x'], second: '0', minute: '0', hour: '3' };
    ids.aliceGood = await rest.createJob(alice, { ...daily, name: 'alice-good' });
    ids.aliceBroken = await rest.createJob(alice, { ...daily, name: 'alice-broken' });
    ids.aliceRecovered = await rest.createJob(alice, { ...daily, name: 'alice-recovered' });
    ids.alicePaused = await rest.createJob(alice, { ...daily, name: 'alice-paused', paused: true });
    ids.aliceYearly = await rest.createJob(alice, {
      ...daily,
      name: 'alice-yearly',
      day: '1',
      month: String(((new Date().getUTCMonth() + 6) % 12) + 1),
    });
    ids.bobBroken = await rest.createJob(bob, { ...daily, name: 'bob-broken' });

    await seed(ids.aliceGood, 'succeeded', 1);
    await seed(ids.aliceGood, 'succeeded', 2);
    await seed(ids.aliceGood, 'running', 0);
    await seed(ids.aliceBroken, 'succeeded', 30);
    await seed(ids.aliceBroken, 'timeout', 20);
    await seed(ids.aliceBroken, 'skipped', 10); // passed over: the last run is still the timeout
    await seed(ids.aliceRecovered, 'failed', 40);
    await seed(ids.aliceRecovered, 'succeeded', 5);
    await seed(ids.aliceRecovered, 'failed', 60 * 30); // 30 hours ago: not in the last 24 h
    await seed(ids.bobBroken, 'failed', 3);
    await seed(ids.bobBroken, 'running', 0);
    await seed(ids.bobBroken, 'missed', 4);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('answers 401 without a token and 403 without job_view', async () => {
    const anonymous = await t.http().get('/api/v1/dashboard');
    expect(anonymous.status).toBe(401);
    const refused = await rest.as(noRole).get('/api/v1/dashboard');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
  });

  it('answers 400 naming timezone for a zone that is not an IANA name, after the permission check', async () => {
    const bad = await rest.as(alice).get('/api/v1/dashboard').query({ timezone: 'Mars/Olympus_Mons' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('timezone');
    const refusedFirst = await rest.as(noRole).get('/api/v1/dashboard').query({ timezone: 'Mars/Olympus_Mons' });
    expect(refusedFirst.status).toBe(403);
  });

  it("shows alice only her own jobs' figures, each matching a direct count", async () => {
    const body = await summary(alice);
    expect(body.timezone).toBe('UTC');
    expect(body.executions_visible).toBe(true);
    const since = new Date(body.today_start);
    expect(since.toISOString()).toBe(`${body.generated_time.slice(0, 10)}T00:00:00.000Z`);

    expect(body.jobs).toEqual({ total: 5, paused: 1 });

    const counts = await db.rows<{ state: string; count: string }>(
      `SELECT state, count(*) AS count FROM executions WHERE owner_id = $1 AND scheduled_time >= $2 GROUP BY state`,
      [alice.id, since],
    );
    const expected = Object.fromEntries(STATES.map((state) => [state, 0]));
    for (const row of counts) expected[row.state] = Number(row.count);
    expect(body.runs_today).toEqual(expected);
    // The seeded rows of today (none of bob's): 4 succeeded, 1 running, 1 timeout, 1 skipped, 1 failed —
    // unless the test runs in the first hour after midnight, when some fell on yesterday.
    if (Date.now() - since.getTime() > 60 * 60 * 1000) {
      expect(body.runs_today).toMatchObject({ succeeded: 4, running: 1, timeout: 1, skipped: 1, failed: 1, missed: 0 });
    }
    // The same figure through the executions list of the same caller.
    for (const state of ['succeeded', 'failed', 'timeout']) {
      const listed = await rest
        .as(alice)
        .get('/api/v1/executions')
        .query({ time_range_start: body.today_start, time_range_end: new Date().toISOString(), state, limit: 1 });
      expect(listed.body.total).toBe(body.runs_today?.[state]);
    }

    expect(body.running?.total).toBe(1);
    expect(body.running?.executions.map((row) => row.job.name)).toEqual(['alice-good']);

    expect(body.failures_24h?.total).toBe(2);
    expect(body.failures_24h?.executions.map((row) => [row.job.name, row.state])).toEqual([
      ['alice-broken', 'timeout'],
      ['alice-recovered', 'failed'],
    ]);

    expect(body.failing_jobs?.jobs.map((row) => [row.name, row.state])).toEqual([['alice-broken', 'timeout']]);
    expect(body.failing_jobs?.total).toBe(1);

    const upcoming = await db.rows<{ id: string }>(
      `SELECT id FROM jobs WHERE owner_id = $1 AND NOT paused AND next_run_time <= now() + interval '24 hours'
        ORDER BY next_run_time, id`,
      [alice.id],
    );
    expect(body.upcoming.jobs.map((row) => row.job_id)).toEqual(upcoming.map((row) => row.id));
    expect(body.upcoming.total).toBe(3);
    expect(body.upcoming.jobs.map((row) => row.name).sort()).toEqual(['alice-broken', 'alice-good', 'alice-recovered']);
    const times = body.upcoming.jobs.map((row) => row.next_run_time);
    expect([...times].sort()).toEqual(times);
  });

  it("never shows bob's jobs to alice, nor alice's to bob", async () => {
    const forAlice = JSON.stringify(await summary(alice));
    expect(forAlice).not.toContain('bob-broken');
    expect(forAlice).not.toContain(ids.bobBroken.job_id);
    const forBob = await summary(bob);
    expect(JSON.stringify(forBob)).not.toContain('alice-');
    expect(forBob.jobs.total).toBe(1);
    expect(forBob.failing_jobs?.jobs.map((row) => row.name)).toEqual(['bob-broken']);
    expect(forBob.running?.total).toBe(1);
  });

  it("gives the admin everyone's figures", async () => {
    const body = await summary(admin);
    const jobCount = await db.count('SELECT count(*) AS count FROM jobs');
    expect(body.jobs.total).toBe(jobCount);
    const today = await db.count('SELECT count(*) AS count FROM executions WHERE scheduled_time >= $1', [
      new Date(body.today_start),
    ]);
    expect(Object.values(body.runs_today ?? {}).reduce((sum, n) => sum + n, 0)).toBe(today);
    expect(body.running?.total).toBe(
      await db.count(`SELECT count(*) AS count FROM executions WHERE state = 'running'`),
    );
    expect(body.failures_24h?.total).toBe(
      await db.count(
        `SELECT count(*) AS count FROM executions
          WHERE state IN ('failed', 'timeout') AND scheduled_time >= now() - interval '24 hours'`,
      ),
    );
    expect(body.failing_jobs?.jobs.map((row) => row.name).sort()).toEqual(['alice-broken', 'bob-broken']);
    expect(body.upcoming.jobs.map((row) => row.name)).toEqual(expect.arrayContaining(['bob-broken', 'alice-good']));
  });

  it('leaves out the execution parts for a caller without execution_view', async () => {
    const body = await summary(jobsOnly);
    expect(body.executions_visible).toBe(false);
    expect(body).toMatchObject({ runs_today: null, running: null, failures_24h: null, failing_jobs: null });
    expect(body.jobs).toEqual({ total: 0, paused: 0 });
    expect(body.upcoming).toEqual({ jobs: [], total: 0 });
  });

  it('counts today from midnight in the timezone asked for', async () => {
    const body = await summary(alice, { timezone: 'Pacific/Kiritimati' });
    expect(body.timezone).toBe('Pacific/Kiritimati');
    const local = new Date(new Date(body.today_start).getTime() + 14 * 60 * 60 * 1000);
    expect(local.toISOString().slice(11)).toBe('00:00:00.000Z');
    const count = await db.count(
      'SELECT count(*) AS count FROM executions WHERE owner_id = $1 AND scheduled_time >= $2',
      [alice.id, new Date(body.today_start)],
    );
    expect(Object.values(body.runs_today ?? {}).reduce((sum, n) => sum + n, 0)).toBe(count);
  });

  it('lists a real failed run among the failures and the failing jobs', async () => {
    const failing = await rest.createJob(alice, {
      name: 'alice-fails-now',
      job_class_string: 'SampleJob',
      pub_args: ['x', 0, true],
      paused: true,
    });
    const run = await rest.as(alice).post(`/api/v1/executions/${failing.job_id}`);
    expect(run.status).toBe(201);
    const executionId = (run.body as { execution_id: string }).execution_id;
    await waitFor('the run to fail', async () => {
      const rows = await db.executions(failing.job_id);
      return rows[0]?.state === 'failed';
    });
    const body = await summary(alice);
    expect(body.failures_24h?.executions[0]).toMatchObject({
      execution_id: executionId,
      job: { job_id: failing.job_id, name: 'alice-fails-now' },
      state: 'failed',
    });
    expect(body.failing_jobs?.jobs.map((row) => row.job_id)).toContain(failing.job_id);
    expect(body.upcoming.jobs.map((row) => row.job_id)).not.toContain(failing.job_id);
  });
});
