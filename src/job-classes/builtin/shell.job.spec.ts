import { SANDBOX_PATH } from '../../sandbox/sandbox-limits.js';
import { processesInUidRange, sandboxConfig, workingSandbox } from '../../sandbox/sandbox.testing.js';
import { JobFailedError, type JobRunContext } from '../job-class.types.js';
import { type ShellResult, ShellJob } from './shell.job.js';

function contextWith(
  signal: AbortSignal = new AbortController().signal,
  outputMaxBytes = 65536,
  onOutput?: JobRunContext['onOutput'],
): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: 'u1', signal, logger: quiet, outputMaxBytes, onOutput };
}

/**
 * A context whose `printed` resolves once the program has written `marker` to stdout: a test aborts
 * only after the program has set itself up (a fixed delay is too short on a loaded machine).
 */
function contextAwaiting(marker: string, signal: AbortSignal): { context: JobRunContext; printed: Promise<void> } {
  let seen = '';
  let resolve = (): void => undefined;
  const printed = new Promise<void>((done) => (resolve = done));
  const context = contextWith(signal, 65536, (stream, chunk) => {
    seen += stream === 'stdout' ? chunk.toString() : '';
    if (seen.includes(marker)) resolve();
  });
  return { context, printed };
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

describe('ShellJob', () => {
  let job: ShellJob;

  beforeAll(async () => {
    const config = sandboxConfig({ uidRange: { first: 1911000000, last: 1911000999 } });
    job = new ShellJob(await workingSandbox(config), config);
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

  it('gives the program a minimal environment, without the server secrets, in /work', async () => {
    process.env.CRONWARDEN_SPEC_SECRET = 'do-not-leak';
    try {
      const env = (await job.run(['/usr/bin/env'], contextWith())).stdout.trim().split('\n').sort();
      expect(env).toEqual(['HOME=/work', 'LANG=C.UTF-8', `PATH=${SANDBOX_PATH}`, 'TMPDIR=/tmp']);
      const where = await job.run(['/bin/sh', '-c', 'pwd -P; id -u'], contextWith());
      const [cwd, uid] = where.stdout.trim().split('\n');
      expect(cwd).toBe('/work');
      expect(Number(uid)).toBeGreaterThanOrEqual(1911000000);
    } finally {
      delete process.env.CRONWARDEN_SPEC_SECRET;
    }
  });

  it('fails, saying so, when the run as a whole outgrows SANDBOX_MEMORY_MB', async () => {
    const hog = 'perl -e \'$x = "a" x (80 * 1024 * 1024); sleep 3\'';
    const error = await rejectionOf(
      job.run(['/bin/sh', '-c', `for i in 1 2 3 4; do ${hog} & done; wait`], contextWith()),
    );
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toMatch(
      /^ShellJob ran out of memory: the run reached its limit of SANDBOX_MEMORY_MB \(256 MiB\)/,
    );
  });

  it('fails on a non-zero exit, keeping the output as the result', async () => {
    const error = await rejectionOf(job.run(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], contextWith()));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob exited with code 3');
    expect((error as JobFailedError).result).toEqual({ returncode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('fails when the program dies by a signal', async () => {
    // A real fault: PID 1 of a namespace ignores signals others send it, but not its own crash.
    const crash = "exec perl -e 'print unpack(q(p), pack(q(J), 1))'";
    const error = await rejectionOf(job.run(['/bin/sh', '-c', `echo before; ${crash}`], contextWith()));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob was killed by SIGSEGV');
    expect((error as JobFailedError).result).toEqual({ returncode: -11, stdout: 'before\n', stderr: '' });
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

  it('ends the whole run when aborted, processes that left its group included', async () => {
    const controller = new AbortController();
    const { context, printed } = contextAwaiting('started', controller.signal);
    const run = job.run(['/bin/sh', '-c', 'setsid -f sleep 30; sleep 30 & echo started; sleep 30'], context);
    await printed;
    const started = Date.now();
    controller.abort(new Error('stopped on request'));
    const error = await rejectionOf(run);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toBe('ShellJob was stopped: stopped on request');
    expect(await processesInUidRange({ first: 1911000000, last: 1911000999 })).toEqual([]);
  });

  it('follows up with SIGKILL when the program ignores SIGTERM', async () => {
    const controller = new AbortController();
    const { context, printed } = contextAwaiting('trapped', controller.signal);
    const run = job.run(['/bin/sh', '-c', "trap '' TERM; echo trapped; sleep 30 & wait"], context);
    await printed;
    const started = Date.now();
    controller.abort(new Error('timed out after 1 s'));
    const error = await rejectionOf(run);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect((error as JobFailedError).result).toMatchObject({ returncode: -9 });
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
