import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loginAdmin, newRole, newUser, type Actor } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface ExecutionBody {
  execution_id: string;
  state: string;
  description: string;
  result: string | null;
}

/** Live host processes (not zombies) whose program is `/tmp/<name>` inside a run. */
function hostProcessesNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const program = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0];
        return program === `/tmp/${name}` && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('scripts and sandboxed execution (e2e, real child processes)', () => {
  let t: TestApp;
  let coder: Actor;
  let other: Actor;
  let admin: Actor;

  beforeAll(async () => {
    process.env.JWT_SECRET_PROBE = 'not-for-children';
    t = await createTestApp({
      env: { JWT_SECRET: 'server-secret-that-no-child-may-see-0123456789', SANDBOX_MEMORY_MB: '128' },
    });
    await newRole(t, 'coder', [
      'job_create',
      'job_view',
      'job_modify',
      'job_run',
      'job_delete',
      'job_pause',
      'execution_view',
      'code_execute',
    ]);
    coder = await newUser(t, { roles: ['coder'] });
    other = await newUser(t, { roles: ['coder'] });
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const upload = (who: Actor, body: object) =>
    t.http().post('/api/v1/scripts').set('Authorization', who.bearer).send(body);

  async function scriptJob(who: Actor, source: string, args: unknown[] = [], extra: object = {}): Promise<string> {
    const script = await upload(who, {
      name: `s-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`,
      source,
    }).expect(201);
    const job = await t
      .http()
      .post('/api/v1/jobs')
      .set('Authorization', who.bearer)
      .send({
        name: 'script job',
        job_class_string: 'ScriptJob',
        pub_args: [script.body.script_id, ...args],
        paused: true,
        ...extra,
      })
      .expect(201);
    return job.body.job_id as string;
  }

  async function runAndWait(who: Actor, jobId: string, timeoutMs = 20_000): Promise<ExecutionBody> {
    const run = await t.http().post(`/api/v1/executions/${jobId}`).set('Authorization', who.bearer).expect(201);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await t
        .http()
        .get(`/api/v1/executions/${run.body.execution_id}`)
        .set('Authorization', who.bearer)
        .expect(200);
      if (res.body.state !== 'running') return res.body as ExecutionBody;
      if (Date.now() > deadline) throw new Error('execution did not finish');
      await sleep(100);
    }
  }

  describe('upload', () => {
    it('accepts a JSON upload and answers {script_id, name, sha256, size, created_time}', async () => {
      const source = 'export async function run(who) {\n  return { hello: who };\n}\n';
      const res = await upload(coder, { name: 'hello.mjs', source }).expect(201);
      expect(res.body).toMatchObject({
        name: 'hello.mjs',
        size: Buffer.byteLength(source),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const one = await t
        .http()
        .get(`/api/v1/scripts/${res.body.script_id}`)
        .set('Authorization', coder.bearer)
        .expect(200);
      expect(one.body.source).toBe(source);
      const list = await t.http().get('/api/v1/scripts').set('Authorization', coder.bearer).expect(200);
      expect(list.body.scripts.map((s: { script_id: string }) => s.script_id)).toContain(res.body.script_id);
      expect(list.body.scripts[0]).not.toHaveProperty('source');
    });

    it('accepts a multipart upload, naming the script after the file', async () => {
      const res = await t
        .http()
        .post('/api/v1/scripts')
        .set('Authorization', coder.bearer)
        .attach('file', Buffer.from('export const run = () => 42;'), 'answer.js')
        .expect(201);
      expect(res.body.name).toBe('answer.js');
    });

    it.each([
      [{ name: 'bad.mjs', source: 'export function run( {' }, /^the script does not parse as a JavaScript module/],
      [{ name: 'norun.mjs', source: 'export function start() {}' }, /exports no function named run/],
      [
        { name: 'script.sh', source: 'export function run() {}' },
        /^name must be a file name ending in .js, .mjs or .py/,
      ],
      [{ name: 'script.py', source: 'export function run() {}' }, /^the script does not compile as Python \(line 1/],
      [{ source: 'export function run() {}' }, /^name must be/],
    ])('refuses %p with 400 saying why', async (body, message) => {
      const res = await upload(coder, body).expect(400);
      expect(res.body.message[0]).toMatch(message);
    });

    it('refuses a script over SCRIPT_MAX_BYTES with 413', async () => {
      const source = `export function run() { return 1 }\n//${'x'.repeat(262_144)}`;
      const res = await upload(coder, { name: 'big.mjs', source }).expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('needs code_execute, and hides other users’ scripts (404), and refuses deleting one a job uses (409)', async () => {
      const viewer = await newUser(t, { roles: ['job_manager'] });
      await upload(viewer, { name: 'x.mjs', source: 'export function run() {}' }).expect(403);
      const mine = await upload(coder, { name: 'mine.mjs', source: 'export function run() { return 1 }' }).expect(201);
      await t.http().get(`/api/v1/scripts/${mine.body.script_id}`).set('Authorization', other.bearer).expect(404);
      await t.http().delete(`/api/v1/scripts/${mine.body.script_id}`).set('Authorization', other.bearer).expect(404);
      const job = await t
        .http()
        .post('/api/v1/jobs')
        .set('Authorization', coder.bearer)
        .send({ name: 'uses it', job_class_string: 'ScriptJob', pub_args: [mine.body.script_id], paused: true })
        .expect(201);
      const conflict = await t
        .http()
        .delete(`/api/v1/scripts/${mine.body.script_id}`)
        .set('Authorization', coder.bearer)
        .expect(409);
      expect(conflict.body.message).toContain(job.body.job_id);
      await t.http().delete(`/api/v1/jobs/${job.body.job_id}`).set('Authorization', coder.bearer).expect(200);
      await t.http().delete(`/api/v1/scripts/${mine.body.script_id}`).set('Authorization', coder.bearer).expect(204);
    });

    it('lists the jobs that use each script, only those the caller may see', async () => {
      const shared = await upload(coder, { name: 'shared.mjs', source: 'export function run() { return 2 }' }).expect(
        201,
      );
      const scriptId = shared.body.script_id as string;
      const createJob = (who: Actor, name: string) =>
        t
          .http()
          .post('/api/v1/jobs')
          .set('Authorization', who.bearer)
          .send({ name, job_class_string: 'ScriptJob', pub_args: [scriptId], paused: true })
          .expect(201);
      const coders = await createJob(coder, 'b-coder-uses-shared');
      const admins = await createJob(admin, 'a-admin-uses-shared');
      const list = await t.http().get('/api/v1/scripts').set('Authorization', coder.bearer).expect(200);
      const listed = (list.body.scripts as Array<{ script_id: string; jobs: unknown }>).find(
        (script) => script.script_id === scriptId,
      );
      expect(listed?.jobs).toEqual([{ job_id: coders.body.job_id, name: 'b-coder-uses-shared' }]);
      const unused = (list.body.scripts as Array<{ script_id: string; jobs: unknown[] }>).filter(
        (script) => script.script_id !== scriptId,
      );
      expect(unused.every((script) => Array.isArray(script.jobs))).toBe(true);
      const forAdmin = await t.http().get(`/api/v1/scripts/${scriptId}`).set('Authorization', admin.bearer).expect(200);
      expect(forAdmin.body.jobs).toEqual([
        { job_id: admins.body.job_id, name: 'a-admin-uses-shared' },
        { job_id: coders.body.job_id, name: 'b-coder-uses-shared' },
      ]);
      for (const [who, job] of [
        [coder, coders],
        [admin, admins],
      ] as const) {
        await t.http().delete(`/api/v1/jobs/${job.body.job_id}`).set('Authorization', who.bearer).expect(200);
      }
      const after = await t.http().get(`/api/v1/scripts/${scriptId}`).set('Authorization', coder.bearer).expect(200);
      expect(after.body.jobs).toEqual([]);
    });

    it('refuses a ScriptJob whose script its owner cannot see', async () => {
      const theirs = await upload(other, { name: 'theirs.mjs', source: 'export function run() {}' }).expect(201);
      const res = await t
        .http()
        .post('/api/v1/jobs')
        .set('Authorization', coder.bearer)
        .send({ name: 'steal', job_class_string: 'ScriptJob', pub_args: [theirs.body.script_id] })
        .expect(400);
      expect(res.body.message).toEqual(["pub_args[0] (script_id) does not name a script the job's owner can use"]);
    });
  });

  describe('ScriptJob', () => {
    it('stores the JSON return value of run(...args) as the result', async () => {
      const job = await scriptJob(
        coder,
        'export async function run(a, b) { return { sum: a + b, at: typeof Date.now() } }',
        [2, 3],
      );
      const execution = await runAndWait(coder, job);
      expect(execution.state).toBe('succeeded');
      expect(JSON.parse(execution.result!)).toEqual({ sum: 5, at: 'number' });
    });

    it('gives result null when run returns undefined', async () => {
      const execution = await runAndWait(coder, await scriptJob(coder, 'export function run() {}'));
      expect(execution).toMatchObject({ state: 'succeeded', result: null });
    });

    it('fails, saying so, when the value cannot be serialised', async () => {
      const execution = await runAndWait(coder, await scriptJob(coder, 'export function run() { return 10n }'));
      expect(execution.state).toBe('failed');
      expect(execution.description).toMatch(/serialis/i);
    });

    it('fails when run throws, or the script calls process.exit', async () => {
      const thrown = await runAndWait(
        coder,
        await scriptJob(coder, "export function run() { throw new Error('nope') }"),
      );
      expect(thrown.state).toBe('failed');
      expect(thrown.result).toContain('nope');
      const exited = await runAndWait(coder, await scriptJob(coder, 'export function run() { process.exit(3) }'));
      expect(exited.state).toBe('failed');
      expect(exited.description).toMatch(/exit/i);
    });

    it('times out an infinite loop while the server keeps answering fast', async () => {
      const job = await scriptJob(coder, 'export function run() { for (;;) {} }', [], { timeout_seconds: 2 });
      const run = await t.http().post(`/api/v1/executions/${job}`).set('Authorization', coder.bearer).expect(201);
      await sleep(500);
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await t.http().get('/health').expect(200);
        expect(Date.now() - started).toBeLessThan(500);
        await sleep(200);
      }
      let state = 'running';
      for (let i = 0; i < 60 && state === 'running'; i++) {
        await sleep(200);
        state = (await t.http().get(`/api/v1/executions/${run.body.execution_id}`).set('Authorization', coder.bearer))
          .body.state;
      }
      expect(state).toBe('timeout');
    });

    it('fails a memory bomb quickly, and the server lives on', async () => {
      const started = Date.now();
      const execution = await runAndWait(
        coder,
        await scriptJob(coder, 'export function run() { const a = []; for (;;) a.push(new Array(1e6).fill(1)) }'),
      );
      expect(execution.state).toBe('failed');
      expect(execution.description).toMatch(/memory/i);
      expect(Date.now() - started).toBeLessThan(15_000);
      await t.http().get('/health').expect(200);
    });

    it('cannot see the server’s environment (no JWT_SECRET, no DATABASE_URL)', async () => {
      const execution = await runAndWait(
        coder,
        await scriptJob(coder, 'export function run() { return { env: process.env } }'),
      );
      expect(execution.state).toBe('succeeded');
      expect(execution.result).not.toContain('server-secret-that-no-child-may-see');
      expect(execution.result).not.toContain('postgres://');
      expect(execution.result).not.toContain('not-for-children');
      expect(JSON.parse(execution.result!).env).not.toHaveProperty('JWT_SECRET');
    });
  });

  describe('ShellJob', () => {
    const shellJob = async (args: string[], extra: object = {}) =>
      (
        await t
          .http()
          .post('/api/v1/jobs')
          .set('Authorization', coder.bearer)
          .send({ name: 'shell', job_class_string: 'ShellJob', pub_args: args, paused: true, ...extra })
          .expect(201)
      ).body.job_id as string;

    it('cannot see the server’s environment either', async () => {
      const execution = await runAndWait(coder, await shellJob(['/usr/bin/env']));
      expect(execution.state).toBe('succeeded');
      expect(execution.result).not.toContain('server-secret-that-no-child-may-see');
      expect(execution.result).not.toContain('DATABASE_URL');
    });

    it('stop kills the whole process tree: no orphan survives', async () => {
      const marker = 'orphan-of-a-stopped-run';
      const job = await shellJob(['/bin/sh', '-c', `cp /bin/sleep /tmp/${marker}; /tmp/${marker} 300 & sleep 300`]);
      const run = await t.http().post(`/api/v1/executions/${job}`).set('Authorization', coder.bearer).expect(201);
      await sleep(1000);
      expect(hostProcessesNamed(marker)).toHaveLength(1);
      const stopped = await t
        .http()
        .post(`/api/v1/executions/${run.body.execution_id}/stop`)
        .set('Authorization', coder.bearer)
        .expect(200);
      expect(stopped.body.state).toBe('stopped');
      const deadline = Date.now() + 5000;
      while (hostProcessesNamed(marker).length > 0 && Date.now() < deadline) await sleep(100);
      expect(hostProcessesNamed(marker)).toEqual([]);
    });
  });

  describe('CurlJob', () => {
    it('refuses the cloud metadata address without connecting', async () => {
      const job = (
        await t
          .http()
          .post('/api/v1/jobs')
          .set('Authorization', admin.bearer)
          .send({
            name: 'metadata',
            job_class_string: 'CurlJob',
            pub_args: ['http://169.254.169.254/latest/meta-data/'],
            paused: true,
          })
          .expect(201)
      ).body.job_id as string;
      const execution = await runAndWait(admin, job);
      expect(execution.state).toBe('failed');
      expect(execution.description).toMatch(/refused to connect to 169\.254\.169\.254.*HTTP_JOB_DENY/);
    });
  });

  it('keeps one user’s runaway scripts from making another user’s fires late', async () => {
    for (let i = 0; i < 3; i++) {
      const job = await scriptJob(coder, 'export function run() { for (;;) {} }', [], { timeout_seconds: 6 });
      await t.http().post(`/api/v1/executions/${job}`).set('Authorization', coder.bearer).expect(201);
    }
    const punctual = await t
      .http()
      .post('/api/v1/jobs')
      .set('Authorization', other.bearer)
      .send({ name: 'on time', job_class_string: 'SampleJob', pub_args: ['tick'], second: '*' })
      .expect(201);
    await sleep(4000);
    await t.http().post(`/api/v1/jobs/${punctual.body.job_id}/pause`).set('Authorization', other.bearer).expect(200);
    const client = new pg.Client({ connectionString: t.database.url });
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ delay_ms: number }>(
      `SELECT extract(epoch FROM started_time - scheduled_time) * 1000 AS delay_ms FROM executions WHERE job_id = $1`,
      [punctual.body.job_id],
    );
    await client.end();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(Number(row.delay_ms)).toBeLessThan(500);
  });
});
