// Issue 16, item 1: Python scripts for ScriptJob, end to end: upload checks, runs through python3 in the
// per-execution sandbox, results, failures with the Python traceback, and the sandbox's promises tried
// the way an ordinary user with code_execute would (real users, real jobs, real processes).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { processesInUidRange } from '../src/sandbox/sandbox.testing.js';
import { detectPython } from '../src/sandbox/python-interpreter.js';
import { newRole, newUser, type Actor } from './support/actors.js';
import { Db, type ErrorBody, messagesOf, restClient, waitFor } from './support/scheduling.js';
import { EventStreamClient, listen } from './support/sse.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const RANGE = { first: 1922000000, last: 1922009999 };
const SECRET = 'jwt-secret-that-no-python-script-may-read-0123456789';
const APP = path.resolve(import.meta.dirname, '..');

interface Execution {
  execution_id: string;
  state: string;
  description: string;
  result: string | null;
}

interface PythonFailure {
  error: string;
  traceback?: string;
  stdout: string;
  stderr: string;
}

describe('Python scripts (e2e: upload, ScriptJob runs in the sandbox)', () => {
  let t: TestApp;
  let db: Db;
  let coder: Actor;
  let other: Actor;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    // Never skipped: without python3 these tests fail here, saying why.
    const found = await detectPython('python3');
    if (!found.available) throw new Error(`These tests need python3 on the server's PATH: ${found.reason}`);
    t = await createTestApp({
      env: { JWT_SECRET: SECRET, SANDBOX_UID_RANGE: `${RANGE.first}-${RANGE.last}`, SANDBOX_MEMORY_MB: '128' },
    });
    db = await Db.connect(t);
    rest = restClient(t);
    await newRole(t, 'pycoder', [
      'job_create',
      'job_view',
      'job_modify',
      'job_run',
      'job_delete',
      'execution_view',
      'code_execute',
    ]);
    coder = await newUser(t, { roles: ['pycoder'] });
    other = await newUser(t, { roles: ['pycoder'] });
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });
  afterEach(async () => {
    await waitFor('no sandboxed process left', async () => (await processesInUidRange(RANGE)).length === 0, {
      timeoutMs: 10_000,
    });
  });

  const uniqueName = (): string => `py_${Date.now()}_${Math.random().toString(36).slice(2)}.py`;
  const upload = (who: Actor, source: string, name = uniqueName()) =>
    rest.as(who).post('/api/v1/scripts').send({ name, source });

  async function pythonJob(who: Actor, source: string, args: unknown[] = [], extra: object = {}): Promise<string> {
    const script = await upload(who, source);
    expect(script.status).toBe(201);
    const job = await rest.createJob(who, {
      name: `python-${Date.now()}-${Math.random()}`,
      job_class_string: 'ScriptJob',
      pub_args: [(script.body as { script_id: string }).script_id, ...args],
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

  const runScript = async (source: string, args: unknown[] = [], extra: object = {}): Promise<Execution> =>
    finished(coder, await runNow(coder, await pythonJob(coder, source, args, extra)));

  const failureOf = (execution: Execution): PythonFailure => JSON.parse(execution.result ?? '{}') as PythonFailure;

  describe('upload', () => {
    it('accepts a .py module defining run, says language python, and stores it so', async () => {
      const source = 'def run(a, b):\n    return {"sum": a + b}\n';
      const res = await upload(coder, source, 'abc.py');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'abc.py', language: 'python', size: source.length });
      const id = (res.body as { script_id: string }).script_id;
      const stored = await db.rows<{ language: string; source: string }>(
        'SELECT language, source FROM scripts WHERE id = $1',
        [id],
      );
      expect(stored).toEqual([{ language: 'python', source }]);
      const one = await rest.as(coder).get(`/api/v1/scripts/${id}`);
      expect(one.body).toMatchObject({ language: 'python', source });
      const list = await rest.as(coder).get('/api/v1/scripts');
      expect((list.body as { scripts: Array<{ script_id: string; language: string }> }).scripts).toContainEqual(
        expect.objectContaining({ script_id: id, language: 'python' }),
      );
    });

    it('accepts a multipart upload of 123.py', async () => {
      const res = await rest
        .as(coder)
        .post('/api/v1/scripts')
        .attach('file', Buffer.from('async def run():\n    return 123\n'), '123.py');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: '123.py', language: 'python' });
    });

    it('says language javascript for a JavaScript module, as for those stored before the column existed', async () => {
      const res = await upload(coder, 'export function run() { return 1 }', 'old.mjs');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ language: 'javascript' });
    });

    it('refuses a syntax error with 400 naming the line, and stores nothing', async () => {
      const before = await db.count('SELECT count(*) AS count FROM scripts');
      const res = await upload(coder, 'import json\n\ndef run(:\n    return 1\n');
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody)).toEqual([
        expect.stringMatching(/^the script does not compile as Python \(line 3, column \d+\): SyntaxError: /),
      ]);
      expect(await db.count('SELECT count(*) AS count FROM scripts')).toBe(before);
    });

    it('refuses a module without a top-level run with 400 saying so', async () => {
      const res = await upload(coder, 'def main():\n    return 1\n');
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody)).toEqual([
        'the script defines no top-level function named run (def run(*args): ... or async def run(*args): ...)',
      ]);
    });

    it('runs nothing of the script while checking it', async () => {
      const marker = path.join('/tmp', `cronwarden-py-upload-${Date.now()}`);
      const res = await upload(coder, `open(${JSON.stringify(marker)}, "w").write("ran")\n\ndef run():\n    pass\n`);
      expect(res.status).toBe(201);
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('ScriptJob over a Python script', () => {
    it('stores the JSON of run(*args) as the result', async () => {
      const execution = await runScript('def run(a, b):\n    return {"sum": a + b}\n', [2, 3]);
      expect(execution.state).toBe('succeeded');
      expect(JSON.parse(execution.result ?? 'null')).toEqual({ sum: 5 });
      const [row] = await db.rows<{ state: string; result: string }>(
        'SELECT state, result FROM executions WHERE id = $1',
        [execution.execution_id],
      );
      expect(row.state).toBe('succeeded');
      expect(JSON.parse(row.result)).toEqual({ sum: 5 });
    });

    it('awaits an async def run', async () => {
      const source =
        'import asyncio\n\nasync def run(who):\n    await asyncio.sleep(0.05)\n    return {"hello": who}\n';
      const execution = await runScript(source, ['world']);
      expect(execution.state).toBe('succeeded');
      expect(JSON.parse(execution.result ?? 'null')).toEqual({ hello: 'world' });
    });

    it('gives result null when run returns None', async () => {
      const execution = await runScript('def run():\n    return None\n');
      expect(execution.state).toBe('succeeded');
      expect(execution.result).toBeNull();
    });

    it('fails with the Python traceback, stdout and stderr when run raises', async () => {
      const source = [
        'import sys',
        '',
        'def helper(n):',
        '    raise KeyError(n)',
        '',
        'def run():',
        '    print("working on it")',
        '    print("careful", file=sys.stderr)',
        '    helper("missing")',
        '',
      ].join('\n');
      const execution = await runScript(source);
      expect(execution.state).toBe('failed');
      expect(execution.description).toContain("KeyError: 'missing'");
      const failure = failureOf(execution);
      expect(failure.error).toBe("KeyError: 'missing'");
      expect(failure.traceback).toMatch(/^Traceback \(most recent call last\):/);
      expect(failure.traceback).toContain('/job/script.py", line 9, in run');
      expect(failure.traceback).toContain('/job/script.py", line 4, in helper');
      expect(failure).toMatchObject({ stdout: 'working on it\n', stderr: 'careful\n' });
    });

    it('fails, saying so, when the return value is not JSON', async () => {
      const execution = await runScript('import datetime\n\ndef run():\n    return datetime.date(2026, 1, 1)\n');
      expect(execution.state).toBe('failed');
      expect(execution.description).toMatch(/not JSON-serialisable.*Object of type date is not JSON serializable/);
      expect(failureOf(execution).error).toMatch(/^not JSON-serialisable: TypeError/);
    });

    it('sends print to the live output stream while it runs', async () => {
      const base = await listen(t);
      const source =
        'import time\n\ndef run():\n    print("first line")\n    time.sleep(1.5)\n    print("second line")\n    return 1\n';
      const executionId = await runNow(coder, await pythonJob(coder, source));
      const stream = await EventStreamClient.open(base, `/api/v1/executions/${executionId}/output`, coder.bearer);
      try {
        const text = (): string =>
          stream
            .named<{ data: string }>('output')
            .map((event) => event.data)
            .join('');
        await stream.waitForEvent('first line', () => text().includes('first line'), 10_000);
        expect(text()).not.toContain('second line');
        await stream.waitForEvent('end', (event) => event.event === 'end', 15_000);
        expect(text()).toBe('first line\nsecond line\n');
      } finally {
        await stream.close();
      }
      expect((await finished(coder, executionId)).state).toBe('succeeded');
    });

    it('times out an endless loop', async () => {
      const started = Date.now();
      const execution = await runScript('def run():\n    while True:\n        pass\n', [], { timeout_seconds: 1 });
      expect(execution.state).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('runs only scripts its owner can see: B cannot use or see A’s Python script', async () => {
      const script = await upload(coder, 'def run():\n    return "mine"\n');
      const id = (script.body as { script_id: string }).script_id;
      expect((await rest.as(other).get(`/api/v1/scripts/${id}`)).status).toBe(404);
      const res = await rest
        .as(other)
        .post('/api/v1/jobs')
        .send({ name: 'steal', job_class_string: 'ScriptJob', pub_args: [id], paused: true });
      expect(res.status).toBe(400);
    });
  });

  describe('the sandbox holds for Python', () => {
    it('cannot read the app folder, .env, DATA_DIR, the server’s environment or /root beyond the interpreter', async () => {
      const dataDir = t.config.embedded.dataDir;
      const found = await detectPython('python3');
      const hidden = found.available ? found.install.hidden : [];
      const source = [
        'import os',
        '',
        'def attempt(action):',
        '    try:',
        '        return action()',
        '    except OSError as error:',
        '        return type(error).__name__',
        '',
        'def run():',
        '    return {',
        `        "env_file": attempt(lambda: open(${JSON.stringify(`${APP}/.env`)}).read()),`,
        `        "app": attempt(lambda: os.listdir(${JSON.stringify(APP)})),`,
        `        "data": attempt(lambda: os.listdir(${JSON.stringify(dataDir)})),`,
        '        "root": sorted(os.listdir("/root")),',
        '        "secret": os.environ.get("JWT_SECRET"),',
        '        "environ": sorted(os.environ),',
        '        "uid": os.getuid(),',
        `        "site_packages": [attempt(lambda: os.listdir(folder)) for folder in ${JSON.stringify(hidden)}],`,
        '    }',
        '',
      ].join('\n');
      const execution = await runScript(source);
      expect(execution.state).toBe('succeeded');
      const seen = JSON.parse(execution.result ?? '{}') as Record<string, unknown>;
      expect(seen).toMatchObject({
        env_file: 'FileNotFoundError',
        app: 'FileNotFoundError',
        data: 'FileNotFoundError',
      });
      expect(seen.secret).toBeNull();
      expect(seen.environ).toEqual(['HOME', 'LANG', 'PATH', 'TMPDIR']);
      expect(seen.uid).toBeGreaterThanOrEqual(RANGE.first);
      // Only the interpreter's own folders of /root (pyenv), if Python lives there: never the rest of it.
      expect((seen.root as string[]).every((entry) => entry === '.pyenv')).toBe(true);
      expect(execution.result).not.toContain(SECRET);
      // Packages installed into a Python of its own (pyenv's site-packages): not there, only the standard library.
      expect(seen.site_packages).toEqual(hidden.map(() => 'PermissionError'));
    });

    it('cannot write outside /work and /tmp: the interpreter, /job and the system are read-only', async () => {
      const found = await detectPython('python3');
      const executable = found.available ? found.install.executable : '/usr/bin/python3';
      const source = [
        'import os, sys',
        '',
        'def attempt(target):',
        '    try:',
        '        with open(target, "w") as handle:',
        '            handle.write("x")',
        '        return "written"',
        '    except OSError as error:',
        '        return type(error).__name__',
        '',
        'def run():',
        '    return {',
        '        "stdlib": attempt(os.path.join(os.path.dirname(os.__file__), "os.py")),',
        `        "interpreter": attempt(${JSON.stringify(executable)}),`,
        '        "job": attempt("/job/script.py"),',
        '        "etc": attempt("/etc/passwd"),',
        '        "work": attempt("/work/ok.txt"),',
        '        "tmp": attempt("/tmp/ok.txt"),',
        '    }',
        '',
      ].join('\n');
      const execution = await runScript(source);
      expect(execution.state).toBe('succeeded');
      const denied = expect.stringMatching(/^(OSError|PermissionError)$/) as unknown;
      expect(JSON.parse(execution.result ?? '{}')).toEqual({
        stdlib: denied,
        interpreter: denied,
        job: denied,
        etc: denied,
        work: 'written',
        tmp: 'written',
      });
    });

    it('cannot open a socket to anywhere when the network is denied (SANDBOX_NETWORK=none)', async () => {
      const source = [
        'import socket',
        '',
        'def run():',
        '    results = {}',
        `    for host, port in (("127.0.0.1", ${new URL(t.database.url).port || 5432}), ("1.1.1.1", 53)):`,
        '        try:',
        '            socket.create_connection((host, port), timeout=2).close()',
        '            results[host] = "connected"',
        '        except OSError as error:',
        '            results[host] = str(error)',
        '    return results',
        '',
      ].join('\n');
      const execution = await runScript(source);
      expect(execution.state).toBe('succeeded');
      const results = JSON.parse(execution.result ?? '{}') as Record<string, string>;
      expect(results['127.0.0.1']).toMatch(/Network is unreachable|Connection refused|Cannot assign/);
      expect(results['1.1.1.1']).toMatch(/Network is unreachable/);
    });

    it("cannot see other runs: a concurrent run's /work and processes are out of sight", async () => {
      const victim = await runNow(
        other,
        await pythonJob(
          other,
          'import time\n\ndef run():\n    open("/work/victim-note", "w").write("victim-secret")\n    time.sleep(2)\n    return open("/work/victim-note").read()\n',
        ),
      );
      const spy = await runScript(
        [
          'import glob, os',
          '',
          'def run():',
          '    pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]',
          '    places = ["/work/*", "/tmp/*", "/job/*", "/run/**", "/proc/*/cwd/*", "/proc/*/root/work/*"]',
          '    found = [path for place in places for path in glob.glob(place, recursive=True) if "victim" in path]',
          '    return {"pids": pids, "found": found}',
          '',
        ].join('\n'),
      );
      expect(spy.state).toBe('succeeded');
      const seen = JSON.parse(spy.result ?? '{}') as { pids: string[]; found: string[] };
      expect(seen.found).toEqual([]);
      expect(seen.pids).toEqual(['1']);
      const done = await finished(other, victim);
      expect(done.state).toBe('succeeded');
      expect(JSON.parse(done.result ?? 'null')).toBe('victim-secret');
    });
  });

  describe('on a server without Python (SCRIPT_PYTHON=off)', () => {
    let bare: TestApp;
    let bareRest: ReturnType<typeof restClient>;
    let user: Actor;

    beforeAll(async () => {
      bare = await createTestApp({ env: { SCRIPT_PYTHON: 'off', SANDBOX_UID_RANGE: `${RANGE.first}-${RANGE.last}` } });
      bareRest = restClient(bare);
      await newRole(bare, 'pycoder', ['job_create', 'job_view', 'job_run', 'execution_view', 'code_execute']);
      user = await newUser(bare, { roles: ['pycoder'] });
    });
    afterAll(async () => {
      await bare.close();
    });

    it('refuses .py uploads with 400 saying Python is not available, and what to install', async () => {
      const res = await bareRest
        .as(user)
        .post('/api/v1/scripts')
        .send({ name: 'a.py', source: 'def run():\n    pass\n' });
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody)).toEqual([
        expect.stringMatching(/^Python is not available on this server \(SCRIPT_PYTHON is off\): install python3/),
      ]);
    });

    it('keeps JavaScript scripts working, and says in the catalogue what Python scripts need', async () => {
      const script = await bareRest
        .as(user)
        .post('/api/v1/scripts')
        .send({ name: 'js.mjs', source: 'export function run(a, b) { return a * b }' });
      expect(script.status).toBe(201);
      const job = await bareRest.createJob(user, {
        name: 'js still works',
        job_class_string: 'ScriptJob',
        pub_args: [(script.body as { script_id: string }).script_id, 6, 7],
        paused: true,
      });
      const run = await bareRest.as(user).post(`/api/v1/executions/${job.job_id}`);
      expect(run.status).toBe(201);
      const done = await waitFor(
        'the JavaScript run to end',
        async () => {
          const res = await bareRest.as(user).get(`/api/v1/executions/${(run.body as Execution).execution_id}`);
          const body = res.body as Execution;
          return body.state === 'running' ? undefined : body;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(done.state).toBe('succeeded');
      expect(JSON.parse(done.result ?? 'null')).toBe(42);
      const classes = await bareRest.as(user).get('/api/v1/job-classes');
      const notes = JSON.stringify(classes.body);
      expect(notes).toContain('Python scripts need python3 (3.8 or newer)');
    });
  });
});
