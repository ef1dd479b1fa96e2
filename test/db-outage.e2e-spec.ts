import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { AppProcess, until } from './support/app-process.js';
import { freePort } from './support/ports.js';

const ADMIN_PASSWORD = 'outage-Secret-for-root-42';

interface Health {
  status: string;
  db: string;
  job_sync: string;
  instances_alive: number | null;
}

interface ExecutionRow {
  id: string;
  state: string;
  scheduled_time: Date;
  description: string;
}

/**
 * PostgreSQL stops and starts again under two running instances (a server of this test's own, so
 * the shared test server is not touched).
 */
describe('PostgreSQL going away and coming back (real processes)', () => {
  let workDir: string;
  let postgres: EmbeddedPostgres;
  let databaseUrl: string;
  const apps: AppProcess[] = [];

  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };

  const executions = (jobId: string): Promise<ExecutionRow[]> =>
    query<ExecutionRow>(
      'SELECT id, state, scheduled_time, description FROM executions WHERE job_id = $1 ORDER BY scheduled_time',
      [jobId],
    );

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-outage-'));
    await chmod(workDir, 0o755); // as root the server runs as `postgres`, which must reach this folder
    postgres = new EmbeddedPostgres({
      dataDir: path.join(workDir, 'pg'),
      port: await freePort(),
      database: 'cronwarden',
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
      logger: { info: () => undefined, warn: () => undefined },
    });
    databaseUrl = await postgres.start();
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const env = {
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATA_DIR: path.join(workDir, `data-${i}`),
        JWT_SECRET: 'outage-test-secret-outage-test-secret-0123',
        ADMIN_PASSWORD,
        BCRYPT_COST: '4',
        LOG_LEVEL: 'warn',
        HEARTBEAT_SECONDS: '1',
        INSTANCE_STALE_SECONDS: '3',
        SWEEP_INTERVAL_SECONDS: '1',
        RECONCILE_SECONDS: '5',
        SHUTDOWN_GRACE_SECONDS: '1',
      };
      apps.push(new AppProcess(env, workDir, `http://127.0.0.1:${port}`, ADMIN_PASSWORD));
      await apps[i].start();
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await postgres?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('no instance crashes, /health says 503 then 200, fires resume by the misfire rules, nothing twice', async () => {
    const created = await apps[0].api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'every second through the outage',
      job_class_string: 'SampleJob',
      pub_args: ['tick', 1.5],
      second: '*',
      coalesce: true,
      misfire_grace_seconds: 60,
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id;
    await until('three finished runs', async () =>
      (await executions(jobId)).filter((row) => row.state === 'succeeded').length >= 3 ? true : undefined,
    );

    await postgres.stop(); // a fast shutdown: it ends the sessions at once
    const downFrom = Date.now();
    for (const app of apps) {
      const down = await until('503 from /health', async () => {
        const res = await app.health<Health>();
        return res.status === 503 ? res.body : undefined;
      });
      expect(down).toMatchObject({ status: 'error', db: 'down' });
    }
    await sleep(4_000);
    expect(apps.every((app) => app.running)).toBe(true);
    // Signed-in requests get a 503 to retry (not a 401 that would send the client to log in again).
    const res = await fetch(`${apps[1].url}/api/v1/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${apps[1].token}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      statusCode: 503,
      message: 'The database is unavailable; try again shortly',
      error: 'Service Unavailable',
    });
    expect(apps[1].running).toBe(true);

    await postgres.start();
    const upAt = Date.now();
    for (const app of apps) {
      await until('200 from /health', async () => ((await app.health()).status === 200 ? true : undefined));
      // The LISTEN connection reconnected too (and reconciled).
      await until(
        'the job-change listener back',
        async () => ((await app.health<Health>()).body.job_sync === 'listening' ? true : undefined),
        15_000,
      );
    }
    expect(apps.every((app) => app.running)).toBe(true);

    // Fires go on after the outage.
    await until('a regular fire after the restart', async () =>
      (await executions(jobId)).some((row) => row.scheduled_time.getTime() > upAt + 1_000 && row.state !== 'running')
        ? true
        : undefined,
    );
    // A change made through one instance reaches the other again (its LISTEN connection is new).
    const paused = await apps[0].api('POST', `/api/v1/jobs/${jobId}/pause`);
    expect(paused.status).toBe(200);
    await until(
      'the pause on the other instance',
      async () => ((await apps[1].health<{ registered_jobs: number }>()).body.registered_jobs === 0 ? true : undefined),
      2_000,
    );
    await until('no execution running', async () =>
      (await executions(jobId)).every((row) => row.state !== 'running') ? true : undefined,
    );

    const rows = await executions(jobId);
    const seconds = rows.map((row) => row.scheduled_time.getTime());
    expect(new Set(seconds).size).toBe(seconds.length);
    // The outage's fires were not run one by one: at most one coalesced catch-up stands for them.
    const duringOutage = rows.filter(
      (row) => row.scheduled_time.getTime() > downFrom + 1_000 && row.scheduled_time.getTime() < upAt - 1_000,
    );
    expect(duringOutage.length).toBeLessThanOrEqual(1);
    if (duringOutage.length === 1)
      expect(duringOutage[0].description).toMatch(/coalesced: stands for \d+ missed fires/);
    expect(rows.filter((row) => row.description.startsWith('coalesced')).length).toBeGreaterThanOrEqual(1);
    // Runs in flight when the database left were recorded once it came back; none stays running.
    expect(rows.filter((row) => row.state === 'running')).toEqual([]);
    expect(apps.every((app) => app.running)).toBe(true);
  }, 120_000);
});
