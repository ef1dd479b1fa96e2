import { loginAdmin, newRole, newUser, uniqueName, type Actor } from './support/actors.js';
import {
  Db,
  type ErrorBody,
  type ExecutionBody,
  ISO_UTC,
  type JobBody,
  messagesOf,
  MISSING_ID,
  restClient,
  sleep,
  UUID,
  waitFor,
} from './support/scheduling.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

/** Every field of the job object in API.md ("Jobs"), plus `suspended_reason` (docs/api.md), and nothing else. */
const JOB_KEYS = [
  'coalesce',
  'created_time',
  'day',
  'day_of_week',
  'end_date',
  'hour',
  'interval_seconds',
  'jitter_seconds',
  'job_class_string',
  'job_id',
  'max_instances',
  'minute',
  'misfire_grace_seconds',
  'month',
  'name',
  'next_run_time',
  'owner',
  'paused',
  'pub_args',
  'retries',
  'retry_backoff',
  'retry_delay_max_seconds',
  'retry_delay_seconds',
  'run_date',
  'second',
  'start_date',
  'suspended_reason',
  'timeout_seconds',
  'timezone',
  'trigger',
  'updated_time',
];

const JOB_NOT_FOUND = { statusCode: 404, message: 'Job not found', error: 'Not Found' };

/** Local wall-clock fields of an instant in an IANA zone. */
function localFields(iso: string, timeZone: string): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  return Object.fromEntries(parts.filter((part) => part.type !== 'literal').map((part) => [part.type, part.value]));
}

describe('jobs (/api/v1/jobs)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '1' } });
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const manager = (): Promise<Actor> => newUser(t, { roles: ['job_manager'] });

  /** The app's answer to `GET /jobs/:id` for the actor, as the database would have it. */
  async function storedJob(jobId: string): Promise<Record<string, unknown> | null> {
    return db.job(jobId);
  }

  describe('the job object', () => {
    it('POST with only name, class and arguments: 201, the documented shape and every default', async () => {
      const owner = await manager();
      const before = Date.now();
      const res = await rest
        .as(owner)
        .post('/api/v1/jobs')
        .send({ name: 'defaults', job_class_string: 'SampleJob', pub_args: ['hi'] });
      expect(res.status).toBe(201);
      const job = res.body as JobBody;
      expect(Object.keys(job).sort()).toEqual(JOB_KEYS);
      expect(job).toEqual({
        job_id: expect.stringMatching(UUID),
        name: 'defaults',
        job_class_string: 'SampleJob',
        pub_args: ['hi'],
        month: '*',
        day_of_week: '*',
        day: '*',
        hour: '*',
        minute: '*',
        second: '0',
        timezone: 'UTC',
        paused: false,
        next_run_time: expect.stringMatching(ISO_UTC),
        max_instances: 3,
        timeout_seconds: 3600,
        misfire_grace_seconds: 3600,
        coalesce: true,
        suspended_reason: null,
        owner: { id: owner.id, username: owner.username },
        created_time: expect.stringMatching(ISO_UTC),
        updated_time: expect.stringMatching(ISO_UTC),
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
      // minute "*", second "0": the next whole minute.
      const next = new Date(job.next_run_time!);
      expect(next.getUTCSeconds()).toBe(0);
      expect(next.getUTCMilliseconds()).toBe(0);
      expect(next.getTime()).toBeGreaterThan(before);
      expect(next.getTime()).toBeLessThanOrEqual(before + 61_000);

      const got = await rest.as(owner).get(`/api/v1/jobs/${job.job_id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(job);

      expect(await storedJob(job.job_id)).toMatchObject({
        name: 'defaults',
        job_class_string: 'SampleJob',
        pub_args: ['hi'],
        second: '0',
        minute: '*',
        hour: '*',
        day: '*',
        month: '*',
        day_of_week: '*',
        timezone: 'UTC',
        paused: false,
        next_run_time: next,
        max_instances: 3,
        timeout_seconds: 3600,
        misfire_grace_seconds: 3600,
        coalesce: true,
        owner_id: owner.id,
      });
    });

    it('POST keeps every field given (cron fields sent as numbers become strings)', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'all fields',
        job_class_string: 'SampleJob',
        pub_args: ['hello', 0, false],
        month: '1-6',
        day_of_week: 'mon-fri',
        day: '*',
        hour: 5,
        minute: '*/15',
        second: '30',
        timezone: 'Europe/Berlin',
        max_instances: 2,
        timeout_seconds: 60,
        misfire_grace_seconds: 10,
        coalesce: false,
      });
      expect(job).toMatchObject({
        pub_args: ['hello', 0, false],
        month: '1-6',
        day_of_week: 'mon-fri',
        hour: '5',
        minute: '*/15',
        second: '30',
        timezone: 'Europe/Berlin',
        max_instances: 2,
        timeout_seconds: 60,
        misfire_grace_seconds: 10,
        coalesce: false,
        paused: false,
      });
      const local = localFields(job.next_run_time!, 'Europe/Berlin');
      expect(local.hour).toBe('05');
      expect(['00', '15', '30', '45']).toContain(local.minute);
      expect(local.second).toBe('30');
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(local.weekday);
    });

    it('paused: true creates it paused with next_run_time null, and it never fires', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'born paused',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        second: '*',
        paused: true,
      });
      expect(job.paused).toBe(true);
      expect(job.next_run_time).toBeNull();
      expect(await storedJob(job.job_id)).toMatchObject({ paused: true, next_run_time: null });
      await sleep(2_200);
      expect(await db.executions(job.job_id)).toEqual([]);
    });

    it('owner_id in the body is ignored for a non-admin and honoured for an admin', async () => {
      const owner = await manager();
      const other = await manager();
      const own = await rest.createJob(owner, {
        name: 'not yours',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
        owner_id: other.id,
      });
      expect(own.owner).toEqual({ id: owner.id, username: owner.username });
      const forOther = await rest.createJob(admin, {
        name: 'for other',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
        owner_id: other.id,
      });
      expect(forOther.owner).toEqual({ id: other.id, username: other.username });
      expect(await storedJob(forOther.job_id)).toMatchObject({ owner_id: other.id });
    });

    it('GET /jobs lists the caller’s jobs with total, filtered by q and paused', async () => {
      const owner = await manager();
      const tag = uniqueName('list');
      // Due months from now, so it cannot fire (and move next_run_time) between the create and the list.
      const farMonth = String(((new Date().getUTCMonth() + 6) % 12) + 1);
      const active = await rest.createJob(owner, {
        name: `${tag} Alpha`,
        job_class_string: 'SampleJob',
        pub_args: ['a'],
        month: farMonth,
      });
      const paused = await rest.createJob(owner, {
        name: `${tag} beta`,
        job_class_string: 'SampleJob',
        pub_args: ['b'],
        paused: true,
      });
      // A list item is the job object plus its latest execution.
      type Listed = { jobs: Array<{ last_execution: unknown }>; total: number };
      const withoutLast = (body: Listed) => ({
        total: body.total,
        jobs: body.jobs.map(({ last_execution: _last, ...job }) => job),
      });
      const all = await rest.as(owner).get('/api/v1/jobs');
      expect(all.status).toBe(200);
      expect(withoutLast(all.body as Listed)).toEqual({ jobs: [active, paused], total: 2 });
      expect((all.body as Listed).jobs[1].last_execution).toBeNull();

      const byName = await rest.as(owner).get('/api/v1/jobs').query({ q: 'ALPHA' });
      expect(withoutLast(byName.body as Listed)).toEqual({ jobs: [active], total: 1 });
      const onlyPaused = await rest.as(owner).get('/api/v1/jobs').query({ paused: 'true' });
      expect(withoutLast(onlyPaused.body as Listed)).toEqual({ jobs: [paused], total: 1 });
      const onlyActive = await rest.as(owner).get('/api/v1/jobs').query({ paused: 'false' });
      expect(withoutLast(onlyActive.body as Listed)).toEqual({ jobs: [active], total: 1 });
      const page = await rest.as(owner).get('/api/v1/jobs').query({ limit: 1, offset: 1 });
      expect(withoutLast(page.body as Listed)).toEqual({ jobs: [paused], total: 2 });
      expect((await rest.as(owner).get('/api/v1/jobs').query({ limit: 1001 })).status).toBe(400);
    });
  });

  describe('validation: 400 naming the field, nothing saved', () => {
    const base = { name: 'invalid', job_class_string: 'SampleJob', pub_args: ['x'] };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['minute "61"', { minute: '61' }, 'minute'],
      ['day_of_week "xyz"', { day_of_week: 'xyz' }, 'day_of_week'],
      ['second "*/0"', { second: '*/0' }, 'second'],
      ['hour "24"', { hour: '24' }, 'hour'],
      ['month "13"', { month: '13' }, 'month'],
      ['a schedule that never fires (day 30 of February)', { day: '30', month: '2' }, 'day'],
      ['timezone "Mars/Base"', { timezone: 'Mars/Base' }, 'timezone'],
      ['SampleJob with pub_args [1]', { pub_args: [1] }, 'pub_args[0]'],
      ['SampleJob with pub_args ["x", "slow"]', { pub_args: ['x', 'slow'] }, 'pub_args[1]'],
      ['SampleJob with no pub_args', { pub_args: [] }, 'pub_args'],
      ['pub_args not an array', { pub_args: 'x' }, 'pub_args'],
      ['an unknown body field', { colour: 'red' }, 'colour'],
      ['max_instances 0', { max_instances: 0 }, 'max_instances'],
      ['timeout_seconds 0', { timeout_seconds: 0 }, 'timeout_seconds'],
      ['coalesce "yes"', { coalesce: 'yes' }, 'coalesce'],
      ['an empty name', { name: '' }, 'name'],
    ];

    it.each(cases)('POST with %s', async (_label, change, field) => {
      const owner = await manager();
      const before = await db.jobCount();
      const res = await rest
        .as(owner)
        .post('/api/v1/jobs')
        .send({ ...base, ...change });
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(body).some((message) => message.includes(field))).toBe(true);
      expect(await db.jobCount()).toBe(before);
    });

    it('POST without name or job_class_string names both', async () => {
      const owner = await manager();
      const before = await db.jobCount();
      const res = await rest.as(owner).post('/api/v1/jobs').send({});
      expect(res.status).toBe(400);
      const messages = messagesOf(res.body as ErrorBody);
      expect(messages.some((m) => m.includes('name'))).toBe(true);
      expect(messages.some((m) => m.includes('job_class_string'))).toBe(true);
      expect(await db.jobCount()).toBe(before);
    });

    it('an unknown job_class_string: the message lists the available classes', async () => {
      const owner = await manager();
      const before = await db.jobCount();
      const res = await rest.as(owner).post('/api/v1/jobs').send({ name: 'x', job_class_string: 'NoSuchJob' });
      expect(res.status).toBe(400);
      const message = messagesOf(res.body as ErrorBody).find((m) => m.includes('job_class_string'));
      expect(message).toBeDefined();
      for (const name of ['CurlJob', 'SampleJob', 'ShellJob']) expect(message).toContain(name);
      expect(await db.jobCount()).toBe(before);
    });

    it('PUT with an invalid field on an existing job: 400 naming it, the job unchanged', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, { name: 'keep me', job_class_string: 'SampleJob', pub_args: ['x'] });
      const stored = await storedJob(job.job_id);
      for (const [change, field] of [
        [{ minute: '61' }, 'minute'],
        [{ timezone: 'Mars/Base' }, 'timezone'],
        [{ pub_args: [1] }, 'pub_args[0]'],
        [{ colour: 'red' }, 'colour'],
        [{ job_class_string: 'NoSuchJob' }, 'job_class_string'],
        [{ day: '31', month: '2' }, 'day'],
      ] as Array<[Record<string, unknown>, string]>) {
        const res = await rest.as(owner).put(`/api/v1/jobs/${job.job_id}`).send(change);
        expect({ change, status: res.status }).toEqual({ change, status: 400 });
        expect(messagesOf(res.body as ErrorBody).some((m) => m.includes(field))).toBe(true);
      }
      expect(await storedJob(job.job_id)).toEqual(stored);
      expect(await rest.jobLogs(owner, job.job_id, 'modified')).toEqual([]);
    });
  });

  describe('code_execute', () => {
    it('a job_manager creating a ShellJob: 403, nothing saved', async () => {
      const owner = await manager();
      const before = await db.jobCount();
      const res = await rest
        .as(owner)
        .post('/api/v1/jobs')
        .send({ name: 'shell', job_class_string: 'ShellJob', pub_args: ['/bin/echo', 'hi'] });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(await db.jobCount()).toBe(before);
    });

    it('a job_manager switching its SampleJob to ShellJob with PUT: 403, the job unchanged', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, { name: 'sample', job_class_string: 'SampleJob', pub_args: ['x'] });
      const stored = await storedJob(job.job_id);
      const res = await rest
        .as(owner)
        .put(`/api/v1/jobs/${job.job_id}`)
        .send({ job_class_string: 'ShellJob', pub_args: ['/bin/echo', 'hi'] });
      expect(res.status).toBe(403);
      expect(await storedJob(job.job_id)).toEqual(stored);
    });

    it('a job_manager changing a ShellJob it owns (made for it by an admin): 403', async () => {
      const owner = await manager();
      const shell = await rest.createJob(admin, {
        name: 'shell for manager',
        job_class_string: 'ShellJob',
        pub_args: ['/bin/true'],
        paused: true,
        owner_id: owner.id,
      });
      const stored = await storedJob(shell.job_id);
      const res = await rest.as(owner).put(`/api/v1/jobs/${shell.job_id}`).send({ hour: '3' });
      expect(res.status).toBe(403);
      expect(await storedJob(shell.job_id)).toEqual(stored);
    });

    it('a custom role with job_create, job_view and code_execute may create a ShellJob: 201', async () => {
      const role = uniqueName('coder');
      await newRole(t, role, ['job_create', 'job_view', 'code_execute']);
      const coder = await newUser(t, { roles: [role] });
      const res = await rest
        .as(coder)
        .post('/api/v1/jobs')
        .send({ name: 'shell', job_class_string: 'ShellJob', pub_args: ['/bin/echo', 'hi'], paused: true });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        job_class_string: 'ShellJob',
        pub_args: ['/bin/echo', 'hi'],
        owner: { id: coder.id, username: coder.username },
      });
      expect(await storedJob((res.body as JobBody).job_id)).toMatchObject({
        job_class_string: 'ShellJob',
        owner_id: coder.id,
      });
    });
  });

  describe('check order: 401, then permission (403), then existence (404), then validation (400)', () => {
    it('no token: 401 before anything else', async () => {
      expect((await t.http().put(`/api/v1/jobs/${MISSING_ID}`).send({ minute: '61' })).status).toBe(401);
      expect((await t.http().post('/api/v1/jobs').send({ job_class_string: 'ShellJob' })).status).toBe(401);
    });

    it('a job_manager PUT on a nonexistent job with ShellJob in the body: 403', async () => {
      const owner = await manager();
      const res = await rest
        .as(owner)
        .put(`/api/v1/jobs/${MISSING_ID}`)
        .send({ job_class_string: 'ShellJob', pub_args: ['/bin/echo'] });
      expect(res.status).toBe(403);
    });

    it('a viewer (no job_modify) PUT on a nonexistent job with an invalid body: 403', async () => {
      const viewer = await newUser(t, { roles: ['viewer'] });
      expect((await rest.as(viewer).put(`/api/v1/jobs/${MISSING_ID}`).send({ minute: '61' })).status).toBe(403);
      expect((await rest.as(viewer).delete(`/api/v1/jobs/${MISSING_ID}`)).status).toBe(403);
      expect((await rest.as(viewer).post('/api/v1/jobs').send({})).status).toBe(403);
    });

    it('an admin PUT on a nonexistent job with an invalid body: 404', async () => {
      for (const body of [{ minute: '61' }, { colour: 'red' }, { job_class_string: 'NoSuchJob' }]) {
        const res = await rest.as(admin).put(`/api/v1/jobs/${MISSING_ID}`).send(body);
        expect({ body, status: res.status, response: res.body as unknown }).toEqual({
          body,
          status: 404,
          response: JOB_NOT_FOUND,
        });
      }
      expect((await rest.as(admin).put('/api/v1/jobs/not-a-uuid').send({ minute: '61' })).status).toBe(404);
      expect((await rest.as(admin).get('/api/v1/jobs/not-a-uuid')).status).toBe(404);
    });

    it("the seeded job_manager deletes its own job (200), but not another user's (404, the job stays)", async () => {
      const plain = await newUser(t, { roles: ['job_manager'] });
      const other = await newUser(t, { roles: ['job_manager'] });
      const own = await rest.createJob(plain, { name: 'goes', job_class_string: 'SampleJob', pub_args: ['x'] });
      const theirs = await rest.createJob(other, { name: 'stays', job_class_string: 'SampleJob', pub_args: ['x'] });
      const deleted = await rest.as(plain).delete(`/api/v1/jobs/${own.job_id}`);
      expect({ status: deleted.status, body: deleted.body as unknown }).toEqual({
        status: 200,
        body: { job_id: own.job_id },
      });
      expect(await storedJob(own.job_id)).toBeNull();
      const refused = await rest.as(plain).delete(`/api/v1/jobs/${theirs.job_id}`);
      expect({ status: refused.status, body: refused.body as unknown }).toEqual({ status: 404, body: JOB_NOT_FOUND });
      expect(await storedJob(theirs.job_id)).not.toBeNull();
    });

    it('a viewer (no job_delete): DELETE of its own job is 403 and the job stays', async () => {
      const viewer = await newUser(t, { roles: ['viewer'] });
      const job = await rest.createJob(admin, {
        name: 'viewers',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        owner_id: viewer.id,
      });
      expect((await rest.as(viewer).delete(`/api/v1/jobs/${job.job_id}`)).status).toBe(403);
      expect(await storedJob(job.job_id)).not.toBeNull();
    });
  });

  describe('pause, resume, PUT and DELETE act on the schedule at once', () => {
    it('pause stops fires and clears next_run_time; resume restarts them (missed fires are not run)', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'pausable',
        job_class_string: 'SampleJob',
        pub_args: ['tick'],
        second: '*',
      });
      await waitFor('two fires', async () => (await db.executions(job.job_id)).length >= 2);

      const paused = await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`);
      const pausedAt = Date.now();
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ job_id: job.job_id, paused: true, next_run_time: null });
      expect(await storedJob(job.job_id)).toMatchObject({ paused: true, next_run_time: null });
      expect((await rest.as(owner).get(`/api/v1/jobs/${job.job_id}`)).body).toMatchObject({
        paused: true,
        next_run_time: null,
      });

      await sleep(2_500);
      const resumeRequested = Date.now();
      const whilePaused = (await db.executions(job.job_id)).filter((row) => row.scheduled_time.getTime() > pausedAt);
      expect(whilePaused).toEqual([]);

      const resumed = await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/resume`);
      expect(resumed.status).toBe(200);
      const body = resumed.body as JobBody;
      expect(body.paused).toBe(false);
      const next = new Date(body.next_run_time!);
      expect(next.getUTCMilliseconds()).toBe(0);
      expect(next.getTime()).toBeGreaterThan(resumeRequested);
      expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(await storedJob(job.job_id)).toMatchObject({ paused: false });

      const after = await waitFor('a fire after resume', async () => {
        const rows = (await db.executions(job.job_id)).filter((row) => row.scheduled_time.getTime() > resumeRequested);
        return rows.length >= 2 ? rows : undefined;
      });
      expect(after.every((row) => row.trigger === 'cron')).toBe(true);
      // Nothing was caught up for the paused stretch.
      const gap = (await db.executions(job.job_id)).filter(
        (row) => row.scheduled_time.getTime() > pausedAt && row.scheduled_time.getTime() <= resumeRequested,
      );
      expect(gap).toEqual([]);
      await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    });

    it('pausing a paused job or resuming an active one changes nothing and logs nothing', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'idempotent',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
      });
      const again = await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ paused: true, next_run_time: null });
      expect(await rest.jobLogs(owner, job.job_id, 'paused')).toEqual([]);
    });

    it('PUT of second reschedules at once: the new cadence, none of the old', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'cadence',
        job_class_string: 'SampleJob',
        pub_args: ['tick'],
        second: '*/2',
      });
      await waitFor('a fire on the old cadence', async () => (await db.executions(job.job_id)).length >= 1);
      const old = await db.executions(job.job_id);
      expect(old.every((row) => row.scheduled_time.getUTCSeconds() % 2 === 0)).toBe(true);

      const res = await rest.as(owner).put(`/api/v1/jobs/${job.job_id}`).send({ second: '*/3' });
      const changedAt = Date.now();
      expect(res.status).toBe(200);
      const body = res.body as JobBody;
      expect(body).toMatchObject({ second: '*/3', minute: '*', hour: '*', pub_args: ['tick'] });
      expect(new Date(body.next_run_time!).getUTCSeconds() % 3).toBe(0);
      expect(new Date(body.next_run_time!).getTime()).toBeGreaterThan(changedAt - 1_000);

      const fresh = await waitFor('three fires on the new cadence', async () => {
        const rows = (await db.executions(job.job_id)).filter((row) => row.scheduled_time.getTime() > changedAt);
        return rows.length >= 3 ? rows : undefined;
      });
      const seconds = fresh.map((row) => row.scheduled_time.getTime() / 1000);
      expect(seconds.every((s) => s % 3 === 0)).toBe(true);
      expect(seconds.slice(1).map((s, i) => s - seconds[i])).toEqual(seconds.slice(1).map(() => 3));
      await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    });

    it('PUT of hour alone keeps minute, second and every other field; next_run_time follows', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'partial',
        job_class_string: 'SampleJob',
        pub_args: ['keep', 0],
        minute: '5',
        second: '10',
        day_of_week: 'mon-fri',
        timezone: 'Europe/Berlin',
        max_instances: 2,
        timeout_seconds: 30,
        misfire_grace_seconds: 20,
        coalesce: false,
      });
      // An hour far from now in Berlin, so the next fire really moves (at 02:30 an `hour: '3'` would not).
      const farHour = String((Number(localFields(new Date().toISOString(), 'Europe/Berlin').hour) + 12) % 24);
      const res = await rest.as(owner).put(`/api/v1/jobs/${job.job_id}`).send({ hour: farHour });
      expect(res.status).toBe(200);
      const body = res.body as JobBody;
      const { hour, next_run_time, updated_time, ...unchanged } = body;
      const { hour: oldHour, next_run_time: oldNext, updated_time: oldUpdated, ...before } = job;
      expect(unchanged).toEqual(before);
      expect([oldHour, hour]).toEqual(['*', farHour]);
      expect(Date.parse(updated_time)).toBeGreaterThanOrEqual(Date.parse(oldUpdated));
      expect(next_run_time).not.toBe(oldNext);
      const local = localFields(next_run_time!, 'Europe/Berlin');
      expect([local.hour, local.minute, local.second]).toEqual([farHour.padStart(2, '0'), '05', '10']);
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(local.weekday);
      expect(Date.parse(next_run_time!)).toBeGreaterThan(Date.now());
      expect(Date.parse(next_run_time!)).toBeLessThan(Date.now() + 4 * 86_400_000);
      expect(await storedJob(job.job_id)).toMatchObject({
        hour: farHour,
        minute: '5',
        second: '10',
        day_of_week: 'mon-fri',
        timezone: 'Europe/Berlin',
        pub_args: ['keep', 0],
        max_instances: 2,
        timeout_seconds: 30,
        misfire_grace_seconds: 20,
        coalesce: false,
        next_run_time: new Date(next_run_time!),
      });
    });

    it('delete stops fires but keeps history: 200 {job_id}, executions still listed with the job name', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: uniqueName('doomed'),
        job_class_string: 'SampleJob',
        pub_args: ['tick'],
        second: '*',
      });
      await waitFor('two fires', async () => (await db.executions(job.job_id)).length >= 2);

      const res = await rest.as(owner).delete(`/api/v1/jobs/${job.job_id}`);
      const deletedAt = Date.now();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ job_id: job.job_id });
      expect(await storedJob(job.job_id)).toBeNull();
      expect((await rest.as(owner).get(`/api/v1/jobs/${job.job_id}`)).body).toEqual(JOB_NOT_FOUND);
      expect((await rest.as(owner).delete(`/api/v1/jobs/${job.job_id}`)).status).toBe(404);

      await sleep(2_500);
      const rows = await db.executions(job.job_id);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.filter((row) => row.scheduled_time.getTime() > deletedAt)).toEqual([]);

      const listed = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id, limit: 1000 });
      expect(listed.status).toBe(200);
      const executions = (listed.body as { executions: ExecutionBody[]; total: number }).executions;
      expect((listed.body as { total: number }).total).toBe(rows.length);
      expect(executions.map((e) => e.execution_id).sort()).toEqual(rows.map((row) => row.id).sort());
      for (const execution of executions) {
        expect(execution.job).toEqual({ job_id: job.job_id, name: job.name, job_class_string: 'SampleJob' });
      }
      const single = await rest.as(owner).get(`/api/v1/executions/${rows[0].id}`);
      expect(single.status).toBe(200);
      expect((single.body as ExecutionBody).job.name).toBe(job.name);

      const [deleted] = await rest.jobLogs(owner, job.job_id, 'deleted');
      expect(deleted).toMatchObject({ event: 'deleted', job_id: job.job_id, job_name: job.name });
    });
  });

  describe('audit events name the actor and what changed', () => {
    it('added, modified, paused, resumed, custom_run, deleted: each by the owner, on the owner’s log', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, {
        name: 'audited',
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
      });
      await rest
        .as(owner)
        .put(`/api/v1/jobs/${job.job_id}`)
        .send({ hour: '3', pub_args: ['y'] })
        .expect(200);
      await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/resume`).expect(200);
      await rest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
      const run = await rest.as(owner).post(`/api/v1/executions/${job.job_id}`).expect(201);
      const executionId = (run.body as { execution_id: string }).execution_id;
      await rest.as(owner).delete(`/api/v1/jobs/${job.job_id}`).expect(200);

      const logs = await rest.jobLogs(owner, job.job_id);
      expect(logs.map((entry) => entry.event)).toEqual([
        'deleted',
        'custom_run',
        'paused',
        'resumed',
        'modified',
        'added',
      ]);
      for (const entry of logs) {
        expect(entry).toEqual({
          id: expect.stringMatching(UUID),
          job_id: job.job_id,
          job_name: 'audited',
          event: entry.event,
          user: owner.username,
          user_id: owner.id,
          owner_id: owner.id,
          created_time: expect.stringMatching(ISO_UTC),
          description: expect.any(String),
        });
      }
      const modified = logs.find((entry) => entry.event === 'modified')!;
      expect(modified.description).toContain('hour: "*" → "3"');
      expect(modified.description).toContain('pub_args: ["x"] → ["y"]');
      expect(modified.description).not.toContain('minute');
      expect(logs.find((entry) => entry.event === 'custom_run')!.description).toContain(executionId);
      const stored = await db.rows<{ event: string; user_id: string; owner_id: string }>(
        'SELECT event, user_id, owner_id FROM audit_logs WHERE job_id = $1 ORDER BY created_time DESC',
        [job.job_id],
      );
      expect(stored.map((row) => row.event)).toEqual(logs.map((entry) => entry.event));
      expect(stored.every((row) => row.user_id === owner.id && row.owner_id === owner.id)).toBe(true);
    });

    it('a PUT that changes nothing writes no modified entry', async () => {
      const owner = await manager();
      const job = await rest.createJob(owner, { name: 'same', job_class_string: 'SampleJob', pub_args: ['x'] });
      await rest.as(owner).put(`/api/v1/jobs/${job.job_id}`).send({ hour: '*', name: 'same' }).expect(200);
      expect(await rest.jobLogs(owner, job.job_id, 'modified')).toEqual([]);
    });
  });

  describe('isolation between users', () => {
    let a: Actor;
    let b: Actor;
    let watcher: Actor;
    let viewerAll: Actor;
    let jobA: JobBody;
    let runningA: string;

    beforeAll(async () => {
      a = await manager();
      b = await manager();
      const viewAll = uniqueName('view-all');
      await newRole(t, viewAll, ['view_all']);
      // Every action permission too, so that a 403 can only come from view_all being read-only.
      watcher = await newUser(t, { roles: ['job_manager', viewAll] });
      viewerAll = await newUser(t, { roles: ['viewer', viewAll] });
      jobA = await rest.createJob(a, {
        name: uniqueName('a-job'),
        job_class_string: 'SampleJob',
        pub_args: ['slow', 30],
        paused: true,
      });
      const run = await rest.as(a).post(`/api/v1/executions/${jobA.job_id}`).expect(201);
      runningA = (run.body as { execution_id: string }).execution_id;
      await rest.createJob(b, {
        name: uniqueName('b-job'),
        job_class_string: 'SampleJob',
        pub_args: ['b'],
        paused: true,
      });
    });
    afterAll(async () => {
      await rest.as(a).post(`/api/v1/executions/${runningA}/stop`);
    });

    it('B gets 404 on every one of A’s jobs and executions, the same answer as for a missing id', async () => {
      const storedJobBefore = await storedJob(jobA.job_id);
      const missingJob = await rest.as(b).get(`/api/v1/jobs/${MISSING_ID}`);
      const missingExecution = await rest.as(b).get(`/api/v1/executions/${MISSING_ID}`);
      expect(missingJob.status).toBe(404);
      expect(missingExecution.status).toBe(404);
      const attempts: Array<[string, () => PromiseLike<{ status: number; body: unknown }>, unknown]> = [
        ['GET job', () => rest.as(b).get(`/api/v1/jobs/${jobA.job_id}`), missingJob.body],
        ['PUT job', () => rest.as(b).put(`/api/v1/jobs/${jobA.job_id}`).send({ hour: '3' }), missingJob.body],
        [
          'PUT job (invalid body)',
          () => rest.as(b).put(`/api/v1/jobs/${jobA.job_id}`).send({ minute: '61' }),
          missingJob.body,
        ],
        ['DELETE job', () => rest.as(b).delete(`/api/v1/jobs/${jobA.job_id}`), missingJob.body],
        ['pause', () => rest.as(b).post(`/api/v1/jobs/${jobA.job_id}/pause`), missingJob.body],
        ['resume', () => rest.as(b).post(`/api/v1/jobs/${jobA.job_id}/resume`), missingJob.body],
        ['run now', () => rest.as(b).post(`/api/v1/executions/${jobA.job_id}`), missingJob.body],
        ['GET execution', () => rest.as(b).get(`/api/v1/executions/${runningA}`), missingExecution.body],
        ['stop execution', () => rest.as(b).post(`/api/v1/executions/${runningA}/stop`), missingExecution.body],
      ];
      for (const [what, attempt, expected] of attempts) {
        const res = await attempt();
        expect({ what, status: res.status, body: res.body }).toEqual({ what, status: 404, body: expected });
      }
      expect(await storedJob(jobA.job_id)).toEqual(storedJobBefore);
      expect(await db.count(`SELECT count(*) AS count FROM executions WHERE job_id = $1`, [jobA.job_id])).toBe(1);
      expect((await db.executions(jobA.job_id))[0].state).toBe('running');
    });

    it('B sees none of A’s jobs, executions or log entries in lists', async () => {
      const jobs = await rest.as(b).get('/api/v1/jobs').query({ limit: 1000 });
      expect(jobs.status).toBe(200);
      const listed = (jobs.body as { jobs: JobBody[]; total: number }).jobs;
      expect(listed.every((job) => job.owner.id === b.id)).toBe(true);
      expect((jobs.body as { total: number }).total).toBe(
        await db.count('SELECT count(*) AS count FROM jobs WHERE owner_id = $1', [b.id]),
      );
      expect((await rest.as(b).get('/api/v1/jobs').query({ q: jobA.name })).body).toEqual({ jobs: [], total: 0 });

      const byJob = await rest.as(b).get('/api/v1/executions').query({ job_id: jobA.job_id });
      expect(byJob.status).toBe(200);
      expect(byJob.body).toEqual({ executions: [], total: 0 });
      const all = await rest.as(b).get('/api/v1/executions').query({ limit: 1000 });
      expect((all.body as { executions: ExecutionBody[] }).executions.some((e) => e.job.job_id === jobA.job_id)).toBe(
        false,
      );
      expect(await rest.jobLogs(b, jobA.job_id)).toEqual([]);
    });

    it('a view_all user sees A’s jobs and executions', async () => {
      const got = await rest.as(watcher).get(`/api/v1/jobs/${jobA.job_id}`);
      expect(got.status).toBe(200);
      expect((await rest.as(viewerAll).get(`/api/v1/jobs/${jobA.job_id}`)).status).toBe(200);
      expect((await rest.as(viewerAll).get(`/api/v1/executions/${runningA}`)).status).toBe(200);
      expect(got.body).toEqual((await rest.as(a).get(`/api/v1/jobs/${jobA.job_id}`)).body);
      const list = await rest.as(watcher).get('/api/v1/jobs').query({ limit: 1000 });
      expect((list.body as { jobs: JobBody[] }).jobs.map((job) => job.job_id)).toContain(jobA.job_id);
      const execution = await rest.as(watcher).get(`/api/v1/executions/${runningA}`);
      expect(execution.status).toBe(200);
      expect(execution.body).toMatchObject({ execution_id: runningA, owner: { id: a.id, username: a.username } });
      const byJob = await rest.as(watcher).get('/api/v1/executions').query({ job_id: jobA.job_id });
      expect((byJob.body as { total: number }).total).toBe(1);
      expect((await rest.jobLogs(watcher, jobA.job_id)).map((entry) => entry.event)).toEqual(['custom_run', 'added']);
    });

    it('a view_all user acting on A’s job or execution: 403, nothing changes', async () => {
      const storedJobBefore = await storedJob(jobA.job_id);
      // `watcher` holds every action permission (the 403 comes from view_all being read-only);
      // `viewerAll` is a viewer with view_all (the 403 comes from the missing permission).
      for (const actor of [watcher, viewerAll]) {
        const attempts: Array<[string, () => PromiseLike<{ status: number }>]> = [
          ['PUT', () => rest.as(actor).put(`/api/v1/jobs/${jobA.job_id}`).send({ hour: '3' })],
          ['PUT (invalid body)', () => rest.as(actor).put(`/api/v1/jobs/${jobA.job_id}`).send({ minute: '61' })],
          ['DELETE', () => rest.as(actor).delete(`/api/v1/jobs/${jobA.job_id}`)],
          ['pause', () => rest.as(actor).post(`/api/v1/jobs/${jobA.job_id}/pause`)],
          ['resume', () => rest.as(actor).post(`/api/v1/jobs/${jobA.job_id}/resume`)],
          ['run now', () => rest.as(actor).post(`/api/v1/executions/${jobA.job_id}`)],
          ['stop', () => rest.as(actor).post(`/api/v1/executions/${runningA}/stop`)],
        ];
        for (const [what, attempt] of attempts) {
          const res = await attempt();
          expect({ who: actor.username, what, status: res.status }).toEqual({ who: actor.username, what, status: 403 });
        }
      }
      expect(await storedJob(jobA.job_id)).toEqual(storedJobBefore);
      const rows = await db.executions(jobA.job_id);
      expect(rows.map((row) => [row.id, row.state])).toEqual([[runningA, 'running']]);
      expect((await rest.jobLogs(a, jobA.job_id)).map((entry) => entry.event)).toEqual(['custom_run', 'added']);
    });

    it('owner_id filter: 403 without view_all (even for one’s own id); with view_all only that owner’s jobs', async () => {
      expect((await rest.as(a).get('/api/v1/jobs').query({ owner_id: a.id })).status).toBe(403);
      expect((await rest.as(b).get('/api/v1/jobs').query({ owner_id: a.id })).status).toBe(403);
      const res = await rest.as(watcher).get('/api/v1/jobs').query({ owner_id: a.id, limit: 1000 });
      expect(res.status).toBe(200);
      const body = res.body as { jobs: JobBody[]; total: number };
      expect(body.jobs.length).toBeGreaterThan(0);
      expect(body.jobs.every((job) => job.owner.id === a.id)).toBe(true);
      expect(body.jobs.map((job) => job.job_id)).toContain(jobA.job_id);
      expect(body.total).toBe(await db.count('SELECT count(*) AS count FROM jobs WHERE owner_id = $1', [a.id]));
      const asAdmin = await rest.as(admin).get('/api/v1/jobs').query({ owner_id: b.id });
      expect((asAdmin.body as { jobs: JobBody[] }).jobs.every((job) => job.owner.id === b.id)).toBe(true);
    });

    it('an admin’s change to A’s job shows in A’s audit log with the admin as actor', async () => {
      const job = await rest.createJob(a, {
        name: uniqueName('admin-touched'),
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
      });
      const put = await rest.as(admin).put(`/api/v1/jobs/${job.job_id}`).send({ hour: '3' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ hour: '3', owner: { id: a.id, username: a.username } });
      await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/resume`).expect(200);
      await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
      const run = await rest.as(admin).post(`/api/v1/executions/${job.job_id}`).expect(201);
      const executionId = (run.body as { execution_id: string }).execution_id;
      await rest.as(admin).delete(`/api/v1/jobs/${job.job_id}`).expect(200);

      const logs = await rest.jobLogs(a, job.job_id);
      expect(logs.map((entry) => entry.event)).toEqual([
        'deleted',
        'custom_run',
        'paused',
        'resumed',
        'modified',
        'added',
      ]);
      for (const entry of logs.slice(0, 5)) {
        expect(entry).toMatchObject({
          user: TEST_ADMIN.username,
          user_id: admin.id,
          owner_id: a.id,
          job_id: job.job_id,
          job_name: job.name,
        });
      }
      expect(logs[4].description).toContain('hour: "*" → "3"');
      expect(logs[5]).toMatchObject({ event: 'added', user: a.username, user_id: a.id });
      // The execution the admin started belongs to A too.
      const execution = await rest.as(a).get(`/api/v1/executions/${executionId}`);
      expect(execution.status).toBe(200);
      expect(execution.body).toMatchObject({ owner: { id: a.id, username: a.username }, trigger: 'manual' });
    });
  });

  describe('deleting a user who owns jobs', () => {
    it('409 without reassign_to; with it 204 and the jobs and their executions belong to the other user', async () => {
      const leaving = await manager();
      const heir = await manager();
      const job = await rest.createJob(leaving, {
        name: uniqueName('inherited'),
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
      });
      const run = await rest.as(leaving).post(`/api/v1/executions/${job.job_id}`).expect(201);
      const executionId = (run.body as { execution_id: string }).execution_id;
      await waitFor('the run-now execution to finish', async () => {
        const [row] = await db.executions(job.job_id);
        return row.state === 'succeeded';
      });

      const refused = await rest.as(admin).delete(`/api/v1/users/${leaving.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(await db.count('SELECT count(*) AS count FROM users WHERE id = $1', [leaving.id])).toBe(1);
      expect(await storedJob(job.job_id)).toMatchObject({ owner_id: leaving.id });

      const bad = await rest.as(admin).delete(`/api/v1/users/${leaving.id}`).query({ reassign_to: leaving.id });
      expect(bad.status).toBe(400);

      const moved = await rest.as(admin).delete(`/api/v1/users/${leaving.id}`).query({ reassign_to: heir.id });
      expect(moved.status).toBe(204);
      expect(await db.count('SELECT count(*) AS count FROM users WHERE id = $1', [leaving.id])).toBe(0);
      expect(await storedJob(job.job_id)).toMatchObject({ owner_id: heir.id });
      const [row] = await db.executions(job.job_id);
      expect(row.owner_id).toBe(heir.id);

      const got = await rest.as(heir).get(`/api/v1/jobs/${job.job_id}`);
      expect(got.status).toBe(200);
      expect((got.body as JobBody).owner).toEqual({ id: heir.id, username: heir.username });
      const execution = await rest.as(heir).get(`/api/v1/executions/${executionId}`);
      expect(execution.status).toBe(200);
      expect((execution.body as ExecutionBody).owner).toEqual({ id: heir.id, username: heir.username });
      const listed = await rest.as(heir).get('/api/v1/executions').query({ job_id: job.job_id });
      expect((listed.body as { total: number }).total).toBe(1);
    });
  });
});

describe('jobs of a class disabled on this instance (JOB_CLASSES_DISABLED=ShellJob)', () => {
  let t: TestApp;
  let db: Db;

  beforeAll(async () => {
    t = await createTestApp({ env: { JOB_CLASSES_DISABLED: 'ShellJob', SHUTDOWN_GRACE_SECONDS: '1' } });
    db = await Db.connect(t);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('changing (PUT) one’s own ShellJob without code_execute: 403 (the permission, before validation), unchanged', async () => {
    const owner = await newUser(t, { roles: ['job_manager'] });
    // An admin made it while the class was enabled; the class is disabled here now.
    const [{ id }] = await db.rows<{ id: string }>(
      `INSERT INTO jobs (name, job_class_string, pub_args, timezone, paused, timeout_seconds, owner_id)
       VALUES ('shell of a disabled class', 'ShellJob', '["/bin/true"]', 'UTC', true, 60, $1) RETURNING id`,
      [owner.id],
    );
    const stored = await db.job(id);
    const res = await restClient(t).as(owner).put(`/api/v1/jobs/${id}`).send({ hour: '3' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Jobs of class ShellJob need the code_execute permission',
    });
    expect(await db.job(id)).toEqual(stored);
  });

  it('the same change by an admin (who holds code_execute) is validated instead: 400 naming job_class_string', async () => {
    const admin = await loginAdmin(t);
    const [{ id }] = await db.rows<{ id: string }>(
      `INSERT INTO jobs (name, job_class_string, pub_args, timezone, paused, timeout_seconds, owner_id)
       VALUES ('admin shell of a disabled class', 'ShellJob', '["/bin/true"]', 'UTC', true, 60, $1) RETURNING id`,
      [admin.id],
    );
    const res = await restClient(t).as(admin).put(`/api/v1/jobs/${id}`).send({ hour: '3' });
    expect(res.status).toBe(400);
    expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('job_class_string must be one of');
  });
});
