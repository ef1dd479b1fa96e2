// Issue 10's attacks on the place where users' code runs, tried the way an ordinary user with
// code_execute would: real users, real jobs through the API, real sandboxed processes, checked from
// outside (by uid and by command line in /proc) and in the database.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { processesInUidRange } from '../src/sandbox/sandbox.testing.js';
import { newRole, newUser, type Actor } from './support/actors.js';
import { Db, restClient, sleep, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const RANGE = { first: 1920000000, last: 1920009999 };
const SECRET = 'jwt-secret-that-no-job-may-ever-read-0123456789';
const APP = path.resolve(import.meta.dirname, '..');

interface Execution {
  execution_id: string;
  state: string;
  description: string;
  result: string | null;
  scheduled_time: string;
  started_time: string | null;
}

/** Host processes running a program named `marker` (what a run might have left behind). */
async function hostProcessesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (cmdline.split('\0')[0].endsWith(marker) && !/^\d+ \(.*\) [ZX]/.test(stat)) found.push(Number(entry));
  }
  return found;
}

describe('the sandbox under attack (e2e: real users, real jobs, real processes)', () => {
  let t: TestApp;
  let db: Db;
  let attacker: Actor;
  let victim: Actor;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        JWT_SECRET: SECRET,
        SANDBOX_UID_RANGE: `${RANGE.first}-${RANGE.last}`,
        SANDBOX_MEMORY_MB: '256',
        SANDBOX_MAX_PROCESSES: '128',
        MAX_RUNNING_PER_USER: '20',
      },
    });
    db = await Db.connect(t);
    rest = restClient(t);
    await newRole(t, 'coder', [
      'job_create',
      'job_view',
      'job_modify',
      'job_run',
      'job_pause',
      'execution_view',
      'code_execute',
    ]);
    attacker = await newUser(t, { roles: ['coder'] });
    victim = await newUser(t, { roles: ['coder'] });
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });
  afterEach(async () => {
    // Whatever a test did, nothing of any run outlives it.
    await waitFor('no sandboxed process left', async () => (await processesInUidRange(RANGE)).length === 0, {
      timeoutMs: 10_000,
    });
  });

  async function shellJob(who: Actor, argv: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const job = await rest.createJob(who, {
      name: `shell-${Date.now()}-${Math.random()}`,
      job_class_string: 'ShellJob',
      pub_args: argv,
      paused: true,
      ...extra,
    });
    return job.job_id;
  }

  async function scriptJob(who: Actor, source: string, extra: Record<string, unknown> = {}): Promise<string> {
    const script = await rest
      .as(who)
      .post('/api/v1/scripts')
      .send({ name: `s-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`, source });
    expect(script.status).toBe(201);
    const job = await rest.createJob(who, {
      name: `script-${Date.now()}-${Math.random()}`,
      job_class_string: 'ScriptJob',
      pub_args: [script.body.script_id],
      paused: true,
      ...extra,
    });
    return job.job_id;
  }

  async function runNow(who: Actor, jobId: string): Promise<string> {
    const res = await rest.as(who).post(`/api/v1/executions/${jobId}`);
    expect(res.status).toBe(201);
    return (res.body as Execution).execution_id;
  }

  async function finished(who: Actor, executionId: string, timeoutMs = 30_000): Promise<Execution> {
    return waitFor(
      `execution ${executionId} to end`,
      async () => {
        const res = await rest.as(who).get(`/api/v1/executions/${executionId}`);
        const body = res.body as Execution;
        return body.state === 'running' ? undefined : body;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  it('a ShellJob and a ScriptJob cannot read the app folder, .env, DATA_DIR, the database log or the server secret', async () => {
    expect(existsSync(path.join(APP, 'package.json'))).toBe(true);
    const dataDir = t.config.embedded.dataDir;
    const probe = [
      `ls ${APP} 2>&1`,
      `cat ${APP}/.env 2>&1`,
      `ls ${dataDir} 2>&1`,
      `cat ${dataDir}/postgres.log 2>&1`,
      'cat /proc/1/environ 2>&1 | tr "\\0" "\\n"',
      'grep -rs JWT_SECRET /etc /root /home 2>/dev/null | head -1',
      'env',
      'exit 0',
    ].join('; ');
    const shell = await finished(attacker, await runNow(attacker, await shellJob(attacker, ['/bin/sh', '-c', probe])));
    expect(shell.state).toBe('succeeded');
    const output = JSON.parse(shell.result ?? '{}') as { stdout: string };
    expect(output.stdout).toContain(`ls: cannot access '${APP}': No such file or directory`);
    expect(output.stdout).toContain(`cat: ${APP}/.env: No such file or directory`);
    expect(output.stdout).toContain(`ls: cannot access '${dataDir}': No such file or directory`);
    expect(shell.result).not.toContain(SECRET);
    expect(shell.result).not.toContain('JWT_SECRET');

    const script = await finished(
      attacker,
      await runNow(
        attacker,
        await scriptJob(
          attacker,
          `import { readFileSync, readdirSync } from 'node:fs';
          const attempt = (action) => { try { return action() } catch (error) { return error.code ?? error.message } };
          export function run() {
            return {
              env: attempt(() => readFileSync('${APP}/.env', 'utf8')),
              app: attempt(() => readdirSync('${APP}')),
              data: attempt(() => readdirSync('${dataDir}')),
              secret: process.env.JWT_SECRET ?? null,
            };
          }`,
        ),
      ),
    );
    expect(script.state).toBe('succeeded');
    // Not there at all (ENOENT), or refused by Node's permission model too where the path lies outside /work and /tmp.
    const refused = expect.stringMatching(/^(ENOENT|ERR_ACCESS_DENIED)$/) as unknown;
    expect(JSON.parse(script.result ?? '{}')).toEqual({ env: refused, app: refused, data: refused, secret: null });
  });

  it("A cannot list, read, signal or rewrite B's concurrent run, and B's runs end as B wrote them", async () => {
    const victimShell = await shellJob(victim, [
      '/bin/sh',
      '-c',
      'echo victim-secret > /work/note; sleep 3; cat /work/note',
    ]);
    const victimScript = await scriptJob(
      victim,
      'export async function run() { await new Promise((done) => setTimeout(done, 3000)); return "the victim\'s own result" }',
    );
    const victimRuns = [await runNow(victim, victimShell), await runNow(victim, victimScript)];
    await sleep(800);
    const attack = [
      'ls -d /tmp/cronwarden-run-* /tmp/* /work/* /job/* 2>&1',
      'ls /proc | grep -E "^[0-9]+$" | tr "\\n" " "; echo',
      'grep -l victim /proc/[0-9]*/cmdline 2>&1',
      'kill -9 -1; echo kill-all-done',
      'for f in /run/cronwarden-sandbox-*/runs/*/script.mjs; do echo "export const run = () => 666" > "$f" 2>&1; done',
      'exit 0',
    ].join('; ');
    const attackRun = await finished(
      attacker,
      await runNow(attacker, await shellJob(attacker, ['/bin/sh', '-c', attack])),
    );
    expect(attackRun.state).toBe('succeeded');
    const stdout = (JSON.parse(attackRun.result ?? '{}') as { stdout: string }).stdout;
    expect(stdout).not.toContain('victim-secret');
    expect(stdout).not.toContain('note');
    expect(stdout).toContain('kill-all-done');
    const [shellDone, scriptDone] = await Promise.all(victimRuns.map((id) => finished(victim, id)));
    expect(shellDone.state).toBe('succeeded');
    expect(JSON.parse(shellDone.result ?? '{}')).toMatchObject({ returncode: 0, stdout: 'victim-secret\n' });
    expect(scriptDone.state).toBe('succeeded');
    expect(JSON.parse(scriptDone.result ?? 'null')).toBe("the victim's own result");
  });

  it.each([
    ['after it succeeds', 'sleep-after-success-111', {}, 'succeeded'],
    ['after a timeout', 'sleep-after-timeout-112', { timeout_seconds: 1 }, 'timeout'],
  ])('setsid and double forks do not outlive their run %s', async (_when, marker, extra, state) => {
    const escape = `cp /bin/sleep /tmp/${marker}; setsid -f /tmp/${marker} 100; (/tmp/${marker} 101 &); nohup /tmp/${marker} 102 >/dev/null 2>&1 & ${state === 'timeout' ? 'sleep 30' : 'echo left'}`;
    const done = await finished(
      attacker,
      await runNow(attacker, await shellJob(attacker, ['/bin/sh', '-c', escape], extra)),
    );
    expect(done.state).toBe(state);
    await waitFor('the escapees to be gone', async () => (await hostProcessesWith(marker)).length === 0, {
      timeoutMs: 5_000,
    });
  });

  it('setsid and double forks do not outlive a stop', async () => {
    const marker = 'sleep-after-stop-113';
    const executionId = await runNow(
      attacker,
      await shellJob(attacker, [
        '/bin/sh',
        '-c',
        `cp /bin/sleep /tmp/${marker}; setsid -f /tmp/${marker} 100; (/tmp/${marker} 101 &); sleep 60`,
      ]),
    );
    await waitFor('the escapees to start', async () => (await hostProcessesWith(marker)).length === 2, {
      timeoutMs: 5_000,
    });
    const stop = await rest.as(attacker).post(`/api/v1/executions/${executionId}/stop`);
    expect(stop.status).toBe(200);
    expect((await finished(attacker, executionId)).state).toBe('stopped');
    await waitFor('the escapees to be gone', async () => (await hostProcessesWith(marker)).length === 0, {
      timeoutMs: 5_000,
    });
  });

  it("A's process flood and five-process memory hog end A's runs only; B's job keeps firing on time", async () => {
    const victimJob = await rest.createJob(victim, {
      name: `every-second-${Date.now()}`,
      job_class_string: 'ShellJob',
      pub_args: ['/bin/sh', '-c', 'echo on time'],
      second: '*',
    });
    const flood = await runNow(
      attacker,
      await shellJob(attacker, ['/bin/sh', '-c', 'for i in $(seq 1100); do sleep 30 & done; wait'], {
        timeout_seconds: 8,
      }),
    );
    const hog = await runNow(
      attacker,
      await shellJob(attacker, [
        '/bin/sh',
        '-c',
        `for i in 1 2 3 4 5; do perl -e '$x = "a" x (200 * 1024 * 1024); sleep 20' & done; wait`,
      ]),
    );
    const from = new Date();
    const hogDone = await finished(attacker, hog);
    expect(hogDone.state).toBe('failed');
    expect(hogDone.description).toMatch(/ran out of memory/);
    await sleep(4_000);
    // The flood hit its own cap, not the machine's: a count from outside, while it still runs.
    expect((await processesInUidRange(RANGE)).length).toBeLessThanOrEqual(130);
    await rest.as(victim).post(`/api/v1/jobs/${victimJob.job_id}/pause`);
    const floodDone = await finished(attacker, flood);
    expect(['failed', 'timeout']).toContain(floodDone.state);
    const rows = (await db.executions(victimJob.job_id)).filter((row) => row.scheduled_time >= from);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows.filter((candidate) => candidate.state !== 'running')) {
      expect(row.state).toBe('succeeded');
      expect(new Date(row.started_time ?? 0).getTime() - new Date(row.scheduled_time).getTime()).toBeLessThan(1_000);
    }
  });
});
