// The scheduler switch (issue 15, item 4): GET /api/v1/scheduler and POST .../pause|resume, on the real
// app and database; then three real instances on one PostgreSQL, and SCHEDULER_START_PAUSED.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Actor, loginAdmin, newUser } from './support/actors.js';
import { AppProcess, until } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { type AuditLogBody, Db, ISO_UTC, restClient, sleep, UUID, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

interface SwitchBody {
  paused: boolean;
  paused_by: { id: string | null; username: string } | null;
  paused_time: string | null;
  start_paused_instances: string[];
}

interface HealthBody {
  scheduler: string;
  scheduler_paused: boolean;
  scheduler_pause_reason: string | null;
  instance: { id: string };
}

interface ExecRow {
  job_id: string;
  state: string;
  trigger: string;
  scheduled_time: Date;
  started_time: Date | null;
  description: string;
  instance_id: string | null;
}

const RUNNING: SwitchBody = { paused: false, paused_by: null, paused_time: null, start_paused_instances: [] };
const everySecond = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  job_class_string: 'SampleJob',
  pub_args: [name],
  second: '*/1',
  minute: '*',
  hour: '*',
  ...extra,
});

describe('the scheduler switch (one instance, real database)', () => {
  let t: TestApp;
  let db: Db;
  let admin: Actor;
  let viewer: Actor;
  let manager: Actor;
  let rest: ReturnType<typeof restClient>;

  const executionsOf = (jobIds: string[]): Promise<ExecRow[]> =>
    db.rows<ExecRow>(
      `SELECT job_id, state, trigger, scheduled_time, started_time, description, instance_id
         FROM executions WHERE job_id = ANY($1) ORDER BY scheduled_time, job_id`,
      [jobIds],
    );
  const schedulerLogs = async (actor: Actor): Promise<AuditLogBody[]> => {
    const res = await rest.as(actor).get('/api/v1/logs').query({ limit: 1000 });
    expect(res.status).toBe(200);
    return (res.body as { logs: AuditLogBody[] }).logs.filter((log) => log.event.startsWith('scheduler_'));
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { SWEEP_INTERVAL_SECONDS: '1' } });
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    viewer = await newUser(t, { roles: ['viewer'] });
    manager = await newUser(t, { roles: ['job_manager'] });
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('GET answers every signed-in user (401 without a token); pause and resume are for admins (403 for others)', async () => {
    expect((await t.http().get('/api/v1/scheduler')).status).toBe(401);
    for (const actor of [viewer, manager, admin]) {
      const res = await rest.as(actor).get('/api/v1/scheduler');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(RUNNING);
    }
    for (const action of ['pause', 'resume']) {
      expect((await t.http().post(`/api/v1/scheduler/${action}`)).status).toBe(401);
      for (const actor of [viewer, manager]) {
        const res = await rest.as(actor).post(`/api/v1/scheduler/${action}`);
        expect(res.status).toBe(403);
      }
    }
    const [row] = await db.rows<{ paused: boolean }>('SELECT paused FROM scheduler_state');
    expect(row.paused).toBe(false);
    expect(await schedulerLogs(admin)).toEqual([]);
  });

  it('pause: 200 with who and when, stored, audited once (admins only see it); a second pause changes nothing', async () => {
    const res = await rest.as(admin).post('/api/v1/scheduler/pause');
    expect(res.status).toBe(200);
    const body = res.body as SwitchBody;
    expect(body).toEqual({
      paused: true,
      paused_by: { id: admin.id, username: 'admin' },
      paused_time: expect.stringMatching(ISO_UTC) as string,
      start_paused_instances: [],
    });
    const [row] = await db.rows<{ paused: boolean; paused_by_id: string; paused_time: Date }>(
      'SELECT paused, paused_by_id, paused_time FROM scheduler_state',
    );
    expect(row).toEqual({ paused: true, paused_by_id: admin.id, paused_time: new Date(body.paused_time!) });

    const again = await rest.as(admin).post('/api/v1/scheduler/pause');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
    for (const actor of [viewer, manager]) expect((await rest.as(actor).get('/api/v1/scheduler')).body).toEqual(body);

    const logs = await schedulerLogs(admin);
    expect(logs).toEqual([
      expect.objectContaining({ event: 'scheduler_paused', user: 'admin', user_id: admin.id, job_id: null }),
    ]);
    expect(await db.count(`SELECT count(*) AS count FROM audit_logs WHERE event = 'scheduler_paused'`)).toBe(1);
    expect(await schedulerLogs(viewer)).toEqual([]);
    expect(await schedulerLogs(manager)).toEqual([]);
  });

  it('/health and /metrics show it; run now answers 409 "the scheduler is paused" and records nothing', async () => {
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', scheduler: 'running', scheduler_paused: true });
    expect((health.body as HealthBody).scheduler_pause_reason).toBe('switch');
    const metrics = await rest.as(admin).get('/metrics');
    expect(metrics.text).toMatch(/^cronwarden_scheduler_paused 1$/m);

    const job = await rest.createJob(manager, everySecond('run-now while paused', { paused: true }));
    const res = await rest.as(manager).post(`/api/v1/executions/${job.job_id}`);
    expect(res.status).toBe(409);
    expect((res.body as { message: string }).message).toMatch(/the scheduler is paused/i);
    expect(await db.count('SELECT count(*) AS count FROM executions WHERE job_id = $1', [job.job_id])).toBe(0);
    // 404 still comes before the 409
    const missing = await rest.as(manager).post('/api/v1/executions/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });

  it('while paused nothing fires and next_run_time stays; resume: 200, audited, fires go on', async () => {
    const job = await rest.createJob(manager, everySecond('created while paused'));
    const first = new Date(job.next_run_time!);
    await sleep(2_500);
    expect(await executionsOf([job.job_id])).toEqual([]);
    expect((await db.job(job.job_id))?.next_run_time).toEqual(first);

    const res = await rest.as(admin).post('/api/v1/scheduler/resume');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RUNNING);
    const again = await rest.as(admin).post('/api/v1/scheduler/resume');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(RUNNING);
    expect((await schedulerLogs(admin)).map((log) => log.event)).toEqual(['scheduler_resumed', 'scheduler_paused']);
    const health = await t.http().get('/health');
    expect(health.body).toMatchObject({ scheduler_paused: false, scheduler_pause_reason: null });
    expect((await rest.as(admin).get('/metrics')).text).toMatch(/^cronwarden_scheduler_paused 0$/m);

    const rows = await waitFor('a fire after the resume', async () => {
      const found = await executionsOf([job.job_id]);
      return found.some((row) => row.trigger === 'cron' && row.state !== 'missed') ? found : undefined;
    });
    // the missed fires (coalesce: true, the default) became one catch-up run
    expect(rows[0].description).toMatch(/^coalesced: stands for \d+ missed fires/);
    await rest.as(manager).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it('on resume the fires missed while paused follow each job’s misfire rules', async () => {
    const coalesced = await rest.createJob(manager, everySecond('coalesce', { coalesce: true }));
    const each = await rest.createJob(manager, everySecond('each', { coalesce: false, max_instances: 10 }));
    const graceOne = await rest.createJob(
      manager,
      everySecond('grace 1', { coalesce: false, misfire_grace_seconds: 1 }),
    );
    const ids = [coalesced.job_id, each.job_id, graceOne.job_id];
    await waitFor('the jobs to fire', async () => (await executionsOf(ids)).length >= 3);

    const pause = await rest.as(admin).post('/api/v1/scheduler/pause').expect(200);
    const pausedAt = Date.now();
    const pausedTime = new Date((pause.body as SwitchBody).paused_time!).getTime();
    await sleep(4_000);
    const resumeSent = Date.now();
    await rest.as(admin).post('/api/v1/scheduler/resume').expect(200);
    await sleep(1_500);

    const rows = await executionsOf(ids);
    // none started while paused (a claim already sent when the pause committed may land just after it)
    const startedWhilePaused = rows.filter(
      (row) =>
        row.started_time && row.started_time.getTime() > pausedAt + 200 && row.started_time.getTime() < resumeSent,
    );
    expect(startedWhilePaused).toEqual([]);
    // the whole seconds nobody could claim: after the pause took hold, up to the resume
    const from = Math.ceil((pausedTime + 500) / 1000) * 1000;
    const until = Math.floor((resumeSent - 100) / 1000) * 1000;
    expect(until - from).toBeGreaterThanOrEqual(2_000);
    const inWindow = (jobId: string) =>
      rows.filter(
        (row) => row.job_id === jobId && row.scheduled_time.getTime() >= from && row.scheduled_time.getTime() <= until,
      );

    // coalesce: one run standing for all of them, started after the resume
    const merged = rows.filter((row) => row.job_id === coalesced.job_id && row.description.startsWith('coalesced'));
    expect(merged).toHaveLength(1);
    expect(merged[0].state).not.toBe('missed');
    expect(merged[0].started_time!.getTime()).toBeGreaterThanOrEqual(resumeSent);
    expect(merged[0].description).toMatch(/stands for [3-9] missed fires/);
    expect(inWindow(coalesced.job_id).filter((row) => row.description.startsWith('late'))).toEqual([]);

    // no coalescing, all within the grace: each missed second runs once, late, after the resume (max_instances
    // allowing; past it they are recorded skipped)
    const eachRows = inWindow(each.job_id);
    expect(eachRows.map((row) => row.scheduled_time.getTime())).toEqual(
      Array.from({ length: (until - from) / 1000 + 1 }, (_, i) => from + i * 1000),
    );
    for (const row of eachRows) {
      expect(row.state).not.toBe('missed');
      expect(row.description).toBe('late: run by the catch-up after a delay');
      expect(row.started_time!.getTime()).toBeGreaterThanOrEqual(resumeSent);
    }

    // beyond a grace of 1 s: recorded missed, never run; the last second within the grace runs
    const graceRows = inWindow(graceOne.job_id);
    expect(graceRows).toHaveLength((until - from) / 1000 + 1);
    const old = graceRows.filter((row) => row.scheduled_time.getTime() < resumeSent - 1_200);
    expect(old.length).toBeGreaterThanOrEqual(2);
    for (const row of old) {
      expect(row.state).toBe('missed');
      expect(row.started_time).toBeNull();
      expect(row.description).toBe('missed: more than 1 s late');
    }
    // and every job is back on its schedule: a regular fire after the resume
    await waitFor('regular fires after the resume', async () => {
      const after = (await executionsOf(ids)).filter(
        (row) => row.scheduled_time.getTime() > resumeSent + 1_000 && row.description === '',
      );
      return new Set(after.map((row) => row.job_id)).size === 3;
    });
    for (const id of ids) await rest.as(manager).post(`/api/v1/jobs/${id}/pause`).expect(200);
  }, 30_000);
});

describe('the scheduler switch across three instances, and SCHEDULER_START_PAUSED (real processes)', () => {
  const ADMIN_PASSWORD = 'switch-Secret-for-root-42';
  /** How soon a pause or resume through one instance must be in force on every instance. */
  const SYNC_MS = 2_000;
  let database: TestDatabase;
  let client: pg.Client;
  let workDir: string;
  const apps: AppProcess[] = [];
  const ids: string[] = [];
  const jobIds: string[] = [];

  const health = async (app: AppProcess): Promise<HealthBody> => (await app.health<HealthBody>()).body;
  const cronRows = async (): Promise<ExecRow[]> =>
    (
      await client.query<ExecRow>(
        `SELECT job_id, state, trigger, scheduled_time, started_time, description, instance_id
           FROM executions WHERE trigger = 'cron' ORDER BY started_time`,
      )
    ).rows;
  /** Ms until every instance's /health says `paused` (or throws after 5 s). */
  async function allReport(paused: boolean, since: number, only = apps): Promise<number> {
    const took = await Promise.all(
      only.map(async (app) => {
        while ((await health(app)).scheduler_paused !== paused) {
          if (Date.now() - since > 5_000) throw new Error(`timed out waiting for scheduler_paused ${paused}`);
          await sleep(50);
        }
        return Date.now() - since;
      }),
    );
    return Math.max(...took);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-switch-'));
    const shared = {
      DATABASE_URL: database.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_PASSWORD,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      HEARTBEAT_SECONDS: '1',
      INSTANCE_STALE_SECONDS: '3',
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
    for (const app of apps) ids.push((await health(app)).instance.id);
    for (let i = 0; i < 6; i += 1) {
      const res = await apps[i % 3].api<{ job_id: string }>('POST', '/api/v1/jobs', everySecond(`replicated ${i}`));
      expect(res.status).toBe(201);
      jobIds.push(res.body.job_id);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await client?.end();
    await database?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('a pause through one instance stops the fires on all three within 2 s; none start while paused', async () => {
    await until('fires on the three instances', async () => {
      const rows = await cronRows();
      return new Set(rows.map((row) => row.instance_id)).size === 3 ? true : undefined;
    });
    const res = await apps[1].api<SwitchBody>('POST', '/api/v1/scheduler/pause');
    expect(res.status).toBe(200);
    // the switch is stored when the request answers: from there every instance has SYNC_MS to obey it
    const answered = Date.now();
    const took = await allReport(true, answered);
    expect(took).toBeLessThan(SYNC_MS);
    for (const app of apps) {
      const state = await app.api<SwitchBody>('GET', '/api/v1/scheduler');
      expect(state.body).toMatchObject({ paused: true, paused_by: { username: 'admin' } });
    }
    await sleep(3_000);
    const late = (await cronRows()).filter(
      (row) => row.started_time && row.started_time.getTime() > answered + SYNC_MS,
    );
    expect(late).toEqual([]);
    const runNow = await apps[2].api<{ message: string }>('POST', `/api/v1/executions/${jobIds[0]}`);
    expect(runNow.status).toBe(409);
    expect(runNow.body.message).toMatch(/the scheduler is paused/i);
  }, 30_000);

  it('a resume through another instance restarts them on all three, the missed fires coalesced once each', async () => {
    const sent = Date.now();
    const res = await apps[2].api<SwitchBody>('POST', '/api/v1/scheduler/resume');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RUNNING);
    expect(await allReport(false, Date.now())).toBeLessThan(SYNC_MS);
    await until('fires after the resume', async () => {
      const rows = (await cronRows()).filter((row) => row.started_time && row.started_time.getTime() > sent);
      return new Set(rows.map((row) => row.job_id)).size === jobIds.length ? true : undefined;
    });
    await sleep(1_000);
    const { rows } = await client.query<{ job_id: string; count: string }>(
      `SELECT job_id, count(*) FROM executions WHERE description LIKE 'coalesced%' GROUP BY job_id`,
    );
    expect(rows.map((row) => row.job_id).sort()).toEqual([...jobIds].sort());
    expect(rows.every((row) => row.count === '1')).toBe(true);
    const { rows: audits } = await client.query<{ event: string }>(
      `SELECT event FROM audit_logs WHERE event LIKE 'scheduler_%' ORDER BY created_time`,
    );
    expect(audits.map((row) => row.event)).toEqual(['scheduler_paused', 'scheduler_resumed']);
  }, 30_000);

  it('SCHEDULER_START_PAUSED: that instance fires nothing, though the switch says running, until an admin resumes', async () => {
    await apps[2].kill();
    await apps[2].start({ SCHEDULER_START_PAUSED: 'true' });
    const held = await health(apps[2]);
    expect(held).toMatchObject({ scheduler_paused: true, scheduler_pause_reason: 'start_paused' });
    const state = await apps[0].api<SwitchBody>('GET', '/api/v1/scheduler');
    expect(state.body).toEqual({ ...RUNNING, start_paused_instances: [held.instance.id] });
    expect((await health(apps[0])).scheduler_paused).toBe(false);
    const refused = await apps[2].api<{ message: string }>('POST', `/api/v1/executions/${jobIds[0]}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/scheduler is paused on this instance \(SCHEDULER_START_PAUSED\)/);

    const since = Date.now();
    await sleep(3_000);
    const rows = (await cronRows()).filter((row) => row.started_time && row.started_time.getTime() > since);
    expect(rows.length).toBeGreaterThanOrEqual(jobIds.length * 2);
    expect(rows.filter((row) => row.instance_id === held.instance.id)).toEqual([]);

    const sent = Date.now();
    const res = await apps[0].api<SwitchBody>('POST', '/api/v1/scheduler/resume');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RUNNING);
    expect(await allReport(false, Date.now(), [apps[2]])).toBeLessThan(SYNC_MS);
    const { rows: audits } = await client.query<{ description: string }>(
      `SELECT description FROM audit_logs WHERE event = 'scheduler_resumed' ORDER BY created_time DESC LIMIT 1`,
    );
    expect(audits[0].description).toMatch(/released 1 instances started paused/);
    await until(
      'the released instance to win fires',
      async () => {
        const won = (await cronRows()).filter(
          (row) => row.instance_id === held.instance.id && row.started_time && row.started_time.getTime() > sent,
        );
        return won.length > 0 ? true : undefined;
      },
      15_000,
    );
    // a resume of a running scheduler with nobody held changes nothing
    const again = await apps[1].api<SwitchBody>('POST', '/api/v1/scheduler/resume');
    expect(again.body).toEqual(RUNNING);
    const { rows: count } = await client.query<{ count: string }>(
      `SELECT count(*) FROM audit_logs WHERE event = 'scheduler_resumed'`,
    );
    expect(count[0].count).toBe('2');
    expect(ids).toHaveLength(3);
    expect(held.instance.id).toMatch(UUID);
  }, 60_000);
});
