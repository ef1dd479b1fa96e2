import { jest } from '@jest/globals';
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProcessSandbox } from './process-sandbox.js';
import { PythonInterpreter } from './python-interpreter.js';
import { rangeMapped } from './sandbox-host.js';
import { SANDBOX_PATH } from './sandbox-limits.js';
import { processesInUidRange, sandboxConfig, sandboxForTests, workingSandbox } from './sandbox.testing.js';
import type { OutputTap, SandboxSpec } from './sandbox.types.js';

/** A range of this file's own, so that what is left of its runs can be counted from outside. */
const RANGE = { first: 1910000000, last: 1910000999 };
const never = new AbortController().signal;

function spec(argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return { argv, signal: never, outputMaxBytes: 65536, ...extra };
}

/** A signal aborted `ms` from now. */
function abortAfter(ms: number, reason = 'stopped on request'): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error(reason)), ms).unref();
  return controller.signal;
}

/** A stop request sent as soon as the program writes "ready" on stdout. */
function stopWhenReady(): { signal: AbortSignal; onOutput: OutputTap; stoppedAt(): number } {
  const controller = new AbortController();
  let at = 0;
  return {
    signal: controller.signal,
    onOutput: (stream, chunk) => {
      if (at === 0 && stream === 'stdout' && chunk.toString().includes('ready')) {
        at = Date.now();
        controller.abort(new Error('stopped on request'));
      }
    },
    stoppedAt: () => at,
  };
}

async function leftOver(): Promise<Array<{ pid: number; name: string }>> {
  return processesInUidRange(RANGE);
}

describe('ProcessSandbox', () => {
  let sandbox: ProcessSandbox;

  beforeAll(async () => {
    sandbox = await workingSandbox(sandboxConfig({ uidRange: RANGE, memoryMb: 128, tmpfsMb: 8, maxProcesses: 64 }));
  });
  afterEach(async () => {
    expect(await leftOver()).toEqual([]);
  });

  it('passes nothing of the server environment: only PATH, HOME, TMPDIR and LANG', async () => {
    process.env.JWT_SECRET_SPEC = 'leak-me';
    try {
      const result = await sandbox.run(spec(['/usr/bin/env']));
      expect(result.stdout.trim().split('\n').sort()).toEqual([
        'HOME=/work',
        'LANG=C.UTF-8',
        `PATH=${SANDBOX_PATH}`,
        'TMPDIR=/tmp',
      ]);
    } finally {
      delete process.env.JWT_SECRET_SPEC;
    }
  });

  it('shows the system read-only and nothing of the server: not its folder, not /root, not other runs', async () => {
    const app = path.resolve(import.meta.dirname, '..', '..');
    // The Python interpreter's own folders are shown at their paths (a pyenv one lies in /root): only those.
    const python = await new PythonInterpreter(sandboxConfig()).folders();
    const pythonTop = python.map((folder) => folder.split('/')[1]);
    const inRoot = python.filter((folder) => folder.startsWith('/root/')).map((folder) => folder.split('/')[2]);
    const top = [...new Set(['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr', 'work', ...pythonTop])];
    const script = [
      'ls /',
      `test -e ${app}/package.json && echo APP-VISIBLE`,
      `test "$(ls -A /root 2>/dev/null | tr '\\n' ' ')" = "${[...new Set(inRoot)]
        .sort()
        .map((name) => `${name} `)
        .join('')}" || echo ROOT-VISIBLE`,
      'touch /usr/x 2>/dev/null && echo USR-WRITABLE',
      'touch /etc/x 2>/dev/null && echo ETC-WRITABLE',
      'ls /proc | grep -c "^[0-9]"',
      'ls /dev',
      'pwd',
      'touch /work/a /tmp/b && echo wrote',
      'exit 0',
    ].join('; ');
    const result = await sandbox.run(spec(['/bin/sh', '-c', script]));
    const lines = result.stdout.split('\n');
    expect(result.stdout).not.toMatch(/VISIBLE|WRITABLE/);
    expect(lines.slice(0, top.length)).toEqual(top.sort());
    const rest = lines.slice(top.length);
    // Its own processes only: sh, ls and grep.
    expect(Number(rest[0])).toBeLessThanOrEqual(4);
    expect(rest.slice(1, 10)).toEqual(['fd', 'full', 'null', 'random', 'stderr', 'stdin', 'stdout', 'urandom', 'zero']);
    expect(rest.slice(10, 12)).toEqual(['/work', 'wrote']);
  });

  it('gives each run a uid of its own from the range, never root, without groups or privileges', async () => {
    const show = spec(['/bin/sh', '-c', 'id -u; id -G; grep -E "^(NoNewPrivs|CapEff)" /proc/self/status; sleep 0.3']);
    const [first, second] = await Promise.all([sandbox.run(show), sandbox.run(show)]);
    const uids = [first, second].map((result) => Number(result.stdout.split('\n')[0]));
    for (const uid of uids) {
      expect(uid).toBeGreaterThanOrEqual(RANGE.first);
      expect(uid).toBeLessThanOrEqual(RANGE.last);
    }
    expect(uids[0]).not.toBe(uids[1]);
    expect(first.stdout.split('\n')[1]).toBe(String(uids[0]));
    expect(first.stdout).toMatch(/CapEff:\s+0+\n/);
    expect(first.stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it('gives the files read-only at /job, and caps /work and /tmp', async () => {
    const result = await sandbox.run(
      spec(
        [
          '/bin/sh',
          '-c',
          'cat /job/hello.txt; echo x > /job/hello.txt || echo read-only; head -c 20000000 /dev/zero > /work/big || echo full',
        ],
        {
          files: { 'hello.txt': 'hi\n' },
        },
      ),
    );
    expect(result.stdout).toBe('hi\nread-only\nfull\n');
    expect(result.stderr).toContain('No space left on device');
  });

  it('ends every process of a run when its program exits, setsid and double forks included', async () => {
    const started = Date.now();
    const result = await sandbox.run(
      spec(['/bin/sh', '-c', 'setsid -f sleep 111; (sleep 112 &) ; nohup sleep 113 >/dev/null 2>&1 & echo started']),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
  });

  it('ends the whole run at once on a stop when its PID 1 has no SIGTERM handler', async () => {
    const started = Date.now();
    const result = await sandbox.run(spec(['/bin/sleep', '60'], { signal: abortAfter(300) }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result).toMatchObject({ aborted: true, signal: 'SIGKILL' });
  });

  it('gives a PID 1 that handles SIGTERM its grace, and escapes nothing when the group is left', async () => {
    // Stopped once the program says it is ready (its trap is set), not after a fixed delay: on a
    // loaded machine the shell may not have reached the trap 300 ms after the start.
    const graceful = stopWhenReady();
    const gracefulResult = await sandbox.run(
      spec(['/bin/sh', '-c', 'setsid -f sleep 114; trap "echo bye; exit 3" TERM; echo ready; sleep 60 & wait'], {
        signal: graceful.signal,
        onOutput: graceful.onOutput,
      }),
    );
    expect(gracefulResult).toMatchObject({ aborted: true, exitCode: 3, stdout: 'ready\nbye\n' });
    const stubborn = stopWhenReady();
    const stubbornResult = await sandbox.run(
      spec(['/bin/sh', '-c', "trap '' TERM; setsid -f sleep 115; echo ready; sleep 60 & wait"], {
        signal: stubborn.signal,
        onOutput: stubborn.onOutput,
      }),
    );
    const elapsed = Date.now() - stubborn.stoppedAt();
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_500);
    expect(stubbornResult.signal).toBe('SIGKILL');
  });

  it('caps the processes of a run, all together, without touching another run', async () => {
    const [flood, other] = await Promise.all([
      sandbox.run(spec(['/bin/sh', '-c', 'for i in $(seq 200); do sleep 5 & done; echo done'])),
      (async () => {
        await delay(500);
        return sandbox.run(spec(['/bin/sh', '-c', 'sleep 0.1 & wait; echo fine']));
      })(),
    ]);
    expect(flood.stderr).toMatch(/fork/i);
    expect(other).toMatchObject({ exitCode: 0, stdout: 'fine\n' });
  });

  it('caps the memory of the whole run, not each process, and says so', async () => {
    const hog = 'perl -e \'$x = "a" x (60 * 1024 * 1024); sleep 5\'';
    const result = await sandbox.run(spec(['/bin/sh', '-c', `for i in 1 2 3 4 5; do ${hog} & done; wait`]));
    expect(result.outOfMemory).toBe(true);
  });

  it('keeps a run off the network unless asked, and in a namespace of its own', async () => {
    const host = await readlink('/proc/self/ns/net');
    const none = await sandbox.run(
      spec(['/bin/sh', '-c', 'readlink /proc/self/ns/net; cat /proc/net/dev | tail -n +3']),
    );
    const [namespace, ...interfaces] = none.stdout.trim().split('\n');
    expect(namespace).not.toBe(host);
    expect(interfaces.map((line) => line.trim().split(':')[0])).toEqual(['lo']);
    const shared = await sandbox.run(spec(['/usr/bin/readlink', '/proc/self/ns/net'], { network: 'host' }));
    expect(shared.stdout.trim()).toBe(host);
  });

  it('reads a flood of output to the end with bounded memory, keeping the first bytes', async () => {
    const result = await sandbox.run(spec(['/usr/bin/yes'], { signal: abortAfter(1_000), outputMaxBytes: 4096 }));
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stdout.startsWith('y\n'.repeat(2048))).toBe(true);
    expect(result.stdout).toMatch(/\n\[truncated: \d+ more bytes\]$/);
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

  it('says clearly when the program cannot be started', async () => {
    await expect(sandbox.run(spec(['/no/such/program']))).rejects.toMatchObject({
      name: 'SandboxStartError',
      code: 'ENOENT',
    });
    await expect(sandbox.run(spec(['no-such-program-anywhere']))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(sandbox.run(spec(['/etc/passwd']))).rejects.toMatchObject({ code: 'EACCES' });
    await expect(sandbox.run(spec(['/bin/echo', 'a\0b']))).rejects.toMatchObject({ code: 'EINVAL' });
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
    const lag = Date.now() - lagStart - 50;
    const results = await Promise.all(runs);
    // Starting runs is asynchronous: the event loop stays free (a generous bound for a busy machine).
    expect(lag).toBeLessThan(500);
    expect(results.map((result) => result.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n']);
  });
});

describe('ProcessSandbox where it cannot be built', () => {
  it('is unavailable, saying why and what to change, when the server is not root', async () => {
    const getuid = jest.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      const sandbox = sandboxForTests(sandboxConfig({ uidRange: RANGE }));
      expect(await sandbox.unavailableReason()).toMatch(/runs as uid 1000.*needs root.*start Cronwarden as root/);
      await expect(sandbox.run(spec(['/bin/true']))).rejects.toMatchObject({ code: 'ESANDBOX' });
    } finally {
      getuid.mockRestore();
    }
  });

  it("checks the uid range against this user namespace's map", () => {
    expect(rangeMapped('0 0 4294967295', 1900000000, 1900065535)).toBe(true);
    expect(rangeMapped('0 100000 65536', 1900000000, 1900065535)).toBe(false);
    expect(rangeMapped('0 100000 65536', 60000, 65535)).toBe(true);
    expect(rangeMapped('0 100000 65536', 60000, 65536)).toBe(false);
  });
});
