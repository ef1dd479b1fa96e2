import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { CappedOutput } from './capped-output.js';
import type { LaunchPlan } from './command-line.js';
import { drainInto } from './output-drain.js';
import { groupAlive, GroupTerminator, waitUntilGroupGone } from './process-group.js';
import { PIPE_DRAIN_MS } from './sandbox-limits.js';
import { SandboxStartError } from './sandbox.types.js';

export interface SuperviseOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  outputMaxBytes: number;
  /** Opens fd 3 as a pipe, captured up to this many bytes. */
  channelMaxBytes?: number;
  /** Told when a group outlives SIGKILL (the run ends anyway). */
  onStuckGroup: (pgid: number) => void;
}

export interface SupervisedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
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

/**
 * Runs `plan` as the leader of a new process group and resolves once the program exited AND its group
 * is gone: a stop or timeout (`signal`) sends SIGTERM to the group, then SIGKILL 2 s later; so does the
 * program's own exit for whatever it left behind. Output is read to the end, kept up to the cap.
 */
export function supervise(plan: LaunchPlan, options: SuperviseOptions): Promise<SupervisedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const stdout = new CappedOutput(options.outputMaxBytes);
    const stderr = new CappedOutput(options.outputMaxBytes);
    const channel = options.channelMaxBytes === undefined ? undefined : new CappedOutput(options.channelMaxBytes);
    let child: ChildProcess;
    try {
      child = spawn(plan.file, plan.args, {
        detached: true,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe', channel ? 'pipe' : 'ignore'],
        cwd: options.cwd,
        env: options.env,
        uid: plan.uid,
        gid: plan.gid,
      });
    } catch (error) {
      reject(spawnError(plan.file, error));
      return;
    }
    const pid = child.pid;
    const streams = [child.stdout, child.stderr, child.stdio[3]].filter(
      (stream): stream is Readable => stream instanceof Readable,
    );
    if (pid === undefined) {
      streams.forEach((stream) => stream.destroy());
      child.once('error', (error) => reject(spawnError(plan.file, error)));
      return;
    }
    // After a successful spawn, 'error' only reports failed kill()s, which we do not use.
    child.on('error', () => undefined);
    const [out, err, fd3] = [child.stdout, child.stderr, child.stdio[3]];
    if (out) drainInto(out, stdout);
    if (err) drainInto(err, stderr);
    if (channel && fd3 instanceof Readable) drainInto(fd3, channel);
    const closed = Promise.all(streams.map((stream) => new Promise((done) => stream.once('close', done))));

    const group = new GroupTerminator(pid);
    let exited = false;
    let aborted = false;
    const onAbort = (): void => {
      if (exited) return;
      aborted = true;
      group.terminate();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });

    child.once('exit', (exitCode, signal) => {
      exited = true;
      void (async () => {
        // What the program left behind in its group would outlive the run (and hold the pipes open).
        if (await groupAlive(pid)) group.terminate();
        if (!(await waitUntilGroupGone(pid))) options.onStuckGroup(pid);
        group.cancel();
        options.signal.removeEventListener('abort', onAbort);
        // Output still in the pipes arrives at once; a process that left the group could hold them forever.
        await withinMs(closed, PIPE_DRAIN_MS);
        streams.forEach((stream) => stream.destroy());
        resolve({
          exitCode,
          signal,
          stdout,
          stderr,
          channel,
          aborted,
          durationMs: performance.now() - started,
        });
      })();
    });
  });
}
