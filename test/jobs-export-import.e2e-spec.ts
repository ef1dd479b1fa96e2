import { loginAdmin, newRole, newUser, type Actor } from './support/actors.js';
import { allAtOnce, Db, type ErrorBody, messagesOf, restClient, UUID } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface ExportBody {
  jobs: Array<Record<string, unknown>>;
}

interface ImportBody {
  created: number;
  updated: number;
  skipped: number;
  jobs: Array<{ job_id: string; name: string; action: string }>;
}

/** The exported fields of a job: the job object without job_id, owner, next run, suspension, times. */
const EXPORT_KEYS = [
  'coalesce',
  'day',
  'day_of_week',
  'end_date',
  'hour',
  'interval_seconds',
  'jitter_seconds',
  'job_class_string',
  'max_instances',
  'minute',
  'misfire_grace_seconds',
  'month',
  'name',
  'paused',
  'pub_args',
  'retries',
  'retry_backoff',
  'retry_delay_max_seconds',
  'retry_delay_seconds',
  'run_date',
  'second',
  'start_date',
  'timeout_seconds',
  'timezone',
  'trigger',
];

describe('export and import of jobs (/api/v1/jobs/export, /api/v1/jobs/import)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let alice: Actor;
  let bob: Actor;
  let coder: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_JOBS_PER_USER: '6' } });
    db = await Db.connect(t);
    rest = restClient(t);
    await newRole(t, 'importing_coder', ['job_create', 'job_view', 'job_modify', 'code_execute']);
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    coder = await newUser(t, { roles: ['importing_coder'] });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const ownedBy = (actor: Actor): Promise<number> =>
    db.count('SELECT count(*) AS count FROM jobs WHERE owner_id = $1', [actor.id]);
  const exportOf = async (actor: Actor, query: Record<string, string> = {}): Promise<ExportBody> => {
    const res = await rest.as(actor).get('/api/v1/jobs/export').query(query);
    expect(res.status).toBe(200);
    return res.body as ExportBody;
  };

  describe('the round trip onto another user', () => {
    let aliceJobs: Array<Record<string, unknown>>;

    beforeAll(async () => {
      await rest.createJob(alice, {
        name: 'nightly report',
        job_class_string: 'CurlJob',
        pub_args: ['https://example.com/report', 'POST'],
        hour: '2',
        minute: '30',
        day_of_week: '1-5',
        timezone: 'Europe/Berlin',
        max_instances: 1,
        timeout_seconds: 120,
        misfire_grace_seconds: 60,
        coalesce: false,
      });
      await rest.createJob(alice, {
        name: 'paused sample',
        job_class_string: 'SampleJob',
        pub_args: ['hello'],
        minute: '*/5',
        paused: true,
      });
    });

    it("exports alice's jobs by name, without id, owner or times", async () => {
      const body = await exportOf(alice);
      aliceJobs = body.jobs;
      expect(body.jobs.map((job) => job.name)).toEqual(['nightly report', 'paused sample']);
      for (const job of body.jobs) expect(Object.keys(job).sort()).toEqual(EXPORT_KEYS);
      expect(body.jobs[0]).toEqual({
        name: 'nightly report',
        job_class_string: 'CurlJob',
        pub_args: ['https://example.com/report', 'POST'],
        month: '*',
        day_of_week: '1-5',
        day: '*',
        hour: '2',
        minute: '30',
        second: '0',
        timezone: 'Europe/Berlin',
        paused: false,
        max_instances: 1,
        timeout_seconds: 120,
        misfire_grace_seconds: 60,
        coalesce: false,
        trigger: 'cron',
        interval_seconds: null,
        run_date: null,
        start_date: null,
        end_date: null,
        jitter_seconds: 0,
        retries: 0,
        retry_delay_seconds: 30,
        retry_backoff: true,
        retry_delay_max_seconds: 3600,
      });
      expect(body.jobs[1]).toMatchObject({ name: 'paused sample', paused: true, minute: '*/5' });
    });

    it('never exports another user’s jobs; the filters of GET /jobs apply; owner_id needs view_all', async () => {
      expect((await exportOf(bob)).jobs).toEqual([]);
      expect((await exportOf(alice, { paused: 'true' })).jobs.map((job) => job.name)).toEqual(['paused sample']);
      expect((await exportOf(alice, { q: 'NIGHT' })).jobs.map((job) => job.name)).toEqual(['nightly report']);
      const filtered = await rest.as(bob).get('/api/v1/jobs/export').query({ owner_id: alice.id });
      expect(filtered.status).toBe(403);
      const admin = await loginAdmin(t);
      const everyone = await exportOf(admin, { owner_id: alice.id });
      expect(everyone.jobs.map((job) => job.name)).toEqual(['nightly report', 'paused sample']);
    });

    it('imports them as bob: bob owns equal jobs, scheduled (paused kept), audited; alice’s untouched', async () => {
      const aliceBefore = await db.rows('SELECT * FROM jobs WHERE owner_id = $1 ORDER BY name', [alice.id]);
      const res = await rest.as(bob).post('/api/v1/jobs/import').send({ jobs: aliceJobs });
      expect(res.status).toBe(200);
      const body = res.body as ImportBody;
      expect(body).toEqual({
        created: 2,
        updated: 0,
        skipped: 0,
        jobs: [
          { job_id: expect.stringMatching(UUID), name: 'nightly report', action: 'created' },
          { job_id: expect.stringMatching(UUID), name: 'paused sample', action: 'created' },
        ],
      });
      expect((await exportOf(bob)).jobs).toEqual(aliceJobs);
      const rows = await db.rows<{ id: string; owner_id: string; paused: boolean; next_run_time: Date | null }>(
        'SELECT id, owner_id, paused, next_run_time FROM jobs WHERE id = ANY($1) ORDER BY name',
        [body.jobs.map((job) => job.job_id)],
      );
      expect(rows.map((row) => row.owner_id)).toEqual([bob.id, bob.id]);
      expect(rows[0].paused).toBe(false);
      expect(rows[0].next_run_time).toBeInstanceOf(Date);
      expect(rows[1].paused).toBe(true);
      expect(rows[1].next_run_time).toBeNull();
      const api = await rest.as(bob).get(`/api/v1/jobs/${body.jobs[0].job_id}`);
      expect(api.body.next_run_time).toEqual((rows[0].next_run_time as Date).toISOString());
      for (const job of body.jobs) {
        const added = await rest.jobLogs(bob, job.job_id, 'added');
        expect(added).toHaveLength(1);
        expect(added[0].user).toBe(bob.username);
      }
      expect(await db.rows('SELECT * FROM jobs WHERE owner_id = $1 ORDER BY name', [alice.id])).toEqual(aliceBefore);
    });

    it('a second import fails by default with 409 naming the names, and writes nothing', async () => {
      const before = await ownedBy(bob);
      const res = await rest.as(bob).post('/api/v1/jobs/import').send({ jobs: aliceJobs });
      expect(res.status).toBe(409);
      expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('"nightly report", "paused sample"');
      expect(await ownedBy(bob)).toBe(before);
    });

    it('on_conflict=skip is idempotent: the jobs of those names are left as they are', async () => {
      const before = await db.rows<{ id: string }>('SELECT * FROM jobs WHERE owner_id = $1 ORDER BY name', [bob.id]);
      const res = await rest.as(bob).post('/api/v1/jobs/import').send({ jobs: aliceJobs, on_conflict: 'skip' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: 0, updated: 0, skipped: 2 });
      expect((res.body as ImportBody).jobs.map((job) => job.job_id)).toEqual(before.map((row) => row.id));
      expect(await db.rows('SELECT * FROM jobs WHERE owner_id = $1 ORDER BY name', [bob.id])).toEqual(before);
    });

    it('on_conflict=update makes the job of that name the imported one, audited as modified', async () => {
      const changed = aliceJobs.map((job) => (job.name === 'nightly report' ? { ...job, hour: '4' } : job));
      const res = await rest.as(bob).post('/api/v1/jobs/import').send({ jobs: changed, on_conflict: 'update' });
      expect(res.status).toBe(200);
      // The unchanged one counts as skipped: nothing of it was written.
      expect(res.body).toMatchObject({ created: 0, updated: 1, skipped: 1 });
      const rows = await db.rows<{ id: string; hour: string }>(
        "SELECT id, hour FROM jobs WHERE owner_id = $1 AND name = 'nightly report'",
        [bob.id],
      );
      expect(rows.map((row) => row.hour)).toEqual(['4']);
      const modified = await rest.jobLogs(bob, rows[0].id, 'modified');
      expect(modified.map((log) => log.description)).toEqual(['hour: "2" → "4"']);
    });
  });

  it('a bad job in the middle: 400 naming its index and field, and nothing written', async () => {
    const carol = await newUser(t, { roles: ['job_manager'] });
    const jobs = [
      { name: 'first', job_class_string: 'SampleJob', pub_args: ['a'] },
      { name: 'second', job_class_string: 'SampleJob', pub_args: ['b'] },
      { name: 'third', job_class_string: 'SampleJob', pub_args: ['c'], hour: '25' },
      { name: 'fourth', job_class_string: 'NoSuchJob' },
      { name: 'fifth', job_class_string: 'SampleJob', pub_args: ['e'], minute: 7 },
      { name: 'sixth', job_class_string: 'SampleJob', pub_args: ['f'], timezone: 'Mars/Olympus' },
    ];
    const jobsBefore = await db.jobCount();
    const logsBefore = await db.count('SELECT count(*) AS count FROM audit_logs');
    const res = await rest.as(carol).post('/api/v1/jobs/import').send({ jobs });
    expect(res.status).toBe(400);
    const messages = messagesOf(res.body as ErrorBody);
    expect(messages).toContain('jobs[2].hour "25" is out of range 0-23');
    expect(messages.some((message) => message.startsWith('jobs[3].job_class_string must be one of'))).toBe(true);
    expect(messages.some((message) => message.startsWith('jobs[5].timezone'))).toBe(true);
    expect(messages.some((message) => message.startsWith('jobs[4]'))).toBe(false);
    expect(await db.jobCount()).toBe(jobsBefore);
    expect(await db.count('SELECT count(*) AS count FROM audit_logs')).toBe(logsBefore);
  });

  it('refuses unknown fields, owner_id and a name given twice, by index', async () => {
    const carol = await newUser(t, { roles: ['job_manager'] });
    const res = await rest
      .as(carol)
      .post('/api/v1/jobs/import')
      .send({
        jobs: [
          { name: 'a', job_class_string: 'SampleJob', colour: 'red' },
          { name: 'b', job_class_string: 'SampleJob', owner_id: alice.id },
          { name: 'a', job_class_string: 'SampleJob', pub_args: ['x'] },
        ],
      });
    expect(res.status).toBe(400);
    expect(messagesOf(res.body as ErrorBody)).toEqual([
      'jobs[0].property colour should not exist',
      'jobs[1].owner_id is not accepted: imported jobs belong to the caller',
      'jobs[2].name "a" is also the name of jobs[0]: names match jobs',
    ]);
    const bad = await rest.as(carol).post('/api/v1/jobs/import').send({ jobs: [], on_conflict: 'merge' });
    expect(bad.status).toBe(400);
    expect(messagesOf(bad.body as ErrorBody)).toEqual(['on_conflict must be one of: fail, skip, update']);
    expect(await ownedBy(carol)).toBe(0);
  });

  it('a code class without code_execute: 403 before validation, nothing written', async () => {
    const res = await rest
      .as(bob)
      .post('/api/v1/jobs/import')
      .send({
        jobs: [
          { name: 'fine', job_class_string: 'SampleJob' },
          { name: 'shell', job_class_string: 'ShellJob', pub_args: ['true'], hour: '99' },
        ],
      });
    expect(res.status).toBe(403);
    expect(messagesOf(res.body as ErrorBody)).toEqual(['Jobs of class ShellJob need the code_execute permission']);
    expect(await db.count("SELECT count(*) AS count FROM jobs WHERE name IN ('fine', 'shell')")).toBe(0);
    const viewer = await newUser(t, { roles: ['viewer'] });
    const denied = await rest.as(viewer).post('/api/v1/jobs/import').send({ jobs: [] });
    expect(denied.status).toBe(403);
  });

  it("a ScriptJob naming another user's script: 400 naming it; the coder's own script imports", async () => {
    const other = await newUser(t, { roles: ['importing_coder'] });
    const theirs = await rest
      .as(other)
      .post('/api/v1/scripts')
      .send({ name: 'theirs.mjs', source: 'export function run() {}' });
    expect(theirs.status).toBe(201);
    const scriptJob = { name: 'scripted', job_class_string: 'ScriptJob', pub_args: [theirs.body.script_id] };
    const res = await rest
      .as(coder)
      .post('/api/v1/jobs/import')
      .send({ jobs: [{ name: 'shell', job_class_string: 'ShellJob', pub_args: ['true'] }, scriptJob] });
    expect(res.status).toBe(400);
    expect(messagesOf(res.body as ErrorBody)).toEqual([
      "jobs[1].pub_args[0] (script_id) does not name a script the job's owner can use",
    ]);
    expect(await ownedBy(coder)).toBe(0);
    const mine = await rest
      .as(other)
      .post('/api/v1/jobs/import')
      .send({ jobs: [scriptJob] });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ created: 1 });
  });

  it('MAX_JOBS_PER_USER counts the whole batch: 429 and nothing written', async () => {
    const dave = await newUser(t, { roles: ['job_manager'] });
    await rest.createJob(dave, { name: 'existing', job_class_string: 'SampleJob', pub_args: ['x'] });
    const jobs = Array.from({ length: 6 }, (_, index) => ({
      name: `batch ${index}`,
      job_class_string: 'SampleJob',
      pub_args: ['x'],
    }));
    const res = await rest.as(dave).post('/api/v1/jobs/import').send({ jobs });
    expect(res.status).toBe(429);
    expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('MAX_JOBS_PER_USER');
    expect(await ownedBy(dave)).toBe(1);
    const fits = await rest
      .as(dave)
      .post('/api/v1/jobs/import')
      .send({ jobs: jobs.slice(0, 5) });
    expect(fits.status).toBe(200);
    expect(await ownedBy(dave)).toBe(6);
  });

  it('MAX_JOBS_PER_USER holds for concurrent creates: the limit reached, the rest 429, an audit entry per job', async () => {
    const erin = await newUser(t, { roles: ['job_manager'] });
    await rest.createJob(erin, { name: 'first', job_class_string: 'SampleJob', pub_args: ['x'] });
    // Eight creates lined up behind a table lock reach the check together (the exact check: 6 is far
    // below max_connections, so no create takes the shared lock).
    let index = 0;
    const answers = await allAtOnce(
      t,
      8,
      () =>
        rest
          .as(erin)
          .post('/api/v1/jobs')
          .send({ name: `racing-${index++}`, job_class_string: 'SampleJob', pub_args: ['x'] }),
      'jobs',
    );
    expect(answers.map((res) => res.status).sort()).toEqual([...Array(5).fill(201), ...Array(3).fill(429)]);
    for (const res of answers.filter((answer) => answer.status === 429)) {
      expect(res.body).toEqual({
        statusCode: 429,
        message: 'The owner already has 6 jobs: the limit is 6 (MAX_JOBS_PER_USER)',
        error: 'Too Many Requests',
      });
    }
    expect(await ownedBy(erin)).toBe(6);
    const added = await db.rows<{ job_id: string }>(
      `SELECT job_id FROM audit_logs WHERE owner_id = $1 AND event = 'added' ORDER BY job_id`,
      [erin.id],
    );
    const jobs = await db.rows<{ id: string }>('SELECT id FROM jobs WHERE owner_id = $1 ORDER BY id', [erin.id]);
    expect(added.map((row) => row.job_id)).toEqual(jobs.map((row) => row.id));
  });
});
