import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Actor, login, newUser, strongPassword, uniqueName } from './support/actors.js';
import { AppProcess } from './support/app-process.js';
import { freePort } from './support/ports.js';
import {
  Db,
  type ErrorBody,
  type ExecutionRow,
  type JobBody,
  messagesOf,
  restClient,
  sleep,
  waitFor,
} from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** The trigger fields of API.md ("Triggers, retries and the scheduler switch"). */
interface TriggerJobBody extends JobBody {
  trigger: 'cron' | 'interval' | 'date';
  interval_seconds: number | null;
  run_date: string | null;
  start_date: string | null;
  end_date: string | null;
  jitter_seconds: number;
}

const ms = (time: Date | string): number => new Date(time).getTime();
const wholeSecondsFromNow = (seconds: number): Date => new Date((Math.floor(Date.now() / 1000) + seconds) * 1000);
/** Grid steps of `fires` from `start` (each must be a whole k ≥ 1). */
const stepsOf = (fires: ExecutionRow[], start: string, intervalSeconds: number): number[] =>
  fires.map((fire) => (ms(fire.scheduled_time) - ms(start)) / (intervalSeconds * 1000));
/** Cron-timer executions (not run now) of a job, oldest first. */
const scheduledFires = async (db: Db, jobId: string): Promise<ExecutionRow[]> =>
  (await db.executions(jobId)).filter((row) => row.trigger === 'cron');

describe('interval and date triggers, start/end dates, jitter (one instance)', () => {
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

  const create = async (body: Record<string, unknown>): Promise<TriggerJobBody> =>
    (await rest.createJob(alice, { job_class_string: 'SampleJob', pub_args: ['hi'], ...body })) as TriggerJobBody;

  it('an interval of 2 s fires on the grid from start_date (stored), each point exactly once', async () => {
    const created = Date.now();
    const job = await create({ name: 'every 2 s', trigger: 'interval', interval_seconds: 2 });
    expect(job).toMatchObject({ trigger: 'interval', interval_seconds: 2, run_date: null, end_date: null });
    // start_date defaults to the creation time, in whole seconds, and is stored.
    expect(ms(job.start_date!) % 1000).toBe(0);
    expect(Math.abs(ms(job.start_date!) - created)).toBeLessThan(1500);
    expect(ms(job.next_run_time!)).toBe(ms(job.start_date!) + 2000);
    const row = await db.job(job.job_id);
    expect(row).toMatchObject({ trigger: 'interval', interval_seconds: 2, jitter_seconds: 0 });
    expect(ms(row!.start_date as Date)).toBe(ms(job.start_date!));

    await sleep(ms(job.start_date!) + 7_500 - Date.now());
    const fires = await scheduledFires(db, job.job_id);
    expect(stepsOf(fires, job.start_date!, 2)).toEqual([1, 2, 3]);
    for (const fire of fires) expect(fire.state).toBe('succeeded');
    const after = (await rest.as(alice).get(`/api/v1/jobs/${job.job_id}`)).body as TriggerJobBody;
    expect(ms(after.next_run_time!)).toBe(ms(job.start_date!) + 8000);
    await rest.as(alice).delete(`/api/v1/jobs/${job.job_id}`);
  });

  it('start_date 5 s ahead: nothing fires before it, then it fires from it', async () => {
    const start = wholeSecondsFromNow(5);
    const job = await create({ name: 'starts later', second: '*', start_date: start.toISOString() });
    expect(job.start_date).toBe(start.toISOString());
    expect(job.next_run_time).toBe(start.toISOString());
    await sleep(start.getTime() - Date.now() - 300);
    expect(await scheduledFires(db, job.job_id)).toEqual([]);
    await waitFor('the first fire at start_date', async () => (await scheduledFires(db, job.job_id)).length > 0);
    const fires = await scheduledFires(db, job.job_id);
    expect(fires[0].scheduled_time.toISOString()).toBe(start.toISOString());
    await rest.as(alice).delete(`/api/v1/jobs/${job.job_id}`);
  });

  it('end_date: nothing fires after it (cron and interval), and next_run_time ends null', async () => {
    const end = wholeSecondsFromNow(3);
    const cron = await create({ name: 'ends soon (cron)', second: '*', end_date: end.toISOString() });
    const interval = await create({
      name: 'ends soon (interval)',
      trigger: 'interval',
      interval_seconds: 1,
      end_date: end.toISOString(),
    });
    await sleep(end.getTime() + 2_500 - Date.now());
    for (const job of [cron, interval]) {
      const fires = await scheduledFires(db, job.job_id);
      expect(fires.length).toBeGreaterThan(0);
      expect(fires.at(-1)!.scheduled_time.toISOString()).toBe(end.toISOString());
      for (const fire of fires) expect(ms(fire.scheduled_time)).toBeLessThanOrEqual(end.getTime());
      const body = (await rest.as(alice).get(`/api/v1/jobs/${job.job_id}`)).body as TriggerJobBody;
      expect(body).toMatchObject({ next_run_time: null, paused: false, end_date: end.toISOString() });
    }
  });

  it('a date job fires once and keeps its history; a PUT with a new run_date schedules it again', async () => {
    const first = wholeSecondsFromNow(2);
    const job = await create({ name: 'once', trigger: 'date', run_date: first.toISOString() });
    expect(job).toMatchObject({ trigger: 'date', run_date: first.toISOString(), next_run_time: first.toISOString() });
    await waitFor('the one fire', async () => (await scheduledFires(db, job.job_id))[0]?.state === 'succeeded');
    await sleep(2_000);
    let fires = await scheduledFires(db, job.job_id);
    expect(fires.map((fire) => fire.scheduled_time.toISOString())).toEqual([first.toISOString()]);
    let body = (await rest.as(alice).get(`/api/v1/jobs/${job.job_id}`)).body as TriggerJobBody;
    expect(body).toMatchObject({ next_run_time: null, paused: false, run_date: first.toISOString() });
    expect(await db.job(job.job_id)).toMatchObject({ next_run_time: null, paused: false });

    // A change of something else keeps the past run_date (no 400) and schedules nothing.
    const renamed = await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send({ name: 'once, renamed' });
    expect(renamed.status).toBe(200);
    expect((renamed.body as TriggerJobBody).next_run_time).toBeNull();

    const second = wholeSecondsFromNow(2);
    const put = await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send({ run_date: second.toISOString() });
    expect(put.status).toBe(200);
    expect((put.body as TriggerJobBody).next_run_time).toBe(second.toISOString());
    await waitFor('the second fire', async () => (await scheduledFires(db, job.job_id))[1]?.state === 'succeeded');
    fires = await scheduledFires(db, job.job_id);
    expect(fires.map((fire) => fire.scheduled_time.toISOString())).toEqual([first.toISOString(), second.toISOString()]);
    body = (await rest.as(alice).get(`/api/v1/jobs/${job.job_id}`)).body as TriggerJobBody;
    expect(body.next_run_time).toBeNull();
  });

  it('jitter 3 s over 20 jobs: starts spread within 0..3 s, scheduled_time nominal', async () => {
    const at = wholeSecondsFromNow(5);
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        create({ name: `jittered ${i}`, trigger: 'date', run_date: at.toISOString(), jitter_seconds: 3 }),
      ),
    );
    for (const job of jobs) expect(job.jitter_seconds).toBe(3);
    const ids = jobs.map((job) => job.job_id);
    const rows = await waitFor(
      'all 20 jittered runs to finish',
      async () => {
        const found = await db.rows<ExecutionRow>(
          `SELECT * FROM executions WHERE job_id = ANY($1) AND state = 'succeeded'`,
          [ids],
        );
        return found.length === 20 ? found : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const delays = rows.map((row) => ms(row.started_time!) - ms(row.scheduled_time));
    for (const row of rows) expect(row.scheduled_time.toISOString()).toBe(at.toISOString());
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(3_000 + 500); // + the claim's own delay
    }
    // Spread, not bunched: random delays of 20 runs over 3 s span well over a second.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(1_000);
    // Each ran after its start: finished_time is not before the (jittered) started_time.
    for (const row of rows) expect(ms(row.finished_time!)).toBeGreaterThanOrEqual(ms(row.started_time!));
  });

  it('run now is not jittered', async () => {
    const job = await create({
      name: 'jitter, run now',
      trigger: 'interval',
      interval_seconds: 3600,
      jitter_seconds: 3600,
    });
    const res = await rest.as(alice).post(`/api/v1/executions/${job.job_id}`);
    expect(res.status).toBe(201);
    const id = (res.body as { execution_id: string }).execution_id;
    const row = await waitFor('the run now to finish', async () => {
      const [found] = await db.rows<ExecutionRow>(`SELECT * FROM executions WHERE id = $1`, [id]);
      return found?.state === 'succeeded' ? found : undefined;
    });
    expect(ms(row.started_time!) - ms(row.scheduled_time)).toBeLessThan(1_000);
  });

  it('PUT switches a cron job to an interval (cron fields back to defaults, grid from now) and back', async () => {
    const job = await create({ name: 'switches', minute: '*/5', paused: true });
    const res = await rest
      .as(alice)
      .put(`/api/v1/jobs/${job.job_id}`)
      .send({ trigger: 'interval', interval_seconds: 60 });
    expect(res.status).toBe(200);
    const body = res.body as TriggerJobBody;
    expect(body).toMatchObject({ trigger: 'interval', interval_seconds: 60, minute: '*', second: '0' });
    expect(body.start_date).not.toBeNull();
    expect(await db.job(job.job_id)).toMatchObject({ trigger: 'interval', interval_seconds: 60, minute: '*' });
    const back = await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send({ trigger: 'cron', hour: '3' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ trigger: 'cron', interval_seconds: null, hour: '3' });
    const modified = await rest.jobLogs(alice, job.job_id, 'modified');
    expect(modified.some((log) => log.description.includes('trigger: "cron" → "interval"'))).toBe(true);
  });

  describe('validation: 400 naming the field, nothing saved', () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['an unknown trigger', 'trigger', { trigger: 'weekly' }],
      ['interval below 1 s', 'interval_seconds', { trigger: 'interval', interval_seconds: 0 }],
      ['interval above a year', 'interval_seconds', { trigger: 'interval', interval_seconds: 31_536_001 }],
      ['interval not an integer', 'interval_seconds', { trigger: 'interval', interval_seconds: 1.5 }],
      ['interval without interval_seconds', 'interval_seconds', { trigger: 'interval' }],
      ['date without run_date', 'run_date', { trigger: 'date' }],
      ['run_date in the past', 'run_date', { trigger: 'date', run_date: past }],
      ['run_date not a date', 'run_date', { trigger: 'date', run_date: 'tomorrow' }],
      ['end_date equal to start_date', 'end_date', { start_date: future, end_date: future }],
      [
        'end_date before start_date',
        'end_date',
        { trigger: 'interval', interval_seconds: 5, start_date: later, end_date: future },
      ],
      [
        'end_date before an interval grid that starts now',
        'end_date',
        { trigger: 'interval', interval_seconds: 5, end_date: past },
      ],
      ['interval_seconds on a cron job', 'interval_seconds', { interval_seconds: 5 }],
      ['run_date on an interval job', 'run_date', { trigger: 'interval', interval_seconds: 5, run_date: future }],
      ['a cron field on an interval job', 'minute', { trigger: 'interval', interval_seconds: 5, minute: '*/5' }],
      ['a cron field on a date job', 'hour', { trigger: 'date', run_date: future, hour: '3' }],
      ['start_date on a date job', 'start_date', { trigger: 'date', run_date: future, start_date: future }],
      ['end_date on a date job', 'end_date', { trigger: 'date', run_date: future, end_date: later }],
      [
        'interval_seconds on a date job',
        'interval_seconds',
        { trigger: 'date', run_date: future, interval_seconds: 5 },
      ],
      ['start_date not a date', 'start_date', { start_date: 'soon' }],
      ['jitter below 0', 'jitter_seconds', { jitter_seconds: -1 }],
      ['jitter above an hour', 'jitter_seconds', { jitter_seconds: 3601 }],
    ];

    it.each(cases)('%s → 400 naming %s', async (_what, field, body) => {
      const before = await db.jobCount();
      const res = await rest
        .as(alice)
        .post('/api/v1/jobs')
        .send({ name: 'bad', job_class_string: 'SampleJob', pub_args: ['x'], ...body });
      expect(res.status).toBe(400);
      const messages = messagesOf(res.body as ErrorBody);
      expect(messages.some((message) => message.startsWith(`${field} `))).toBe(true);
      expect(await db.jobCount()).toBe(before);
    });

    it('a PUT giving a field of another trigger type → 400 naming it, the job unchanged', async () => {
      const job = await create({ name: 'an interval', trigger: 'interval', interval_seconds: 30, paused: true });
      for (const [body, field] of [
        [{ minute: '5' }, 'minute'],
        [{ run_date: future }, 'run_date'],
        [{ trigger: 'date' }, 'run_date'],
      ] as const) {
        const res = await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send(body);
        expect(res.status).toBe(400);
        expect(messagesOf(res.body as ErrorBody).some((message) => message.startsWith(`${field} `))).toBe(true);
      }
      expect(await db.job(job.job_id)).toMatchObject({ trigger: 'interval', interval_seconds: 30, minute: '*' });
    });

    it('an exported interval job (default cron fields, null run_date) imports again', async () => {
      const exported = await rest.as(alice).get('/api/v1/jobs/export').query({ q: 'an interval' });
      const jobs = (exported.body as { jobs: Array<Record<string, unknown>> }).jobs;
      expect(jobs[0]).toMatchObject({ trigger: 'interval', interval_seconds: 30, minute: '*', run_date: null });
      const bob = await newUser(t, { roles: ['job_manager'] });
      const res = await rest.as(bob).post('/api/v1/jobs/import').send({ jobs });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: 1 });
    });
  });
});

describe('an interval job across a restart: coalesced per the misfire rules, then back on its grid', () => {
  let database: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('misses ~3 fires while down; one coalesced run stands for them; later fires stay on the grid', async () => {
    t = await createTestApp({ database, env: { SWEEP_INTERVAL_SECONDS: '1' } });
    const password = strongPassword();
    const username = uniqueName();
    await newUser(t, { roles: ['job_manager'], username, password });
    let rest = restClient(t);
    const alice = await login(t, username, password);
    const job = (await rest.createJob(alice, {
      name: 'survives restarts',
      job_class_string: 'SampleJob',
      pub_args: ['hi'],
      trigger: 'interval',
      interval_seconds: 2,
    })) as TriggerJobBody;
    const start = job.start_date!;
    let db = await Db.connect(t);
    await waitFor('a first fire', async () => (await scheduledFires(db, job.job_id)).length >= 1);
    await db.end();
    await t.close();
    t = undefined;
    const downAt = Date.now();

    await sleep(6_500);
    t = await createTestApp({ database, env: { SWEEP_INTERVAL_SECONDS: '1' } });
    rest = restClient(t);
    db = await Db.connect(t);
    const upAt = Date.now();
    try {
      const coalesced = await waitFor('the coalesced catch-up run', async () =>
        (await scheduledFires(db, job.job_id)).find((fire) => fire.description.startsWith('coalesced')),
      );
      // It stands for the fires missed while down and carries the latest of them, on the grid.
      const step = (ms(coalesced.scheduled_time) - ms(start)) / 2000;
      expect(Number.isInteger(step)).toBe(true);
      expect(ms(coalesced.scheduled_time)).toBeGreaterThan(downAt);
      expect(ms(coalesced.scheduled_time)).toBeLessThanOrEqual(upAt + 2_500);
      expect(coalesced.description).toMatch(/^coalesced: stands for [2-9] missed fires/);
      await sleep(4_500);
      const fires = await scheduledFires(db, job.job_id);
      const steps = stepsOf(fires, start, 2);
      for (const k of steps) expect(Number.isInteger(k) && k >= 1).toBe(true);
      expect(new Set(steps).size).toBe(steps.length);
      // After the catch-up, every grid point is fired: the steps after it are consecutive.
      const afterCatchUp = steps.filter((k) => k > step);
      expect(afterCatchUp.length).toBeGreaterThanOrEqual(2);
      expect(afterCatchUp).toEqual(afterCatchUp.map((_, i) => step + 1 + i));
      const body = (await rest.as(await login(t, username, password)).get(`/api/v1/jobs/${job.job_id}`))
        .body as TriggerJobBody;
      expect((ms(body.next_run_time!) - ms(start)) % 2000).toBe(0);
      expect(body.start_date).toBe(start);
    } finally {
      await db.end();
    }
  });
});

describe('three instances on one PostgreSQL: an interval job fires each grid point exactly once', () => {
  let database: TestDatabase;
  let workDir: string;
  const apps: AppProcess[] = [];
  const ADMIN_PASSWORD = 'triggers-Secret-for-root-42';

  beforeAll(async () => {
    database = await createTestDatabase();
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-triggers-'));
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
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const env = { ...shared, PORT: String(port), DATA_DIR: path.join(workDir, `data-${i}`) };
      apps.push(new AppProcess(env, workDir, `http://127.0.0.1:${port}`, ADMIN_PASSWORD));
    }
    await apps[0].start();
    await Promise.all([apps[1].start(), apps[2].start()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await database?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('every 2 s for 10 s: each point once, no gaps, whichever instance claims it', async () => {
    const created = await apps[1].api<TriggerJobBody>('POST', '/api/v1/jobs', {
      name: 'replicated interval',
      job_class_string: 'SampleJob',
      pub_args: ['hi'],
      trigger: 'interval',
      interval_seconds: 2,
    });
    expect(created.status).toBe(201);
    const job = created.body;
    await sleep(ms(job.start_date!) + 11_500 - Date.now());
    const rows = await (async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (
          await client.query<ExecutionRow & { instance_id: string }>(
            `SELECT * FROM executions WHERE job_id = $1 ORDER BY scheduled_time`,
            [job.job_id],
          )
        ).rows;
      } finally {
        await client.end();
      }
    })();
    const steps = stepsOf(rows, job.start_date!, 2);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    for (const row of rows) expect(row.state).toBe('succeeded');
  });
});
