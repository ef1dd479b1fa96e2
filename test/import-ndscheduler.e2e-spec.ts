import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { JobTimerRegistry } from '../src/scheduler/job-timer.registry.js';
import { newUser } from './support/actors.js';
import { Db, waitFor } from './support/scheduling.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built operator CLI as a real process against the test app's database. */
function cli(t: TestApp, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DATABASE_URL: t.database.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** ndscheduler's answer to GET /api/v1/jobs, in its real shape. */
const NDSCHEDULER_JOBS = {
  jobs: [
    {
      job_id: '7a3c1e0c9b5f4d0e8a1b2c3d4e5f6a7b',
      name: 'clean tmp',
      job_class_string: 'simple_scheduler.jobs.shell_job.ShellJob',
      pub_args: ['/usr/bin/find', '/tmp', '-mtime', '+7', '-delete'],
      month: '*',
      day_of_week: '*',
      day: '*',
      hour: '3',
      minute: '15',
      next_run_time: '2026-12-08T03:15:00+00:00',
    },
    {
      job_id: '1b2c3d4e5f60718293a4b5c6d7e8f901',
      name: 'ping api',
      job_class_string: 'simple_scheduler.jobs.curl_job.CurlJob',
      pub_args: ['https://api.example.com/health', 'GET'],
      month: '*',
      day_of_week: '*',
      day: '*',
      hour: '*',
      minute: '*/10',
      next_run_time: '2026-12-07T12:10:00+00:00',
    },
    {
      job_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      name: 'paused purge',
      job_class_string: 'simple_scheduler.jobs.curl_job.CurlJob',
      pub_args: ['https://api.example.com/purge', 'DELETE'],
      month: '*',
      day_of_week: '*',
      day: '1',
      hour: '0',
      minute: '0',
      next_run_time: null,
    },
    {
      job_id: 'fe11a5fe11a5fe11a5fe11a5fe11a5fe',
      name: 'weekday report',
      job_class_string: 'simple_scheduler.jobs.shell_job.ShellJob',
      pub_args: ['/bin/echo', 'report'],
      month: '*',
      day_of_week: '0-4',
      day: '*',
      hour: '9',
      minute: '0',
      next_run_time: '2026-12-08T09:00:00+00:00',
    },
    {
      job_id: 'a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5',
      name: 'awesome',
      job_class_string: 'simple_scheduler.jobs.sample_job.AwesomeSampleJob',
      pub_args: ['argument1', 'argument2'],
      month: '*',
      day_of_week: '*',
      day: '*',
      hour: '*',
      minute: '*/5',
      next_run_time: '2026-12-07T12:05:00+00:00',
    },
  ],
};

interface ReportJson {
  owner: string;
  dry_run: boolean;
  created: number;
  skipped: number;
  not_imported: number;
  jobs: Array<{ ndscheduler_job_id: string; action: string; job_id: string | null; reason: string | null }>;
}

interface JobRow {
  id: string;
  name: string;
  owner_id: string;
  job_class_string: string;
  pub_args: unknown[];
  month: string;
  day_of_week: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  timezone: string;
  paused: boolean;
  next_run_time: Date | null;
}

describe('cronwarden import-ndscheduler (against a fake ndscheduler)', () => {
  let t: TestApp;
  let db: Db;
  let ndscheduler: Server;
  let url: string;
  let requests: string[];

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    requests = [];
    ndscheduler = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      if (request.method === 'GET' && request.url === '/api/v1/jobs') {
        response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        response.end(JSON.stringify(NDSCHEDULER_JOBS));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => ndscheduler.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(ndscheduler.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => ndscheduler?.close(resolve));
    await db?.end();
    await t?.close();
  });

  const importedRows = (ownerId: string): Promise<JobRow[]> =>
    db.rows<JobRow>('SELECT * FROM jobs WHERE owner_id = $1 ORDER BY name', [ownerId]);
  const adminId = async (): Promise<string> =>
    (await db.rows<{ id: string }>('SELECT id FROM users WHERE username = $1', [TEST_ADMIN.username]))[0].id;

  it('a dry run reads ndscheduler, lists what it would do, and writes nothing', async () => {
    const jobsBefore = await db.jobCount();
    const logsBefore = await db.count('SELECT count(*) AS count FROM audit_logs');
    const result = await cli(t, ['import-ndscheduler', '--url', url, '--dry-run']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(requests).toContain('GET /api/v1/jobs');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ACTION\s+NDSCHEDULER JOB\s+NAME\s+CLASS\s+SCHEDULE\s+NOTE$/);
    expect(result.stdout).toMatch(
      /would create\s+fe11a5fe11a5fe11a5fe11a5fe11a5fe\s+weekday report\s+ShellJob\s+0 9 \* \* 1-5/,
    );
    expect(result.stdout).toMatch(
      /not imported\s+a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5\s+awesome\s+.*AwesomeSampleJob.*no equivalent/,
    );
    expect(result.stdout).toContain('4 would be created, 0 skipped (already there), 1 not imported; owner admin');
    expect(result.stdout).toContain('dry run: nothing was written');
    expect(await db.jobCount()).toBe(jobsBefore);
    expect(await db.count('SELECT count(*) AS count FROM audit_logs')).toBe(logsBefore);
  });

  it('a real run creates the mapped jobs for the first admin, scheduled at once by the running server', async () => {
    const owner = await adminId();
    const result = await cli(t, ['import-ndscheduler', '--url', url, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    expect(report).toMatchObject({ owner: 'admin', dry_run: false, created: 4, skipped: 0, not_imported: 1 });
    expect(report.jobs.map((job) => job.action)).toEqual(['created', 'created', 'created', 'created', 'not imported']);
    expect(report.jobs[4].reason).toContain(
      'no equivalent of simple_scheduler.jobs.sample_job.AwesomeSampleJob: only ndscheduler',
    );

    const rows = await importedRows(owner);
    expect(rows.map((row) => row.name)).toEqual(['clean tmp', 'paused purge', 'ping api', 'weekday report']);
    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    expect(byName['clean tmp']).toMatchObject({
      job_class_string: 'ShellJob',
      pub_args: ['/usr/bin/find', '/tmp', '-mtime', '+7', '-delete'],
      minute: '15',
      hour: '3',
      day: '*',
      month: '*',
      day_of_week: '*',
      second: '0',
      timezone: 'UTC',
      paused: false,
    });
    expect(byName['ping api']).toMatchObject({
      job_class_string: 'CurlJob',
      pub_args: ['https://api.example.com/health', 'GET'],
      minute: '*/10',
      paused: false,
    });
    expect(byName['paused purge']).toMatchObject({
      job_class_string: 'CurlJob',
      pub_args: ['https://api.example.com/purge', 'DELETE'],
      day: '1',
      paused: true,
      next_run_time: null,
    });
    expect(byName['weekday report']).toMatchObject({
      job_class_string: 'ShellJob',
      pub_args: ['/bin/echo', 'report'],
      day_of_week: '1-5',
      hour: '9',
      minute: '0',
      paused: false,
    });
    expect(byName['weekday report'].next_run_time).toBeInstanceOf(Date);
    const weekday = byName['weekday report'].next_run_time!.getUTCDay();
    expect([1, 2, 3, 4, 5]).toContain(weekday);
    expect(report.jobs.map((job) => job.job_id).slice(0, 4)).toEqual(
      ['clean tmp', 'ping api', 'paused purge', 'weekday report'].map((name) => byName[name].id),
    );

    // Audited as the CLI's operator, on the owner's jobs.
    const logs = await db.rows<{ event: string; username: string; owner_id: string }>(
      'SELECT event, "user" AS username, owner_id FROM audit_logs WHERE job_id = ANY($1) AND event = \'added\'',
      [rows.map((row) => row.id)],
    );
    expect(logs).toHaveLength(4);
    for (const log of logs) {
      expect(log.username).toMatch(/^cli:/);
      expect(log.owner_id).toBe(owner);
    }
    // The running server heard the announcement and registered the active jobs (not the paused one).
    const timers = t.app.get(JobTimerRegistry);
    await waitFor('the server to register the imported jobs', () =>
      Promise.resolve(
        ['clean tmp', 'ping api', 'weekday report'].every((name) => timers.registeredIds().includes(byName[name].id)),
      ),
    );
    expect(timers.registeredIds()).not.toContain(byName['paused purge'].id);
  });

  it('a second run creates nothing: each job is skipped, the unmappable one listed again', async () => {
    const owner = await adminId();
    const before = await importedRows(owner);
    const result = await cli(t, ['import-ndscheduler', '--url', url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/skipped\s+7a3c1e0c9b5f4d0e8a1b2c3d4e5f6a7b\s+clean tmp\s+ShellJob/);
    expect(result.stdout).toContain('admin has a job named "clean tmp" already');
    expect(result.stdout).toContain('0 created, 4 skipped (already there), 1 not imported; owner admin');
    // unchanged, but for the fires that happened meanwhile (a job every 10 minutes may fire during the run)
    const withoutFires = (rows: JobRow[]) => rows.map(({ next_run_time: _next, ...row }) => row);
    expect(withoutFires(await importedRows(owner))).toEqual(withoutFires(before));
  });

  it('--owner must exist; with one, the jobs are that user’s', async () => {
    const missing = await cli(t, ['import-ndscheduler', '--url', url, '--owner', 'nobody-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--owner nobody-here: no user of that name');
    const bob = await newUser(t, { roles: ['job_manager'] });
    const result = await cli(t, ['import-ndscheduler', '--url', url, '--owner', bob.username, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ owner: bob.username, created: 4, skipped: 0 });
    const rows = await importedRows(bob.id);
    expect(rows.map((row) => row.name)).toEqual(['clean tmp', 'paused purge', 'ping api', 'weekday report']);
    // bob holds no code_execute: his ShellJobs exist but are suspended until he does.
    expect(rows.filter((row) => row.job_class_string === 'ShellJob').map((row) => row.paused)).toEqual([false, false]);
    const suspended = await db.rows<{ name: string; suspended_reason: string | null }>(
      'SELECT name, suspended_reason FROM jobs WHERE owner_id = $1 ORDER BY name',
      [bob.id],
    );
    expect(suspended.find((row) => row.name === 'clean tmp')?.suspended_reason).toContain('code_execute');
    expect(suspended.find((row) => row.name === 'ping api')?.suspended_reason).toBeNull();
  });

  it('says what is wrong with the URL, and writes nothing', async () => {
    const before = await db.jobCount();
    const noUrl = await cli(t, ['import-ndscheduler']);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('import-ndscheduler needs --url');
    const notThere = await cli(t, ['import-ndscheduler', '--url', `${url}/elsewhere`]);
    expect(notThere.code).toBe(1);
    expect(notThere.stderr).toContain(`${url}/elsewhere/api/v1/jobs answered 404`);
    expect(await db.jobCount()).toBe(before);
  });
});
