import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './support/ports.js';
import { AppProcess, until } from './support/app-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ADMIN_PASSWORD = 'recovery-Secret-for-root-42';

interface ExecutionRow {
  id: string;
  state: string;
  scheduled_time: Date;
  description: string;
  trigger: string;
}

describe('crash recovery, misfires after a restart, graceful shutdown (real processes)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let workDir: string;
  let server: AppProcess;

  const executions = async (jobId: string): Promise<ExecutionRow[]> =>
    (
      await client.query<ExecutionRow>(
        'SELECT id, state, scheduled_time, description, trigger FROM executions WHERE job_id = $1 ORDER BY scheduled_time',
        [jobId],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-recovery-'));
    const port = await freePort();
    server = new AppProcess(
      {
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: path.join(workDir, 'data'),
        ADMIN_PASSWORD,
        BCRYPT_COST: '4',
        SWEEP_INTERVAL_SECONDS: '1',
      },
      workDir,
      `http://127.0.0.1:${port}`,
      ADMIN_PASSWORD,
    );
  });

  afterAll(async () => {
    if (server.process.proc.exitCode === null) {
      server.process.stop('SIGKILL');
      await server.process.waitForExit();
    }
    await client.end();
    await db.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('after a kill -9 during a run, the restarted server marks that execution failed (interrupted) and the job fires again', async () => {
    await server.start();
    const created = await server.api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'slow every second',
      job_class_string: 'SampleJob',
      pub_args: ['slow', 60],
      second: '*',
      max_instances: 1,
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id;
    const running = await until('a running execution', async () =>
      (await executions(jobId)).find((row) => row.state === 'running'),
    );

    server.process.stop('SIGKILL');
    await server.process.waitForExit();
    expect((await executions(jobId)).find((row) => row.id === running.id)?.state).toBe('running');

    const killedAt = Date.now();
    await server.start();
    const interrupted = await until('the interrupted execution', async () => {
      const row = (await executions(jobId)).find((item) => item.id === running.id);
      return row?.state === 'failed' ? row : undefined;
    });
    expect(interrupted.description).toMatch(/^interrupted: its instance .* stopped without finishing it/);
    const fresh = await until('a new run after the restart', async () =>
      (await executions(jobId)).find(
        (row) => row.id !== running.id && row.state === 'running' && row.scheduled_time.getTime() > killedAt - 2000,
      ),
    );
    expect(fresh.trigger).toBe('cron');
    await server.api('POST', `/api/v1/jobs/${jobId}/pause`);
    await server.api('POST', `/api/v1/executions/${fresh.id}/stop`);
  });

  it('after an outage, fires within the grace time run once (coalesced) and older ones are recorded as missed', async () => {
    const created = await server.api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'every second, grace 4 s',
      job_class_string: 'SampleJob',
      pub_args: ['tick'],
      second: '*',
      coalesce: true,
      misfire_grace_seconds: 4,
    });
    const jobId = created.body.job_id;
    await until('a first run', async () => (await executions(jobId)).find((row) => row.state === 'succeeded'));

    const stopping = Date.now();
    server.process.stop('SIGTERM');
    expect((await server.process.waitForExit()).code).toBe(0);
    const stoppedAt = Date.now();
    expect(stoppedAt - stopping).toBeLessThan(5_000);
    await sleep(10_000);

    await server.start();
    await sleep(3_000);

    // Fires scheduled while the server was down: the catch-up at start records them. Its one run has the
    // time of the latest missed fire, which may fall right at the restart.
    const sinceStop = (await executions(jobId)).filter((row) => row.scheduled_time.getTime() > stoppedAt + 1000);
    const runs = sinceStop.filter((row) => row.description.startsWith('coalesced'));
    const missed = sinceStop.filter((row) => row.state === 'missed');
    expect(runs).toHaveLength(1);
    expect(runs[0].state).toBe('succeeded');
    expect(runs[0].description).toMatch(/^coalesced: stands for \d+ missed fires/);
    expect(missed.length).toBeGreaterThanOrEqual(4);
    for (const row of missed) {
      expect(row.description).toBe('missed: more than 4 s late');
      expect(row.scheduled_time.getTime()).toBeLessThan(runs[0].scheduled_time.getTime());
    }
    // and the regular fires go on, every second, each runs (those not finished yet aside). On a loaded machine
    // one may come late enough for the sweeper's catch-up (then its description says so); none is missed.
    const after = await until('two finished fires after the catch-up', async () => {
      const rows = (await executions(jobId)).filter(
        (row) =>
          row.scheduled_time.getTime() > runs[0].scheduled_time.getTime() &&
          !['scheduled', 'running'].includes(row.state),
      );
      return rows.length >= 2 ? rows : undefined;
    });
    expect(after.filter((row) => row.state !== 'succeeded')).toEqual([]);
    expect(after.filter((row) => row.description !== '' && !/^(late|coalesced): /.test(row.description))).toEqual([]);
    expect(after.some((row) => row.description === '')).toBe(true);
    await server.api('DELETE', `/api/v1/jobs/${jobId}`);
  });

  it('a graceful stop waits for a short run to finish, and stops a long one past SHUTDOWN_GRACE_SECONDS', async () => {
    const short = await server.api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'short',
      job_class_string: 'SampleJob',
      pub_args: ['short', 2],
      paused: true,
    });
    expect(short).toMatchObject({ status: 201 });
    const run = await server.api<{ execution_id: string }>('POST', `/api/v1/executions/${short.body.job_id}`);
    expect(run.status).toBe(201);
    await sleep(300);
    server.process.stop('SIGTERM');
    expect((await server.process.waitForExit()).code).toBe(0);
    const [row] = (await client.query<ExecutionRow>('SELECT * FROM executions WHERE id = $1', [run.body.execution_id]))
      .rows;
    expect(row.state).toBe('succeeded');

    await server.start({ SHUTDOWN_GRACE_SECONDS: '1' });
    const long = await server.api<{ job_id: string }>('POST', '/api/v1/jobs', {
      name: 'long',
      job_class_string: 'SampleJob',
      pub_args: ['long', 60],
      paused: true,
    });
    const longRun = await server.api<{ execution_id: string }>('POST', `/api/v1/executions/${long.body.job_id}`);
    await sleep(300);
    const stopAsked = Date.now();
    server.process.stop('SIGTERM');
    expect((await server.process.waitForExit()).code).toBe(0);
    expect(Date.now() - stopAsked).toBeLessThan(10_000);
    const [longRow] = (
      await client.query<ExecutionRow>('SELECT * FROM executions WHERE id = $1', [longRun.body.execution_id])
    ).rows;
    expect(longRow).toMatchObject({
      state: 'stopped',
      description: 'Stopped: the server shut down before the run finished',
    });
    const instances = await client.query<{ stopped: number }>(
      'SELECT count(*)::int AS stopped FROM instances WHERE stopped_time IS NOT NULL',
    );
    expect(instances.rows[0].stopped).toBeGreaterThanOrEqual(3);
  });
});
