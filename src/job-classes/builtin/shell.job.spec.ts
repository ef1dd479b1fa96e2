import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SANDBOX_PATH } from '../../sandbox/sandbox-limits.js';
import { sandboxForTests } from '../../sandbox/sandbox.testing.js';
import { JobFailedError, type JobRunContext } from '../job-class.types.js';
import { type ShellResult, ShellJob } from './shell.job.js';

function contextWith(signal: AbortSignal = new AbortController().signal, outputMaxBytes = 65536): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: 'u1', signal, logger: quiet, outputMaxBytes };
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Killed processes are reaped by PID 1 (not by us), which can take a moment. */
async function waitUntilGroupGone(pgid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupExists(pgid)) {
    if (Date.now() > deadline) return false;
    await delay(25);
  }
  return true;
}

async function waitForPid(file: string): Promise<number> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return Number(text.trim());
    await delay(25);
  }
  throw new Error(`no pid in ${file}`);
}

describe('ShellJob', () => {
  const job = new ShellJob(sandboxForTests());
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'shell-job-spec-'));
    // The program may run as the sandbox user (tests run as root): let it write its pid here.
    await chmod(scratch, 0o777);
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs a program and returns its exit code and output', async () => {
    await expect(job.run(['/bin/echo', 'hello', 'world'], contextWith())).resolves.toEqual({
      returncode: 0,
      stdout: 'hello world\n',
      stderr: '',
    });
  });

  it('passes arguments as they are, without a shell', async () => {
    const result = await job.run(['/bin/echo', '$HOME', '*', '; rm -rf /', '`id`'], contextWith());
    expect(result.stdout).toBe('$HOME * ; rm -rf / `id`\n');
  });

  it('looks a bare program name up in PATH', async () => {
    await expect(job.run(['echo', 'found'], contextWith())).resolves.toMatchObject({ stdout: 'found\n' });
  });

  it('gives the program a minimal environment, without the server secrets, in a fresh work dir removed afterwards', async () => {
    process.env.CRONWARDEN_SPEC_SECRET = 'do-not-leak';
    try {
      const env = (await job.run(['/usr/bin/env'], contextWith())).stdout.trim().split('\n').sort();
      const home = (env.find((line) => line.startsWith('HOME=')) ?? '').slice('HOME='.length);
      expect(path.basename(home)).toMatch(/^cronwarden-run-/);
      expect(env).toEqual([`HOME=${home}`, 'LANG=C.UTF-8', `PATH=${SANDBOX_PATH}`, `TMPDIR=${home}`]);
      await expect(stat(home)).rejects.toMatchObject({ code: 'ENOENT' });
      const where = await job.run(['/bin/sh', '-c', 'pwd -P; echo "$HOME"'], contextWith());
      const [cwd, ownHome] = where.stdout.trim().split('\n');
      expect(cwd).toBe(ownHome);
      expect(cwd).not.toBe(home);
    } finally {
      delete process.env.CRONWARDEN_SPEC_SECRET;
    }
  });

  (process.getuid?.() === 0 ? it : it.skip)('runs the program as the unprivileged sandbox user', async () => {
    const result = await job.run(['/usr/bin/id', '-u'], contextWith());
    expect(result.stdout.trim()).not.toBe('0');
    expect(result.stdout.trim()).toBe(execFileSync('id', ['-u', 'cronwarden-sandbox']).toString().trim());
  });

  it('caps the memory a program may allocate at SANDBOX_MEMORY_MB', async () => {
    const source =
      'try { Buffer.alloc(300 * 1024 * 1024); console.log("allocated") } catch (e) { console.log(e.message) }';
    const result = await job.run([process.execPath, '-e', source], contextWith());
    expect(result.stdout).toBe('Array buffer allocation failed\n');
  });

  it('fails on a non-zero exit, keeping the output as the result', async () => {
    const error = await rejectionOf(job.run(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], contextWith()));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob exited with code 3');
    expect((error as JobFailedError).result).toEqual({ returncode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('fails when the program dies by a signal', async () => {
    const error = await rejectionOf(job.run(['/bin/sh', '-c', 'echo before; kill -KILL $$'], contextWith()));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob was killed by SIGKILL');
    expect((error as JobFailedError).result).toEqual({ returncode: -9, stdout: 'before\n', stderr: '' });
  });

  it('says when the executable does not exist', async () => {
    await expect(job.run(['/no/such/program'], contextWith())).rejects.toThrow(
      new Error('ShellJob could not find the executable /no/such/program'),
    );
    await expect(job.run(['no-such-program-anywhere'], contextWith())).rejects.toThrow(
      'ShellJob could not find the executable no-such-program-anywhere',
    );
  });

  it('cuts each output at outputMaxBytes, says so, and still reads the program to its end', async () => {
    const result = await job.run(['/usr/bin/head', '-c', '200000', '/dev/zero'], contextWith(undefined, 1024));
    expect(result.returncode).toBe(0);
    expect(result.stdout).toBe(`${'\0'.repeat(1024)}\n[truncated: ${200000 - 1024} more bytes]`);
    const error = await rejectionOf(
      job.run(['/bin/sh', '-c', 'head -c 5000 /dev/zero >&2; exit 1'], contextWith(undefined, 1024)),
    );
    expect(((error as JobFailedError).result as ShellResult).stderr).toMatch(/\n\[truncated: 3976 more bytes\]$/);
  });

  it('kills the whole process group when aborted', async () => {
    const pidFile = path.join(scratch, 'group.pid');
    const controller = new AbortController();
    const run = job.run(['/bin/sh', '-c', `echo $$ > ${pidFile}; sleep 30 & sleep 30`], contextWith(controller.signal));
    const pgid = await waitForPid(pidFile);
    expect(groupExists(pgid)).toBe(true);
    const started = Date.now();
    controller.abort(new Error('stopped on request'));
    const error = await rejectionOf(run);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob was stopped: stopped on request');
    expect((error as JobFailedError).result).toMatchObject({ returncode: -15 });
    expect(await waitUntilGroupGone(pgid)).toBe(true);
  });

  it('follows up with SIGKILL when the group ignores SIGTERM', async () => {
    const pidFile = path.join(scratch, 'stubborn.pid');
    const controller = new AbortController();
    const run = job.run(
      ['/bin/sh', '-c', `trap '' TERM; echo $$ > ${pidFile}; sleep 30 & sleep 30`],
      contextWith(controller.signal),
    );
    const pgid = await waitForPid(pidFile);
    const started = Date.now();
    controller.abort(new Error('timed out after 1 s'));
    const error = await rejectionOf(run);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect((error as JobFailedError).result).toMatchObject({ returncode: -9 });
    expect(await waitUntilGroupGone(pgid)).toBe(true);
  });

  it('ends processes the program leaves behind, instead of waiting for them', async () => {
    const started = Date.now();
    const result = await job.run(['/bin/sh', '-c', 'sleep 30 & echo started'], contextWith());
    expect(result).toEqual({ returncode: 0, stdout: 'started\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped on request'));
    await expect(job.run(['/bin/echo', 'never'], contextWith(controller.signal))).rejects.toThrow('stopped on request');
  });

  it('refuses an empty executable and NUL characters, naming the field', () => {
    expect(job.checkArguments([''])).toBe('pub_args[0] (executable) must not be empty');
    expect(job.checkArguments(['/bin/echo', 'ok', 'a\0b'])).toBe('pub_args[2] (args) must not contain NUL characters');
    expect(job.checkArguments(['/bin/echo', 'ok'])).toBeNull();
  });
});
