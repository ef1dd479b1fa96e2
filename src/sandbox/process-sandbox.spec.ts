import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SandboxHost } from './sandbox-host.js';
import {
  SANDBOX_MAX_FILE_BYTES,
  SANDBOX_MAX_OPEN_FILES,
  SANDBOX_MAX_PROCESSES,
  SANDBOX_NICENESS,
  SANDBOX_PATH,
} from './sandbox-limits.js';
import { sandboxConfig, sandboxForTests } from './sandbox.testing.js';
import type { SandboxSpec } from './sandbox.types.js';

const isRoot = process.getuid?.() === 0;
const never = new AbortController().signal;

function spec(argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return { argv, signal: never, outputMaxBytes: 65536, ...extra };
}

/** Alive and not a zombie (a killed grandchild waits for PID 1 to reap it, holding nothing). */
async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A controller aborted `ms` from now. */
function abortAfter(ms: number, reason = 'stopped on request'): AbortController {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error(reason)), ms).unref();
  return controller;
}

describe('ProcessSandbox', () => {
  const sandbox = sandboxForTests();
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'sandbox-spec-'));
    await chmod(scratch, 0o755);
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('passes nothing of the server environment: only PATH, HOME, TMPDIR and LANG', async () => {
    const saved = { JWT_SECRET: process.env.JWT_SECRET, DATABASE_URL: process.env.DATABASE_URL };
    process.env.JWT_SECRET = 'leak-me';
    process.env.DATABASE_URL = 'postgres://cronwarden:leak-me-too@127.0.0.1:5432/cronwarden';
    try {
      const result = await sandbox.run(spec(['/usr/bin/env']));
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toContain('leak-me');
      expect(result.stdout).not.toContain('JWT_SECRET');
      expect(result.stdout).not.toContain('DATABASE_URL');
      const names = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      expect(names).toEqual(['HOME', 'LANG', 'PATH', 'TMPDIR']);
      expect(result.stdout).toContain(`PATH=${SANDBOX_PATH}\n`);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('runs in a fresh private work dir holding the given files, removed afterwards', async () => {
    const result = await sandbox.run(
      spec(['/bin/sh', '-c', 'pwd -P; stat -c "%a %U" .; ls -A; cat note.txt; echo "$HOME $TMPDIR"'], {
        files: { 'note.txt': 'hello from the server\n', 'data.bin': Buffer.from([1, 2, 3]) },
      }),
    );
    const [cwd, modeAndOwner, ...rest] = result.stdout.trim().split('\n');
    expect(path.dirname(cwd)).toBe(tmpdir());
    expect(path.basename(cwd)).toMatch(/^cronwarden-run-/);
    expect(modeAndOwner).toBe(
      isRoot ? '700 cronwarden-sandbox' : `700 ${execFileSync('id', ['-un']).toString().trim()}`,
    );
    expect(rest).toEqual(['data.bin', 'note.txt', 'hello from the server', `${cwd} ${cwd}`]);
    await expect(stat(cwd)).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await sandbox.run(spec(['/bin/pwd']));
    expect(again.stdout.trim()).not.toBe(cwd);
  });

  it('removes the work dir even when the program locked folders in it, without following its symlinks', async () => {
    const outside = path.join(scratch, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'keep.txt'), 'keep');
    const result = await sandbox.run(
      spec([
        '/bin/sh',
        '-c',
        `pwd -P; mkdir -p locked/deeper && touch locked/deeper/file && chmod 000 locked; ln -s ${outside} link; ln -s / root`,
      ]),
    );
    expect(result.exitCode).toBe(0);
    await expect(stat(result.stdout.trim())).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(path.join(outside, 'keep.txt'), 'utf8')).resolves.toBe('keep');
  });

  (isRoot ? it : it.skip)('runs as the unprivileged sandbox user when the server runs as root', async () => {
    const result = await sandbox.run(spec(['/usr/bin/id']));
    const uid = execFileSync('id', ['-u', 'cronwarden-sandbox']).toString().trim();
    const gid = execFileSync('id', ['-g', 'cronwarden-sandbox']).toString().trim();
    expect(result.stdout).toBe(
      `uid=${uid}(cronwarden-sandbox) gid=${gid}(cronwarden-sandbox) groups=${gid}(cronwarden-sandbox)\n`,
    );
    expect(uid).not.toBe('0');
    const status = await sandbox.run(spec(['/bin/grep', '-E', '^(NoNewPrivs|CapEff)', '/proc/self/status']));
    expect(status.stdout).toBe('CapEff:\t0000000000000000\nNoNewPrivs:\t1\n');
  });

  it('sets the rlimits and a lower priority', async () => {
    const limits = await sandbox.run(spec(['/bin/cat', '/proc/self/limits'], { memoryMb: 300 }));
    const limit = (name: string): string => {
      const line = limits.stdout.split('\n').find((entry) => entry.startsWith(name)) ?? '';
      return line.slice(26).trim().split(/\s+/)[0];
    };
    expect(limit('Max data size')).toBe(String(300 * 1024 * 1024));
    expect(limit('Max address space')).toBe('unlimited');
    expect(limit('Max file size')).toBe(String(SANDBOX_MAX_FILE_BYTES));
    expect(limit('Max open files')).toBe(String(SANDBOX_MAX_OPEN_FILES));
    expect(limit('Max core file size')).toBe('0');
    if (isRoot) expect(limit('Max processes')).toBe(String(SANDBOX_MAX_PROCESSES));
    const defaults = await sandbox.run(spec(['/bin/cat', '/proc/self/limits']));
    expect(defaults.stdout).toMatch(new RegExp(`Max data size\\s+${256 * 1024 * 1024}\\s`));
    const nice = await sandbox.run(spec(['/usr/bin/nice']));
    expect(nice.stdout).toBe(`${SANDBOX_NICENESS}\n`);
  });

  it('caps memory, not address space: node starts, and an allocation past the cap fails', async () => {
    const source =
      'const a = []; try { for (;;) a.push(Buffer.alloc(32 * 1024 * 1024, 1)) } catch (e) { console.log(a.length, e.message) }';
    const result = await sandbox.run(spec([process.execPath, '-e', source]));
    expect(result.stdout).toMatch(/^[1-7] Array buffer allocation failed\n$/);
    const roomier = await sandbox.run(spec([process.execPath, '-e', source], { memoryMb: 512 }));
    expect(Number(roomier.stdout.split(' ')[0])).toBeGreaterThan(8);
  });

  it('kills the whole process group, grandchildren included, when aborted', async () => {
    const started = Date.now();
    const result = await sandbox.run(
      spec(['/bin/sh', '-c', 'echo $$; sleep 60 & echo $!; sleep 60'], { signal: abortAfter(500).signal }),
    );
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(result.aborted).toBe(true);
    expect(result.signal).toBe('SIGTERM');
    const pids = result.stdout.trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await processAlive(pid)).toBe(false);
  });

  it('follows up with SIGKILL when the group ignores SIGTERM', async () => {
    const started = Date.now();
    const result = await sandbox.run(
      spec(['/bin/sh', '-c', "trap '' TERM; echo $$; sleep 60 & echo $!; sleep 60"], {
        signal: abortAfter(300).signal,
      }),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2_200);
    expect(elapsed).toBeLessThan(4_000);
    expect(result.signal).toBe('SIGKILL');
    for (const pid of result.stdout.trim().split('\n').map(Number)) expect(await processAlive(pid)).toBe(false);
  });

  it('ends what a program leaves behind in its group when it exits', async () => {
    const started = Date.now();
    const result = await sandbox.run(spec(['/bin/sh', '-c', 'sleep 60 & echo $!']));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result).toMatchObject({ exitCode: 0, aborted: false });
    expect(await processAlive(Number(result.stdout.trim()))).toBe(false);
  });

  it('does not wait for a process that left the group and holds the pipes', async () => {
    const started = Date.now();
    const result = await sandbox.run(spec(['/bin/sh', '-c', 'setsid sleep 3 & echo started']));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.stdout).toBe('started\n');
  });

  it('reads a flood of output to the end with bounded memory, keeping the first bytes', async () => {
    const before = process.memoryUsage().rss;
    let maxLagMs = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      maxLagMs = Math.max(maxLagMs, Date.now() - last - 10);
      last = Date.now();
    }, 10);
    const result = await sandbox.run(
      spec(['/usr/bin/yes'], { signal: abortAfter(1_000).signal, outputMaxBytes: 4096 }),
    );
    clearInterval(ticker);
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stdout.startsWith('y\n'.repeat(2048))).toBe(true);
    expect(result.stdout).toMatch(/\n\[truncated: \d+ more bytes\]$/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(maxLagMs).toBeLessThan(200);
  });

  it('gives the program a result channel on file descriptor 3 when asked', async () => {
    const result = await sandbox.run(
      spec(['/bin/sh', '-c', 'echo out; echo result >&3'], { channel: { maxBytes: 100 } }),
    );
    expect(result.stdout).toBe('out\n');
    expect(result.channel).toEqual({ bytes: Buffer.from('result\n'), truncated: false });
    const closed = await sandbox.run(spec(['/bin/sh', '-c', 'echo result >&3']));
    expect(closed.exitCode).not.toBe(0);
    expect(closed.channel).toBeUndefined();
  });

  it('cuts the network when asked, where the system allows it', async () => {
    const ownNamespace = await readlink('/proc/self/ns/net');
    const host = await sandbox.run(spec(['/usr/bin/readlink', '/proc/self/ns/net'], { network: 'host' }));
    expect(host.stdout.trim()).toBe(ownNamespace);
    const config = sandboxConfig();
    const cutter = await new SandboxHost(config).networkCutter();
    const none = await sandbox.run(spec(['/usr/bin/readlink', '/proc/self/ns/net'], { network: 'none' }));
    // Where no namespace can be made, the documented fallback: a warning, and the host network.
    if (cutter) expect(none.stdout.trim()).not.toBe(ownNamespace);
    else expect(none.stdout.trim()).toBe(ownNamespace);
    if (isRoot) expect(cutter).toMatchObject({ privileged: true });
  });

  it('says clearly when the program cannot be started', async () => {
    await expect(sandbox.run(spec(['/no/such/program']))).rejects.toMatchObject({
      name: 'SandboxStartError',
      code: 'ENOENT',
    });
    await expect(sandbox.run(spec(['no-such-program-anywhere']))).rejects.toMatchObject({ code: 'ENOENT' });
    const plain = path.join(scratch, 'not-executable');
    await writeFile(plain, 'echo hi\n', { mode: 0o644 });
    await expect(sandbox.run(spec([plain]))).rejects.toMatchObject({ code: 'EACCES' });
    await expect(sandbox.run(spec(['/bin/echo', 'a\0b']))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  (isRoot ? it : it.skip)('says so when the sandbox user may not execute the program', async () => {
    const closed = await mkdtemp(path.join(tmpdir(), 'sandbox-closed-'));
    try {
      const program = path.join(closed, 'tool');
      await writeFile(program, '#!/bin/sh\necho hi\n', { mode: 0o755 });
      await expect(sandbox.run(spec([program]))).rejects.toMatchObject({
        code: 'EACCES',
        message: expect.stringContaining('may not be executed by the sandbox user') as string,
      });
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped on request'));
    await expect(sandbox.run(spec(['/bin/echo'], { signal: controller.signal }))).rejects.toThrow('stopped on request');
  });

  it('keeps the server responsive while runs go on side by side', async () => {
    const runs = Array.from({ length: 4 }, (_, index) =>
      sandbox.run(spec(['/bin/sh', '-c', `sleep 0.2; echo ${index}`])),
    );
    const lagStart = Date.now();
    await delay(50);
    expect(Date.now() - lagStart).toBeLessThan(150);
    const results = await Promise.all(runs);
    expect(results.map((result) => result.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n']);
  });
});
