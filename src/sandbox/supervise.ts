import { type ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { CappedOutput } from './capped-output.js';
import type { LaunchPlan } from './command-line.js';
import { drainInto } from './output-drain.js';
import { GroupTerminator } from './process-group.js';
import { PIPE_DRAIN_MS, SANDBOX_NICENESS } from './sandbox-limits.js';
import { type OutputTap, SandboxStartError } from './sandbox.types.js';

export interface SuperviseOptions {
  env: Record<string, string>;
  signal: AbortSignal;
  outputMaxBytes: number;
  /** Opens fd 3 as a pipe, captured up to this many bytes. */
  channelMaxBytes?: number;
  /** Resolves once no process of the run is left (false: still some after the wait it allows). */
  runGone: (launcher: number) => Promise<boolean>;
  /** Asked right after the SIGTERM of a stop: true sends SIGKILL at once instead of after the grace. */
  killAtOnce?: () => Promise<boolean>;
  /** Told when processes of the run outlive SIGKILL (the run ends anyway). */
  onStuckRun: (pid: number) => void;
  /** Every chunk of stdout and stderr as it is read. */
  onOutput?: OutputTap;
}

export interface SupervisedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
  /** What the launcher itself said (a failed mount; unshare's note on how PID 1 ended). */
  diagnostics: CappedOutput;
  channel: CappedOutput | undefined;
  aborted: boolean;
  durationMs: number;
}

function spawnError(file: string, error: unknown): SandboxStartError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EEXEC';
  return new SandboxStartError(`${file} could not be started: ${(error as Error).message}`, code);
}

/** Waits for `promise`, or `ms` at most. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}

/** How much of the launcher's own messages is kept. */
const DIAGNOSTICS_MAX_BYTES = 8192;

/**
 * Runs `plan` as the leader of a new process group and resolves once the launcher exited and no
 * process of the run is left: a stop or timeout (`signal`) sends SIGTERM to the group (PID 1 of the
 * run gets it when it handles it, as PID 1 of a namespace does), then SIGKILL 2 s later, which ends
 * the launcher and with it the whole PID namespace. Output is read to the end, kept up to the cap.
 */
export function supervise(plan: LaunchPlan, options: SuperviseOptions): Promise<SupervisedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const stdout = new CappedOutput(options.outputMaxBytes);
    const stderr = new CappedOutput(options.outputMaxBytes);
    const diagnostics = new CappedOutput(DIAGNOSTICS_MAX_BYTES);
    const channel = options.channelMaxBytes === undefined ? undefined : new CappedOutput(options.channelMaxBytes);
    let child: ChildProcess;
    try {
      child = spawn(plan.file, plan.args, {
        detached: true,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe', channel ? 'pipe' : 'ignore', 'pipe'],
        cwd: '/',
        env: options.env,
      });
    } catch (error) {
      reject(spawnError(plan.file, error));
      return;
    }
    const pid = child.pid;
    const streams = child.stdio.filter((stream): stream is Readable => stream instanceof Readable);
    if (pid === undefined) {
      streams.forEach((stream) => stream.destroy());
      child.once('error', (error) => reject(spawnError(plan.file, error)));
      return;
    }
    // Inherited by everything the launcher starts; it forks PID 1 only after two more execs.
    try {
      setPriority(pid, SANDBOX_NICENESS);
    } catch {
      // The launcher is already gone: nothing to lower.
    }
    // After a successful spawn, 'error' only reports failed kill()s, which we do not use.
    child.on('error', () => undefined);
    const [, out, diag, fd3, err] = child.stdio;
    const tap = options.onOutput;
    if (out instanceof Readable) drainInto(out, stdout, tap && ((chunk) => tap('stdout', chunk)));
    if (diag instanceof Readable) drainInto(diag, diagnostics);
    if (channel && fd3 instanceof Readable) drainInto(fd3, channel);
    if (err instanceof Readable) drainInto(err, stderr, tap && ((chunk) => tap('stderr', chunk)));
    const closed = Promise.all(streams.map((stream) => new Promise((done) => stream.once('close', done))));

    const group = new GroupTerminator(pid);
    let exited = false;
    let aborted = false;
    const onAbort = (): void => {
      if (exited) return;
      aborted = true;
      group.terminate();
      void options
        .killAtOnce?.()
        .then((now) => (now && !exited ? group.kill() : undefined))
        .catch(() => undefined);
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });

    child.once('exit', (exitCode, signal) => {
      exited = true;
      void (async () => {
        // The launcher is gone; PID 1 (killed with it) takes every process of the run along.
        if (!(await options.runGone(pid))) options.onStuckRun(pid);
        group.cancel();
        options.signal.removeEventListener('abort', onAbort);
        await withinMs(closed, PIPE_DRAIN_MS);
        streams.forEach((stream) => stream.destroy());
        resolve({
          exitCode,
          signal,
          stdout,
          stderr,
          diagnostics,
          channel,
          aborted,
          durationMs: performance.now() - started,
        });
      })();
    });
  });
}
