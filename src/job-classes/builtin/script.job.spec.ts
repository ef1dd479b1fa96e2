import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sandboxConfig, sandboxForTests, workingSandbox } from '../../sandbox/sandbox.testing.js';
import type { AppConfig } from '../../config/app-config.js';
import { JobFailedError, type JobRunContext } from '../job-class.types.js';
import type { ScriptCode, ScriptSource } from '../script-source.js';
import { PythonInterpreter } from '../../sandbox/python-interpreter.js';
import { PythonScriptRunner } from './python/python-script.runner.js';
import type { ScriptFailure } from './script-outcome.js';
import { ScriptJob } from './script.job.js';

const OWNER = '0a7c1e53-5f6d-4b7e-9d43-2f1e8a9b6c01';
const RANGE = { first: 1912000000, last: 1912000999 };

/** Scripts by id, each visible to its owner only (what the real provider enforces). */
class FakeScripts implements ScriptSource {
  private readonly scripts = new Map<string, { owner: string; source: string }>();
  private next = 1;
  readonly asked: Array<{ scriptId: string; ownerId: string | null }> = [];

  add(source: string, owner = OWNER): string {
    const id = `00000000-0000-4000-8000-${String(this.next++).padStart(12, '0')}`;
    this.scripts.set(id, { owner, source });
    return id;
  }

  sourceFor(scriptId: string, ownerId: string | null): Promise<ScriptCode | null> {
    this.asked.push({ scriptId, ownerId });
    const script = this.scripts.get(scriptId);
    return Promise.resolve(
      script && script.owner === ownerId ? { source: script.source, language: 'javascript' } : null,
    );
  }
}

function contextWith(signal: AbortSignal = new AbortController().signal, outputMaxBytes = 65536): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: OWNER, signal, logger: quiet, outputMaxBytes };
}

async function rejectionOf(promise: Promise<unknown>): Promise<JobFailedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JobFailedError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function failureOf(error: JobFailedError): ScriptFailure {
  return error.result as ScriptFailure;
}

describe('ScriptJob', () => {
  beforeAll(async () => {
    await workingSandbox(sandboxConfig({ uidRange: RANGE }));
  });
  const scripts = new FakeScripts();
  const jobWith = (sandbox: Partial<AppConfig['sandbox']> = {}, jobs: Partial<AppConfig['jobs']> = {}): ScriptJob => {
    const config = sandboxConfig({ uidRange: RANGE, ...sandbox }, jobs);
    const python = new PythonInterpreter(config);
    const processes = sandboxForTests(config, python);
    return new ScriptJob(processes, config, scripts, new PythonScriptRunner(processes, python, config));
  };
  const job = jobWith();
  const run = (source: string, args: unknown[] = [], context = contextWith(), on = job): Promise<unknown> =>
    on.run([scripts.add(source), ...args], context);

  it('calls run(...args) and returns its value as the result', async () => {
    await expect(run('export function run(a, b) { return { sum: a + b } }', [1, 2])).resolves.toEqual({ sum: 3 });
  });

  it('waits for an async run and passes any JSON arguments as they are', async () => {
    const source = `export async function run(...args) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { args, count: args.length };
    }`;
    const args = [{ nested: [1, 'two', null] }, 'text', true, 1.5];
    await expect(run(source, args)).resolves.toEqual({ args, count: 4 });
  });

  it('returns undefined for undefined (the execution records no result), and ends the process even with timers left behind', async () => {
    const started = Date.now();
    await expect(run('export function run() { setInterval(() => {}, 1000) }')).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails with the error, its stack and the output when run throws', async () => {
    const source = `export function run() {
      console.log('about to fail');
      console.error('on stderr');
      throw new TypeError('boom');
    }`;
    const error = await rejectionOf(run(source));
    expect(error.message).toBe('The script threw: TypeError: boom');
    const failure = failureOf(error);
    expect(failure).toMatchObject({ error: 'TypeError: boom', stdout: 'about to fail\n', stderr: 'on stderr\n' });
    expect(failure.stack).toContain('script.mjs:4');
  });

  it('reports a throw outside run, a module that does not load, and one without run', async () => {
    const uncaught = await rejectionOf(
      run('export function run() { setTimeout(() => { throw new Error("late") }, 5); return new Promise(() => {}) }'),
    );
    expect(uncaught.message).toBe('The script threw (uncaught, outside run): Error: late');
    const broken = await rejectionOf(run('export function run( {'));
    expect(broken.message).toMatch(/^The script could not be loaded: SyntaxError/);
    const bare = await rejectionOf(run('import "left-pad"; export function run() {}'));
    expect(bare.message).toMatch(/^The script could not be loaded: Error: Cannot find package 'left-pad'/);
    const none = await rejectionOf(run('export const value = 1'));
    expect(none.message).toBe('The script exports no function named run');
  });

  it('fails when the script exits before returning', async () => {
    const error = await rejectionOf(run('export function run() { console.log("bye"); process.exit(3) }'));
    expect(error.message).toBe('The script exited with code 3 before returning');
    expect(failureOf(error)).toMatchObject({ error: 'exited with code 3', stdout: 'bye\n' });
    const zero = await rejectionOf(run('export function run() { process.exit(0) }'));
    expect(zero.message).toBe('The script exited with code 0 before returning');
  });

  it('fails when the value is not JSON-serialisable', async () => {
    const bigint = await rejectionOf(run('export function run() { return { n: 10n } }'));
    expect(bigint.message).toMatch(/^The script's return value is not JSON-serialisable: .*BigInt/);
    const circular = await rejectionOf(run('export function run() { const a = {}; a.self = a; return a }'));
    expect(circular.message).toMatch(/not JSON-serialisable: .*circular/i);
    const fn = await rejectionOf(run('export function run() { return () => 1 }'));
    expect(fn.message).toBe("The script's return value is not JSON-serialisable: a function is not a JSON value");
  });

  it('cuts a value past RESULT_MAX_BYTES in the child, keeping its start', async () => {
    const small = jobWith({}, { resultMaxBytes: 2048 });
    const value = (await run('export function run() { return "é".repeat(100000) }', [], contextWith(), small)) as {
      truncated: boolean;
      bytes: number;
      head: string;
    };
    expect(value).toMatchObject({ truncated: true, bytes: 200002 });
    expect(value.head.startsWith('"éé')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(value))).toBeLessThanOrEqual(2048);
  });

  it('ends an endless loop when aborted', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort(new Error('timed out after 1 s'));
    }, 500);
    const error = await rejectionOf(run('export function run() { for (;;) {} }', [], contextWith(controller.signal)));
    // At once: the grace of 2 s before SIGKILL is for a script that handles SIGTERM itself.
    expect(Date.now() - abortedAt).toBeLessThan(1_500);
    expect(error.message).toBe('ScriptJob was stopped: timed out after 1 s');
  });

  it('kills a script that ignores SIGTERM 2 s after the abort', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort(new Error('stopped on request'));
    }, 1_000);
    const source = "process.on('SIGTERM', () => {}); export function run() { for (;;) {} }";
    const error = await rejectionOf(run(source, [], contextWith(controller.signal)));
    expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - abortedAt).toBeLessThan(3_500);
    expect(error.message).toBe('ScriptJob was stopped: stopped on request');
  });

  it('fails quickly, saying so, when the script allocates without bound', async () => {
    const started = Date.now();
    const error = await rejectionOf(
      run('export function run() { const a = []; for (;;) a.push(new Array(1e6).fill(1)) }'),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toBe('The script ran out of memory (SANDBOX_MEMORY_MB is 256 MiB)');
    expect(failureOf(error).stderr).toMatch(/heap out of memory/);
    const buffers = await rejectionOf(
      run('export function run() { const a = []; for (;;) a.push(Buffer.alloc(64 * 1024 * 1024, 1)) }'),
    );
    expect(buffers.message).toMatch(/^The script ran out of memory/);
  });

  it('does not see the server environment', async () => {
    const saved = process.env.JWT_SECRET;
    process.env.JWT_SECRET = 'leak-me';
    try {
      const source =
        'export function run() { return { secret: process.env.JWT_SECRET ?? null, names: Object.keys(process.env).sort() } }';
      await expect(run(source)).resolves.toEqual({ secret: null, names: ['HOME', 'LANG', 'PATH', 'TMPDIR'] });
    } finally {
      if (saved === undefined) delete process.env.JWT_SECRET;
      else process.env.JWT_SECRET = saved;
    }
  });

  it('may use its work dir, but no other file, no child process and no worker', async () => {
    const source = `import { readFileSync, writeFileSync } from 'node:fs';
    import { execFileSync } from 'node:child_process';
    const attempt = (action) => { try { action(); return 'allowed' } catch (error) { return error.code ?? error.message } };
    export function run() {
      return {
        own: attempt(() => { writeFileSync('scratch.txt', 'x'); readFileSync('scratch.txt') }),
        passwd: attempt(() => readFileSync('/etc/passwd')),
        child: attempt(() => execFileSync('/bin/true')),
        uid: process.getuid(),
      };
    }`;
    const result = (await run(source)) as Record<string, unknown>;
    expect(result).toMatchObject({ own: 'allowed', passwd: 'ERR_ACCESS_DENIED', child: 'ERR_ACCESS_DENIED' });
    expect(result.uid).toBeGreaterThanOrEqual(RANGE.first);
    expect(result.uid).toBeLessThanOrEqual(RANGE.last);
  });

  it('fails when the script garbles its result channel', async () => {
    const source = `import { writeSync } from 'node:fs';
    export function run() { writeSync(3, 'not json'); return 1 }`;
    const error = await rejectionOf(run(source));
    expect(error.message).toBe('The script wrote something else than its result to file descriptor 3');
  });

  describe('network', () => {
    let server: Server;
    let url: string;
    const fetchSource = `export async function run(url) {
      try { const response = await fetch(url); return { ok: true, body: await response.text() } }
      catch (error) { return { ok: false, error: String(error.cause?.code ?? error.message) } }
    }`;

    beforeAll(async () => {
      server = createServer((_request, response) => response.end('hello from the host'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('reaches the network with SANDBOX_NETWORK=host', async () => {
      await expect(run(fetchSource, [url], contextWith(), jobWith({ network: 'host' }))).resolves.toEqual({
        ok: true,
        body: 'hello from the host',
      });
    });

    it('has no network by default (SANDBOX_NETWORK=none)', async () => {
      const result = await run(fetchSource, [url], contextWith(), jobWith());
      expect(result).toMatchObject({ ok: false });
    });
  });

  it('asks the script source for the job owner, and fails clearly when it has nothing', async () => {
    const id = scripts.add('export function run() { return 1 }', 'someone-else');
    await expect(job.run([id], contextWith())).rejects.toThrow(`ScriptJob could not find the script ${id}`);
    expect(scripts.asked.at(-1)).toEqual({ scriptId: id, ownerId: OWNER });
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped on request'));
    await expect(run('export function run() { return 1 }', [], contextWith(controller.signal))).rejects.toThrow(
      'stopped on request',
    );
  });

  it('checks the script id is a UUID', () => {
    expect(job.checkArguments(['not-a-uuid'])).toBe('pub_args[0] (script_id) must be a UUID');
    expect(job.checkArguments(['6f1c2b1e-8f43-4c1a-9a57-3f4f0c5d2e10', 1, { a: 2 }])).toBeNull();
  });
});
