import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppProcess, until } from './support/app-process.js';
import { freePort } from './support/ports.js';
import { isRunning, postgresProcessesOf, postmasterPid } from './support/postgres-processes.js';

const ADMIN_PASSWORD = 'shutdown-Secret-for-root-42';
/** SHUTDOWN_GRACE_SECONDS when left unset. */
const DEFAULT_GRACE_MS = 10_000;

interface Execution {
  execution_id: string;
  state: string;
  description: string;
}

describe('SIGTERM while long runs go on (real process, embedded PostgreSQL, default SHUTDOWN_GRACE_SECONDS)', () => {
  let workDir: string;
  let dataDir: string;
  let server: AppProcess;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-shutdown-'));
    await chmod(workDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, which must reach DATA_DIR
    dataDir = path.join(workDir, 'data');
    const port = await freePort();
    server = new AppProcess(
      {
        PORT: String(port),
        EMBEDDED_PG_PORT: String(await freePort()),
        DATA_DIR: dataDir,
        ADMIN_PASSWORD,
        BCRYPT_COST: '4',
      },
      workDir,
      `http://127.0.0.1:${port}`,
      ADMIN_PASSWORD,
    );
  });

  afterAll(async () => {
    // SIGTERM: the server stops its PostgreSQL before it exits. After a SIGKILL that PostgreSQL stops
    // by itself a moment later, still writing into DATA_DIR while it was being removed (ENOTEMPTY).
    await server.kill('SIGTERM').catch(() => server.kill());
    await rm(workDir, { recursive: true, force: true });
  });

  it('stops the runs (recorded stopped: the server shut down), the pool and its PostgreSQL within the grace + 5 s', async () => {
    await server.start();
    const runNow = async (name: string, jobClass: string, pubArgs: unknown[]): Promise<string> => {
      const job = await server.api<{ job_id: string }>('POST', '/api/v1/jobs', {
        name,
        job_class_string: jobClass,
        pub_args: pubArgs,
        paused: true,
      });
      expect(job.status).toBe(201);
      const run = await server.api<{ execution_id: string }>('POST', `/api/v1/executions/${job.body.job_id}`);
      expect(run.status).toBe(201);
      return run.body.execution_id;
    };
    const ids = [
      await runNow('sleeps 30 s', 'SampleJob', ['long', 30]),
      await runNow('sandboxed sleep 30', 'ShellJob', ['sleep', '30']),
    ];
    await until('both runs running', async () => {
      const states = await Promise.all(
        ids.map(async (id) => (await server.api<Execution>('GET', `/api/v1/executions/${id}`)).body.state),
      );
      return states.every((state) => state === 'running') ? true : undefined;
    });
    const postgres = postmasterPid(dataDir)!;
    expect(postgresProcessesOf(dataDir)).toContain(postgres);

    const asked = Date.now();
    server.process.stop('SIGTERM');
    const exit = await server.process.waitForExit(30_000);
    const tookMs = Date.now() - asked;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeGreaterThanOrEqual(DEFAULT_GRACE_MS - 500); // the runs had their grace...
    expect(tookMs).toBeLessThan(DEFAULT_GRACE_MS + 5_000); // ...and everything was over within 5 s more
    expect(isRunning(postgres)).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
    const messages = server.process.messages();
    const order = [
      'SIGTERM received: stopping',
      'Waiting up to 10 s for 2 running executions',
      'HTTP server and database pool closed',
      'Stopped the embedded PostgreSQL',
      'Stopped',
    ].map((message) => messages.indexOf(message));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Written before the process ended (crash recovery at the next start would say "failed: interrupted").
    await server.start();
    for (const id of ids) {
      const { body } = await server.api<Execution>('GET', `/api/v1/executions/${id}`);
      expect(body).toMatchObject({
        state: 'stopped',
        description: 'Stopped: the server shut down before the run finished',
      });
    }
  }, 120_000);
});
