import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { launchPlan, type LaunchPlan } from './command-line.js';
import { resolveExecutable } from './resolve-executable.js';
import { SandboxHost } from './sandbox-host.js';
import { SANDBOX_PATH } from './sandbox-limits.js';
import { type SandboxResult, type SandboxSpec, SandboxStartError } from './sandbox.types.js';
import { type SupervisedRun, supervise } from './supervise.js';
import { createWorkDir, removeWorkDir } from './work-dir.js';

/** `setpriv: failed to execute /x: Permission denied` (util-linux) or `nice: '/x': ...` (coreutils). */
function launcherFailure(plan: LaunchPlan, run: SupervisedRun): SandboxStartError | null {
  if (!plan.launcher || (run.exitCode !== 126 && run.exitCode !== 127)) return null;
  const line = run.stderr.text().split('\n')[0];
  if (!line.startsWith(`${plan.launcher}: `)) return null;
  const reason = line.slice(line.lastIndexOf(': ') + 2);
  const program = plan.program;
  if (/No such file/i.test(reason)) return new SandboxStartError(`${program} was not found`, 'ENOENT');
  if (/Permission denied/i.test(reason)) {
    return new SandboxStartError(`${program} may not be executed by the sandbox user: ${reason}`, 'EACCES');
  }
  if (/Resource temporarily unavailable/i.test(reason)) {
    return new SandboxStartError(`too many sandboxed processes are running: ${reason}`, 'EAGAIN');
  }
  return new SandboxStartError(`${program} could not be started: ${reason}`, 'EEXEC');
}

/**
 * Runs a program the way ShellJob and ScriptJob need it run (DESIGN "How a job fires", point 5): in
 * a process group of its own (stop and timeout end the whole group), from an argv array (never a
 * shell), with only PATH/HOME/TMPDIR/LANG in its environment (no server secret), in a fresh work dir
 * removed afterwards, under rlimits, at a lower priority, as the unprivileged SANDBOX_USER when the
 * server runs as root, and optionally without network. Output is kept up to a cap; a flood is read
 * at a limited pace and dropped.
 */
@Injectable()
export class ProcessSandbox {
  private readonly logger = new Logger(ProcessSandbox.name);

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly host: SandboxHost,
  ) {}

  /**
   * Runs `spec.argv` to its end (or to the abort of `spec.signal`) and reports how it ended; rejects
   * with {@link SandboxStartError} when the program could not be started at all.
   */
  async run(spec: SandboxSpec): Promise<SandboxResult> {
    spec.signal.throwIfAborted();
    const caps = await this.host.capabilities();
    const network = spec.network === 'none' ? await this.host.networkCutter() : null;
    const memoryMb = spec.memoryMb ?? this.config.get('sandbox.memoryMb', { infer: true });
    const workDir = await createWorkDir(spec.files ?? {}, caps);
    try {
      const argv = typeof spec.argv === 'function' ? spec.argv(workDir) : spec.argv;
      if (argv.length === 0 || argv[0] === '') throw new SandboxStartError('no program to run', 'EINVAL');
      if (argv.some((arg) => arg.includes('\0'))) {
        throw new SandboxStartError('arguments must not contain NUL characters', 'EINVAL');
      }
      const program = await resolveExecutable(argv[0], workDir);
      const plan = launchPlan([program, ...argv.slice(1)], caps, network, memoryMb);
      spec.signal.throwIfAborted();
      const finished = await supervise(plan, {
        cwd: workDir,
        env: { PATH: SANDBOX_PATH, HOME: workDir, TMPDIR: workDir, LANG: 'C.UTF-8' },
        signal: spec.signal,
        outputMaxBytes: spec.outputMaxBytes,
        channelMaxBytes: spec.channel?.maxBytes,
        onStuckGroup: (pgid) =>
          this.logger.warn(`Process group ${pgid} (${argv[0]}) is still there after SIGKILL; leaving it`),
      });
      const failure = launcherFailure(plan, finished);
      if (failure) throw failure;
      return {
        exitCode: finished.exitCode,
        signal: finished.signal,
        stdout: finished.stdout.text(),
        stderr: finished.stderr.text(),
        stdoutTruncated: finished.stdout.truncated,
        stderrTruncated: finished.stderr.truncated,
        ...(finished.channel
          ? { channel: { bytes: finished.channel.bytes(), truncated: finished.channel.truncated } }
          : {}),
        aborted: finished.aborted,
        durationMs: finished.durationMs,
      };
    } finally {
      if (!(await removeWorkDir(workDir, caps))) {
        this.logger.warn(`Could not remove the work dir ${workDir} of a sandboxed run`);
      }
    }
  }
}
