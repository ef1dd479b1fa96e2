import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { AppProcess, until } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ADMIN_PASSWORD = 'replicas-Secret-for-root-42';
const JOBS = 50;
const WINDOW_S = 30;
/** How soon a change made through one instance must be in force on every instance. */
const SYNC_MS = 2_000;
/**
 * How soon all of 50 jobs just created through three instances are registered on every instance. Two of
 * three full runs on 7 Dec 2026 took 4.0 and 4.5 s here (never alone, where it is well under 2 s): an
 * open question, recorded in the issue notes, not settled by this margin.
 */
const BULK_SYNC_MS = 5_000;

interface Health {
  registered_jobs: number;
  instance: { id: string };
  dispatch: { fires: number; claimed: number; lost_to_others: number };
  instances_alive: number | null;
  job_sync: string;
}

interface FireRow {
  job_id: string;
  second: string;
  count: string;
  states: string[];
  instances: string[];
}

describe('three instances on one PostgreSQL (real processes)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let workDir: string;
  const apps: AppProcess[] = [];
  const instanceIds: string[] = [];
  const jobIds: string[] = [];
  /** Jobs that no longer fire every second (paused, or rescheduled). */
  const notEverySecond = new Set<string>();

  const health = async (app: AppProcess): Promise<Health> => (await app.health<Health>()).body;

  /** Per job and whole second of [from, to): how many cron executions, their states and instances. */
  async function firesBetween(from: number, to: number, ids: string[]): Promise<Map<string, Map<number, FireRow>>> {
    const { rows } = await client.query<FireRow>(
      `SELECT job_id, extract(epoch FROM scheduled_time)::bigint AS second, count(*) AS count,
              array_agg(state) AS states, array_agg(instance_id) AS instances
         FROM executions
        WHERE trigger = 'cron' AND job_id = ANY($1) AND scheduled_time >= $2 AND scheduled_time < $3
        GROUP BY 1, 2`,
      [ids, new Date(from * 1000), new Date(to * 1000)],
    );
    const byJob = new Map<string, Map<number, FireRow>>(ids.map((id) => [id, new Map()]));
    for (const row of rows) byJob.get(row.job_id)?.set(Number(row.second), row);
    return byJob;
  }

  /** Seconds of [from, to) a job has no execution for. */
  const missingSeconds = (fires: Map<number, FireRow>, from: number, to: number): number[] =>
    Array.from({ length: to - from }, (_, i) => from + i).filter((second) => !fires.has(second));

  /** Waits until every running instance reports `expected` registered jobs; returns how long it took. */
  async function allRegister(expected: number, since: number): Promise<number> {
    await until(
      `every instance to register ${expected} jobs`,
      async () => {
        const counts = await Promise.all(apps.filter((app) => app.running).map(health));
        return counts.every((body) => body.registered_jobs === expected) ? true : undefined;
      },
      10_000,
    );
    return Date.now() - since;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-replicas-'));
    const shared = {
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_PASSWORD,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      HEARTBEAT_SECONDS: '1',
      INSTANCE_STALE_SECONDS: '3',
      RECONCILE_SECONDS: '5',
      SWEEP_INTERVAL_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '1',
    };
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const env = { ...shared, PORT: String(port), DATA_DIR: path.join(workDir, `data-${i}`) };
      apps.push(new AppProcess(env, workDir, `http://127.0.0.1:${port}`, ADMIN_PASSWORD));
    }
    // The first one creates the admin; the other two start together.
    await apps[0].start();
    await Promise.all([apps[1].start(), apps[2].start()]);
    for (const app of apps) instanceIds.push((await health(app)).instance.id);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await client?.end();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('lists the three instances, alive, on every instance', async () => {
    for (const app of apps) {
      const res = await app.api<{ instances: Array<{ instance_id: string; status: string; current: boolean }> }>(
        'GET',
        '/api/v1/instances',
      );
      expect(res.status).toBe(200);
      const alive = res.body.instances.filter((row) => row.status === 'alive').map((row) => row.instance_id);
      expect(alive.sort()).toEqual([...instanceIds].sort());
      expect(res.body.instances.filter((row) => row.current).map((row) => row.instance_id)).toEqual([
        instanceIds[apps.indexOf(app)],
      ]);
      expect((await health(app)).instances_alive).toBe(3);
    }
  });

  it(`${JOBS} jobs firing every second for ${WINDOW_S} s: every fire exactly once, none missing, work shared`, async () => {
    for (let i = 0; i < JOBS; i += 1) {
      const res = await apps[i % 3].api<{ job_id: string }>('POST', '/api/v1/jobs', {
        name: `replicated ${i}`,
        job_class_string: 'SampleJob',
        pub_args: [`job ${i}`],
        second: '*',
      });
      expect(res.status).toBe(201);
      jobIds.push(res.body.job_id);
    }
    // Created through any instance, registered on all of them at once (LISTEN/NOTIFY).
    expect(await allRegister(JOBS, Date.now())).toBeLessThan(BULK_SYNC_MS);

    const from = Math.ceil(Date.now() / 1000) + 1;
    const to = from + WINDOW_S;
    await sleep(to * 1000 - Date.now() + 1_500);

    const fires = await firesBetween(from, to, jobIds);
    const duplicates: string[] = [];
    const gaps: string[] = [];
    const instancesUsed = new Set<string>();
    const states = new Set<string>();
    for (const [jobId, seconds] of fires) {
      for (const [second, row] of seconds) {
        if (Number(row.count) !== 1) duplicates.push(`${jobId}@${second}×${row.count}`);
        row.instances.forEach((id) => instancesUsed.add(id));
        row.states.forEach((state) => states.add(state));
      }
      // One missing fire is tolerated at each edge of the window, none inside it.
      const missing = missingSeconds(seconds, from, to).filter((second) => second !== from && second !== to - 1);
      if (missing.length > 0) gaps.push(`${jobId}: ${missing.join(',')}`);
    }
    expect({ duplicates, gaps }).toEqual({ duplicates: [], gaps: [] });
    expect([...states].filter((state) => state !== 'succeeded' && state !== 'running')).toEqual([]);
    // Every instance proposes every fire; the claims are spread over the instances.
    expect(instancesUsed.size).toBeGreaterThanOrEqual(2);
    expect([...instancesUsed].every((id) => instanceIds.includes(id))).toBe(true);
    const stats = await Promise.all(apps.map(health));
    const claimed = stats.reduce((sum, body) => sum + body.dispatch.claimed, 0);
    const lost = stats.reduce((sum, body) => sum + body.dispatch.lost_to_others, 0);
    const fired = stats.reduce((sum, body) => sum + body.dispatch.fires, 0);
    expect(lost).toBeGreaterThan(0);
    expect(claimed + lost).toBe(fired);
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM executions WHERE job_id = ANY($1) AND trigger = 'cron'`,
      [jobIds],
    );
    // Nobody died: no instance claims to have recovered anything.
    for (const app of apps)
      expect(app.process.messages().filter((line) => line.includes('dead instances'))).toEqual([]);
    // The claims the dispatchers won are the rows (the sweeper may have claimed a few more).
    expect(Number(rows[0].count)).toBeGreaterThanOrEqual(claimed);
    expect(Number(rows[0].count) - claimed).toBeLessThanOrEqual(JOBS);
  }, 90_000);

  it('a pause through instance 2 stops the fires on every instance within 2 s, a resume restarts them', async () => {
    const jobId = jobIds[0];
    const res = await apps[1].api<{ job: { paused?: boolean } }>('POST', `/api/v1/jobs/${jobId}/pause`);
    expect(res.status).toBe(200);
    const pausedAt = Date.now();
    notEverySecond.add(jobId);
    expect(await allRegister(JOBS - 1, pausedAt)).toBeLessThan(SYNC_MS);
    await sleep(SYNC_MS + 1_000);
    const after = await firesBetween(Math.floor(pausedAt / 1000) + 1, Math.ceil(Date.now() / 1000) + 1, [jobId]);
    expect([...(after.get(jobId)?.keys() ?? [])]).toEqual([]);
    // The other jobs went on meanwhile.
    const others = await firesBetween(Math.floor(pausedAt / 1000) + 1, Math.floor(Date.now() / 1000), [jobIds[1]]);
    expect(others.get(jobIds[1])?.size).toBeGreaterThanOrEqual(2);

    const resumed = await apps[2].api('POST', `/api/v1/jobs/${jobId}/resume`);
    expect(resumed.status).toBe(200);
    const resumedAt = Date.now();
    notEverySecond.delete(jobId);
    expect(await allRegister(JOBS, resumedAt)).toBeLessThan(SYNC_MS);
    await until('a fire after the resume', async () => {
      const fires = await firesBetween(Math.floor(resumedAt / 1000), Math.ceil(Date.now() / 1000) + 1, [jobId]);
      return (fires.get(jobId)?.size ?? 0) > 0 ? true : undefined;
    });
  });

  it('a delete through instance 3 unregisters the job on every instance within 2 s', async () => {
    const jobId = jobIds[1];
    const res = await apps[2].api('DELETE', `/api/v1/jobs/${jobId}`);
    expect(res.status).toBe(200);
    const deletedAt = Date.now();
    jobIds.splice(1, 1);
    expect(await allRegister(JOBS - 1, deletedAt)).toBeLessThan(SYNC_MS);
    await sleep(SYNC_MS);
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM executions WHERE job_id = $1 AND scheduled_time > $2`,
      [jobId, new Date(deletedAt)],
    );
    expect(Number(rows[0].count)).toBe(0);
  });

  it('a modify through instance 1 reschedules the job on every instance', async () => {
    const jobId = jobIds[2];
    const res = await apps[0].api('PUT', `/api/v1/jobs/${jobId}`, { second: '*/3' });
    expect(res.status).toBe(200);
    notEverySecond.add(jobId);
    const modifiedAt = Date.now();
    await sleep(SYNC_MS + 6_000);
    const fires = await firesBetween(Math.floor(modifiedAt / 1000) + 2, Math.floor(Date.now() / 1000), [jobId]);
    const seconds = [...(fires.get(jobId)?.keys() ?? [])].sort();
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    expect(seconds.filter((second) => second % 3 !== 0)).toEqual([]);
  });

  it("disabling a job's owner through instance 2 stops its fires on every instance; enabling it through instance 3 restarts them", async () => {
    const user = await apps[0].api<{ id: string }>('POST', '/api/v1/users', {
      username: 'owner-of-one',
      password: 'owner-Secret-for-one-42',
      roles: ['job_manager'],
    });
    expect(user.status).toBe(201);
    const created = await apps[0].api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'owned by a user',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      second: '*',
      owner_id: user.body.id,
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id;
    const firesSince = async (since: number): Promise<Array<{ state: string; description: string }>> =>
      (
        await client.query<{ state: string; description: string }>(
          'SELECT state, description FROM executions WHERE job_id = $1 AND scheduled_time > $2',
          [jobId, new Date(since)],
        )
      ).rows;
    const everyInstanceShows = (reason: string | null) =>
      until(
        `every instance to show suspended_reason ${reason}`,
        async () => {
          const answers = await Promise.all(
            apps.map((app) => app.api<{ suspended_reason: string | null }>('GET', `/api/v1/jobs/${jobId}`)),
          );
          return answers.every((res) => res.body.suspended_reason === reason) ? true : undefined;
        },
        SYNC_MS,
      );
    await until('two fires', async () => ((await firesSince(0)).length >= 2 ? true : undefined), 5_000);

    expect((await apps[1].api('PATCH', `/api/v1/users/${user.body.id}`, { is_active: false })).status).toBe(200);
    const disabledAt = Date.now();
    await everyInstanceShows('the owner owner-of-one is disabled');
    await sleep(3_000);
    const meanwhile = await firesSince(disabledAt);
    expect(meanwhile.filter((row) => row.state !== 'skipped')).toEqual([]);
    expect(meanwhile.length).toBeLessThanOrEqual(1);

    expect((await apps[2].api('PATCH', `/api/v1/users/${user.body.id}`, { is_active: true })).status).toBe(200);
    const enabledAt = Date.now();
    await everyInstanceShows(null);
    await until(
      'a fire after the owner is enabled',
      async () => ((await firesSince(enabledAt)).some((row) => row.state === 'succeeded') ? true : undefined),
      5_000,
    );
    expect((await apps[0].api('DELETE', `/api/v1/jobs/${jobId}`)).status).toBe(200);
  });

  it('a stop through instance 2 kills the work of an execution running on instance 1', async () => {
    const job = await apps[0].api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'long run',
      job_class_string: 'SampleJob',
      pub_args: ['long', 60],
      paused: true,
    });
    expect(job.status).toBe(201);
    const run = await apps[0].api<{ execution_id: string }>('POST', `/api/v1/executions/${job.body.job_id}`);
    expect(run.status).toBe(201);
    const id = run.body.execution_id;
    const stopped = await apps[1].api<{ state: string }>('POST', `/api/v1/executions/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    // Instance 1 heard it and aborted the class: its metrics count a stopped SampleJob.
    await until(
      'instance 1 to stop the work',
      async () => {
        const res = await fetch(`${apps[0].url}/metrics`, { headers: { authorization: `Bearer ${apps[0].token}` } });
        const text = await res.text();
        return /cronwarden_executions_total\{state="stopped",job_class="SampleJob"\} 1/.test(text) ? true : undefined;
      },
      SYNC_MS + 1_000,
    );
    const { rows } = await client.query<{ state: string; instance_id: string; description: string }>(
      'SELECT state, instance_id, description FROM executions WHERE id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({ state: 'stopped', instance_id: instanceIds[0] });
    await apps[0].api('DELETE', `/api/v1/jobs/${job.body.job_id}`);
  });

  it('kill -9 of instance 3 mid-run: its running execution ends failed (interrupted) via the others; the jobs keep firing', async () => {
    const job = await apps[2].api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'runs on the doomed instance',
      job_class_string: 'SampleJob',
      pub_args: ['long', 60],
      paused: true,
    });
    expect(job.status).toBe(201);
    const run = await apps[2].api<{ execution_id: string }>('POST', `/api/v1/executions/${job.body.job_id}`);
    expect(run.status).toBe(201);
    const id = run.body.execution_id;

    await apps[2].kill('SIGKILL');
    const killedAt = Date.now();
    const interrupted = await until(
      'the interrupted execution',
      async () => {
        const { rows } = await client.query<{ state: string; description: string; instance_id: string }>(
          'SELECT state, description, instance_id FROM executions WHERE id = $1',
          [id],
        );
        return rows[0].state === 'running' ? undefined : rows[0];
      },
      20_000,
    );
    expect(interrupted).toMatchObject({ state: 'failed', instance_id: instanceIds[2] });
    expect(interrupted.description).toMatch(/^interrupted: its instance .* stopped without finishing it/);

    const survivors = await apps[0].api<{ instances: Array<{ instance_id: string; status: string }> }>(
      'GET',
      '/api/v1/instances',
    );
    expect(survivors.body.instances.find((row) => row.instance_id === instanceIds[2])?.status).toBe('stale');

    // Every active job fired every second after the kill, on the two survivors only.
    await sleep(Math.max(0, killedAt + 5_000 - Date.now()));
    const from = Math.floor(killedAt / 1000) + 1;
    const to = Math.floor(Date.now() / 1000);
    expect(to - from).toBeGreaterThanOrEqual(2);
    const active = jobIds.filter((jobId) => !notEverySecond.has(jobId));
    const fires = await firesBetween(from, to, active);
    const gaps: string[] = [];
    const used = new Set<string>();
    for (const [jobId, seconds] of fires) {
      const missing = missingSeconds(seconds, from, to);
      if (missing.length > 0) gaps.push(`${jobId}: ${missing.join(',')}`);
      for (const row of seconds.values()) row.instances.forEach((instance) => used.add(instance));
    }
    expect(gaps).toEqual([]);
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((instance) => instance !== instanceIds[0] && instance !== instanceIds[1])).toEqual([]);
  }, 60_000);

  it('SIGTERM while jobs fire every second: the stopping instances leave no execution running', async () => {
    await Promise.all([apps[0].kill('SIGTERM'), apps[1].kill('SIGTERM')]);
    for (const app of apps.slice(0, 2)) expect(app.process.proc.exitCode).toBe(0);
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM executions WHERE state = 'running' AND instance_id = ANY($1)`,
      [instanceIds.slice(0, 2)],
    );
    expect(rows).toEqual([]);
  });
});
