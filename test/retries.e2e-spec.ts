// Retries (issue 15 item 3; API.md "Triggers, retries and the scheduler switch") against the real
// database: a failed or timed-out run is retried as a new execution (trigger `retry`, attempt n,
// retry_of the first attempt) due at its finish plus the delay; stopped runs and the runs of paused or
// deleted jobs are not; a pending retry is a row, so it survives the kill -9 of the instance that
// wrote it; every validation error names its field.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Actor, loginAdmin, newUser } from './support/actors.js';
import { AppProcess } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { Db, type ErrorBody, type JobBody, messagesOf, restClient, sleep, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

interface RetryJobBody extends JobBody {
  retries: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  retry_delay_max_seconds: number;
}

/** An execution row with the retry columns. */
interface AttemptRow {
  id: string;
  state: string;
  trigger: string;
  attempt: number;
  retry_of: string | null;
  scheduled_time: Date;
  started_time: Date | null;
  finished_time: Date | null;
  instance_id: string | null;
  description: string;
}

const ATTEMPTS_SQL = `SELECT id, state, trigger, attempt, retry_of, scheduled_time, started_time, finished_time,
                             instance_id, description
                        FROM executions WHERE job_id = $1 ORDER BY attempt, scheduled_time`;

const ms = (time: Date | string): number => new Date(time).getTime();
const TOMORROW = (): string => new Date(Date.now() + 86_400_000).toISOString();
/** SampleJob's arguments: [message, sleep_seconds, fail]. */
const FAILING = ['fails', 0, true];

describe('retries (one instance)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let alice: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { SWEEP_INTERVAL_SECONDS: '1' } });
    db = await Db.connect(t);
    rest = restClient(t);
    alice = await newUser(t, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  // Active (a paused job's runs are not retried) but firing only tomorrow: runs come from run now.
  const create = async (body: Record<string, unknown>): Promise<RetryJobBody> =>
    (await rest.createJob(alice, {
      job_class_string: 'SampleJob',
      trigger: 'date',
      run_date: TOMORROW(),
      ...body,
    })) as RetryJobBody;
  const attempts = (jobId: string): Promise<AttemptRow[]> => db.rows<AttemptRow>(ATTEMPTS_SQL, [jobId]);
  const runNow = async (jobId: string): Promise<string> => {
    const res = await rest.as(alice).post(`/api/v1/executions/${jobId}`);
    expect(res.status).toBe(201);
    return (res.body as { execution_id: string }).execution_id;
  };

  it('a job has the retry defaults of API.md, appended at the end of the job object', async () => {
    const job = await create({ name: 'defaults', pub_args: ['hi'] });
    expect(job).toMatchObject({
      retries: 0,
      retry_delay_seconds: 30,
      retry_backoff: true,
      retry_delay_max_seconds: 3600,
    });
    expect(Object.keys(job).slice(-4)).toEqual([
      'retries',
      'retry_delay_seconds',
      'retry_backoff',
      'retry_delay_max_seconds',
    ]);
    expect(await db.job(job.job_id)).toMatchObject({
      retries: 0,
      retry_delay_seconds: 30,
      retry_backoff: true,
      retry_delay_max_seconds: 3600,
    });
  });

  it('retries 2 of a failing run: exactly 3 attempts, linked by retry_of, delays growing within [d/2, d]', async () => {
    const job = await create({
      name: 'fails three times',
      pub_args: FAILING,
      retries: 2,
      retry_delay_seconds: 1,
      retry_backoff: true,
      retry_delay_max_seconds: 60,
    });
    const first = await runNow(job.job_id);
    const rows = await waitFor('three finished attempts', async () => {
      const found = await attempts(job.job_id);
      return found.length === 3 && found.every((row) => row.finished_time !== null) && found;
    });
    expect(rows.map((row) => [row.attempt, row.state, row.trigger, row.retry_of])).toEqual([
      [1, 'failed', 'manual', null],
      [2, 'failed', 'retry', first],
      [3, 'failed', 'retry', first],
    ]);
    // The n-th retry is due d/2..d after the previous attempt's finish, d = 1 s × 2^(n-1).
    const delay2 = ms(rows[1].scheduled_time) - ms(rows[0].finished_time!);
    const delay3 = ms(rows[2].scheduled_time) - ms(rows[1].finished_time!);
    expect(delay2).toBeGreaterThanOrEqual(500);
    expect(delay2).toBeLessThanOrEqual(1000);
    expect(delay3).toBeGreaterThanOrEqual(1000);
    expect(delay3).toBeLessThanOrEqual(2000);
    for (const row of rows.slice(1)) {
      // Claimed when due (a timer of the instance that wrote it), not long after.
      expect(ms(row.started_time!)).toBeGreaterThanOrEqual(ms(row.scheduled_time));
      expect(ms(row.started_time!) - ms(row.scheduled_time)).toBeLessThan(1500);
    }
    expect(rows[1].description).toMatch(new RegExp(`^attempt 2 of 3: retry of execution ${first}`));

    await sleep(2_500);
    expect(await attempts(job.job_id)).toHaveLength(3); // no fourth

    // The API shows attempt and retry_of, at the end of the execution object.
    const res = await rest.as(alice).get(`/api/v1/executions/${rows[2].id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ trigger: 'retry', attempt: 3, retry_of: first, state: 'failed' });
    expect(Object.keys(res.body as object).slice(-2)).toEqual(['attempt', 'retry_of']);
    const firstBody = (await rest.as(alice).get(`/api/v1/executions/${first}`)).body as Record<string, unknown>;
    expect(firstBody).toMatchObject({ attempt: 1, retry_of: null });

    // Audited: one retry_scheduled entry per retry written, by the scheduler.
    const logs = await rest.jobLogs(alice, job.job_id, 'retry_scheduled');
    expect(logs).toHaveLength(2);
    for (const log of logs) expect(log.user).toBe('scheduler');

    // Counted: this instance wrote two retries and started both (the first test of this file).
    const metrics = await t
      .http()
      .get('/metrics')
      .set('Authorization', (await loginAdmin(t)).bearer);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('cronwarden_retries_total{outcome="scheduled"} 2');
    expect(metrics.text).toContain('cronwarden_retries_total{outcome="started"} 2');
  });

  it('a run that timed out is retried; the retry that times out too is the last', async () => {
    const job = await create({
      name: 'times out',
      pub_args: ['slow', 10],
      timeout_seconds: 1,
      retries: 1,
      retry_delay_seconds: 1,
      retry_backoff: false,
    });
    const first = await runNow(job.job_id);
    const rows = await waitFor(
      'two timed-out attempts',
      async () => {
        const found = await attempts(job.job_id);
        return found.length === 2 && found.every((row) => row.state === 'timeout') && found;
      },
      { timeoutMs: 20_000 },
    );
    expect(rows.map((row) => [row.attempt, row.trigger, row.retry_of])).toEqual([
      [1, 'manual', null],
      [2, 'retry', first],
    ]);
    // Without backoff the delay is retry_delay_seconds exactly.
    expect(ms(rows[1].scheduled_time) - ms(rows[0].finished_time!)).toBe(1000);
    await sleep(2_000);
    expect(await attempts(job.job_id)).toHaveLength(2);
  });

  it('a stopped run is not retried', async () => {
    const job = await create({ name: 'stopped', pub_args: ['slow', 30], retries: 2, retry_delay_seconds: 1 });
    const first = await runNow(job.job_id);
    await waitFor('the run to be running', async () => (await attempts(job.job_id))[0]?.state === 'running');
    const stop = await rest.as(alice).post(`/api/v1/executions/${first}/stop`);
    expect(stop.status).toBe(200);
    await sleep(2_500);
    const rows = await attempts(job.job_id);
    expect(rows.map((row) => [row.attempt, row.state])).toEqual([[1, 'stopped']]);
  });

  it("a paused job's pending retry does not run (recorded skipped), nor after it is resumed", async () => {
    const job = await create({
      name: 'paused meanwhile',
      pub_args: FAILING,
      retries: 1,
      retry_delay_seconds: 3,
      retry_backoff: false,
    });
    await runNow(job.job_id);
    const pending = await waitFor('the pending retry', async () =>
      (await attempts(job.job_id)).find((row) => row.trigger === 'retry'),
    );
    expect(pending).toMatchObject({ state: 'scheduled', attempt: 2, started_time: null, instance_id: null });
    expect((await rest.as(alice).post(`/api/v1/jobs/${job.job_id}/pause`)).status).toBe(200);
    expect((await attempts(job.job_id))[1]).toMatchObject({ state: 'skipped' });
    expect((await attempts(job.job_id))[1].description).toMatch(/skipped: the job was paused/);
    expect((await rest.as(alice).post(`/api/v1/jobs/${job.job_id}/resume`)).status).toBe(200);
    await sleep(ms(pending.scheduled_time) + 2_000 - Date.now());
    const rows = await attempts(job.job_id);
    expect(rows.map((row) => [row.attempt, row.state])).toEqual([
      [1, 'failed'],
      [2, 'skipped'],
    ]);
    expect(rows[1].started_time).toBeNull();
  });

  it("a deleted job's pending retry does not run (recorded skipped, kept with the history)", async () => {
    const job = await create({
      name: 'deleted meanwhile',
      pub_args: FAILING,
      retries: 1,
      retry_delay_seconds: 2,
      retry_backoff: false,
    });
    await runNow(job.job_id);
    const pending = await waitFor('the pending retry', async () =>
      (await attempts(job.job_id)).find((row) => row.trigger === 'retry'),
    );
    expect((await rest.as(alice).delete(`/api/v1/jobs/${job.job_id}`)).status).toBe(200);
    await sleep(ms(pending.scheduled_time) + 2_000 - Date.now());
    const rows = await attempts(job.job_id);
    expect(rows.map((row) => [row.attempt, row.state])).toEqual([
      [1, 'failed'],
      [2, 'skipped'],
    ]);
    expect(rows[1].description).toMatch(/skipped: the job was deleted/);
  });

  it('while the scheduler is paused a due retry waits (still scheduled); it runs on resume', async () => {
    const admin = await loginAdmin(t);
    const job = await create({
      name: 'waits out a pause',
      pub_args: FAILING,
      retries: 1,
      retry_delay_seconds: 1,
      retry_backoff: false,
    });
    await runNow(job.job_id);
    const pending = await waitFor('the pending retry', async () =>
      (await attempts(job.job_id)).find((row) => row.trigger === 'retry'),
    );
    expect((await rest.as(admin).post('/api/v1/scheduler/pause')).status).toBe(200);
    try {
      await sleep(ms(pending.scheduled_time) + 2_000 - Date.now());
      expect((await attempts(job.job_id))[1]).toMatchObject({ state: 'scheduled', started_time: null });
    } finally {
      expect((await rest.as(admin).post('/api/v1/scheduler/resume')).status).toBe(200);
    }
    const resumedAt = Date.now();
    const ran = await waitFor('the retry after the resume', async () => {
      const row = (await attempts(job.job_id))[1];
      return row.finished_time !== null && row;
    });
    expect(ran.state).toBe('failed');
    expect(ms(ran.started_time!) - resumedAt).toBeLessThan(1_500);
  });

  it('a run that succeeds is not retried, and a scheduled fire is retried like a run now', async () => {
    const ok = await create({ name: 'succeeds', pub_args: ['fine'], retries: 3, retry_delay_seconds: 1 });
    await runNow(ok.job_id);
    await waitFor('the run to succeed', async () => (await attempts(ok.job_id))[0]?.state === 'succeeded');
    await sleep(1_500);
    expect(await attempts(ok.job_id)).toHaveLength(1);

    const scheduled = await create({
      name: 'fires and fails',
      pub_args: FAILING,
      trigger: 'date',
      run_date: new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString(),
      retries: 1,
      retry_delay_seconds: 1,
      retry_backoff: false,
    });
    const rows = await waitFor('the fire and its retry', async () => {
      const found = await attempts(scheduled.job_id);
      return found.length === 2 && found[1].finished_time !== null && found;
    });
    expect(rows.map((row) => [row.attempt, row.trigger, row.state])).toEqual([
      [1, 'cron', 'failed'],
      [2, 'retry', 'failed'],
    ]);
    expect(rows[1].retry_of).toBe(rows[0].id);
  });

  describe('validation: 400 naming the field, nothing saved', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['retries below 0', { retries: -1 }, 'retries'],
      ['retries above 10', { retries: 11 }, 'retries'],
      ['retries not an integer', { retries: 1.5 }, 'retries'],
      ['retry_delay_seconds below 1', { retry_delay_seconds: 0 }, 'retry_delay_seconds'],
      ['retry_delay_seconds above a day', { retry_delay_seconds: 86_401 }, 'retry_delay_seconds'],
      ['retry_delay_seconds not a number', { retry_delay_seconds: 'soon' }, 'retry_delay_seconds'],
      ['retry_delay_max_seconds below 1', { retry_delay_max_seconds: 0 }, 'retry_delay_max_seconds'],
      ['retry_delay_max_seconds above a day', { retry_delay_max_seconds: 86_401 }, 'retry_delay_max_seconds'],
      ['retry_backoff not a boolean', { retry_backoff: 'yes' }, 'retry_backoff'],
    ];
    it.each(cases)('%s → 400 naming it (create and change)', async (_label, fields, field) => {
      const before = await db.jobCount();
      const res = await rest
        .as(alice)
        .post('/api/v1/jobs')
        .send({ name: `bad ${field}`, job_class_string: 'SampleJob', pub_args: ['x'], ...fields });
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody).some((message) => message.startsWith(`${field} `))).toBe(true);
      expect(await db.jobCount()).toBe(before);

      const job = await create({ name: `change ${field}`, pub_args: ['x'] });
      const put = await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send(fields);
      expect(put.status).toBe(400);
      expect(messagesOf(put.body as ErrorBody).some((message) => message.startsWith(`${field} `))).toBe(true);
      expect(await db.job(job.job_id)).toMatchObject({ retries: 0, retry_delay_seconds: 30, retry_backoff: true });
    });
  });
});

describe('a pending retry survives the kill -9 of the instance that wrote it', () => {
  let database: TestDatabase;
  let workDir: string;
  const apps: AppProcess[] = [];
  const ADMIN_PASSWORD = 'retries-Secret-for-root-42';

  beforeAll(async () => {
    database = await createTestDatabase();
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-retries-'));
    const shared = {
      DATABASE_URL: database.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_PASSWORD,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      HEARTBEAT_SECONDS: '1',
      SWEEP_INTERVAL_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '1',
    };
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const env = { ...shared, PORT: String(port), DATA_DIR: path.join(workDir, `data-${i}`) };
      apps.push(new AppProcess(env, workDir, `http://127.0.0.1:${port}`, ADMIN_PASSWORD));
    }
    await apps[0].start();
    await apps[1].start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await database?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('the other instance claims it when due: attempt 2 runs exactly once, elsewhere', async () => {
    const [writer, survivor] = apps;
    const created = await writer.api<RetryJobBody>('POST', '/api/v1/jobs', {
      name: 'outlives its writer',
      job_class_string: 'SampleJob',
      pub_args: FAILING,
      trigger: 'date',
      run_date: TOMORROW(),
      retries: 1,
      retry_delay_seconds: 4,
      retry_backoff: false,
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rowsOf = async (): Promise<AttemptRow[]> => (await client.query<AttemptRow>(ATTEMPTS_SQL, [jobId])).rows;
      // Run now on the writer: the run fails there and the writer writes the pending retry.
      const run = await writer.api<{ execution_id: string }>('POST', `/api/v1/executions/${jobId}`);
      expect(run.status).toBe(201);
      const pending = await waitFor('the pending retry', async () => (await rowsOf()).find((row) => row.attempt === 2));
      expect(pending).toMatchObject({ state: 'scheduled', trigger: 'retry', retry_of: run.body.execution_id });
      const writerInstance = (await rowsOf())[0].instance_id;
      await writer.kill('SIGKILL');

      const done = await waitFor(
        'the retry run by the survivor',
        async () => {
          const row = (await rowsOf()).find((found) => found.attempt === 2);
          return row?.finished_time ? row : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(done.state).toBe('failed');
      expect(done.instance_id).not.toBe(writerInstance);
      expect(done.instance_id).not.toBeNull();
      expect(ms(done.started_time!)).toBeGreaterThanOrEqual(ms(pending.scheduled_time));
      // Claimed within a sweep of its due time.
      expect(ms(done.started_time!) - ms(pending.scheduled_time)).toBeLessThan(2_500);
      await sleep(1_500);
      const rows = await rowsOf();
      expect(rows.map((row) => [row.attempt, row.state])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
      ]);
      expect(survivor.running).toBe(true);
    } finally {
      await client.end();
    }
  });
});
