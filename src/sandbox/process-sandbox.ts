import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { AppConfig } from '../config/app-config.js';
import { launchPlan, type LaunchPlan } from './command-line.js';
import { mountTable, RUN_PATHS } from './mount-table.js';
import { waitUntilGroupGone } from './process-group.js';
import type { RunCgroup } from './run-cgroup.js';
import { type SandboxEnvironment, SandboxHost, SandboxUnavailableError } from './sandbox-host.js';
import {
  GROUP_GONE_TIMEOUT_MS,
  KILL_AFTER_MS,
  SANDBOX_MAX_FILE_BYTES,
  SANDBOX_MAX_OPEN_FILES,
  SANDBOX_PATH,
} from './sandbox-limits.js';
import { type SandboxResult, type SandboxSpec, SandboxStartError } from './sandbox.types.js';
import { type SupervisedRun, supervise } from './supervise.js';

const PLAIN_NAME = /^(?!\.\.?$)[^/\0]+$/;
const POLL_MS = 10;

/**
 * unshare (util-linux 2.38) reports a PID 1 killed by SIGKILL this way instead of dying by it (it
 * cannot unblock SIGKILL to re-raise it): exit code 1 and this line on the launcher's own stderr.
 */
const PID1_KILLED = /^unshare: sigprocmask unblock failed/m;

/** `setpriv: failed to execute /x: No such file or directory` (exit code 126 or 127): the program never started. */
function execFailure(program: string, run: SupervisedRun): SandboxStartError | null {
  if (run.exitCode !== 126 && run.exitCode !== 127) return null;
  const line = run.stderr.text().split('\n')[0];
  if (!line.startsWith('setpriv: failed to execute ')) return null;
  const reason = line.slice(line.lastIndexOf(': ') + 2);
  if (/No such file/i.test(reason)) return new SandboxStartError(`${program} was not found`, 'ENOENT');
  if (/Permission denied/i.test(reason))
    return new SandboxStartError(`${program} may not be executed: ${reason}`, 'EACCES');
  if (/Resource temporarily unavailable/i.test(reason)) {
    return new SandboxStartError(`too many processes in the run: ${reason}`, 'EAGAIN');
  }
  return new SandboxStartError(`${program} could not be started: ${reason}`, 'EEXEC');
}

/** Writes the files given to a run into its own folder (its `/job`, read-only for the run). */
async function writeJobFiles(dir: string, files: Readonly<Record<string, string | Buffer>>): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) {
    if (!PLAIN_NAME.test(name)) {
      throw new SandboxStartError(`file name ${JSON.stringify(name)} is not a plain name`, 'EINVAL');
    }
    await writeFile(path.join(dir, name), content, { mode: 0o644, flag: 'wx' });
  }
}

/** The host pid of the run's PID 1 (its `NSpid` ends in 1), among the processes of its cgroup. */
async function pidOne(cgroup: RunCgroup): Promise<number | undefined> {
  const file = cgroup.procsFiles[0];
  const pids = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (/^NSpid:\s+\d+\s+1$/m.test(status)) return Number(pid);
  }
  return undefined;
}

/** Whether process `pid` catches or ignores SIGTERM (`SigCgt` or `SigIgn`, bit 14): outside a namespace it would survive it. */
async function handlesSigterm(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return ['SigCgt', 'SigIgn'].some((field) => {
    const mask = new RegExp(`^${field}:\\s+([0-9a-f]+)$`, 'm').exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
  });
}

/**
 * Runs a program the way ShellJob and ScriptJob need it run (DESIGN "How a job fires", point 5): each
 * run in namespaces of its own (PID, mount, IPC, UTS, and network unless SANDBOX_NETWORK=host), under a
 * uid of its own from SANDBOX_UID_RANGE, in a root made of the system's folders read-only, a `/dev`
 * with five devices, its own `/proc`, `/work` and `/tmp` on size-capped tmpfs and the given files at
 * `/job`; limits on the whole run (memory and pids cgroups where offered; rlimits); from an argv array
 * (never a shell), with only PATH/HOME/TMPDIR/LANG in its environment. When the run ends, is stopped
 * or times out, its PID 1 goes and the kernel ends every other process of it. Output is kept up to a
 * cap; a flood is read at a limited pace and dropped.
 */
@Injectable()
export class ProcessSandbox {
  private readonly logger = new Logger('Sandbox');
  private availability: Promise<string | null> | undefined;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly host: SandboxHost,
  ) {}

  /**
   * Null when runs can be sandboxed here (checked once, with a real test run), else why not and what
   * to change (the job-class registry says it once, for every class that needs the sandbox).
   */
  unavailableReason(): Promise<string | null> {
    this.availability ??= this.probe();
    return this.availability;
  }

  /**
   * Runs `spec.argv` to its end (or to the abort of `spec.signal`) and reports how it ended; rejects
   * with {@link SandboxStartError} when the program could not be started at all.
   */
  async run(spec: SandboxSpec): Promise<SandboxResult> {
    spec.signal.throwIfAborted();
    const argv = spec.argv;
    if (argv.length === 0 || argv[0] === '') throw new SandboxStartError('no program to run', 'EINVAL');
    if (argv.some((arg) => arg.includes('\0'))) {
      throw new SandboxStartError('arguments must not contain NUL characters', 'EINVAL');
    }
    let environment: SandboxEnvironment;
    try {
      environment = await this.host.environment();
    } catch (error) {
      if (error instanceof SandboxUnavailableError) throw new SandboxStartError(error.message, 'ESANDBOX');
      throw error;
    }
    const uid = await environment.uids.acquire();
    const name = `run-${uid}-${randomBytes(4).toString('hex')}`;
    const jobDir = spec.files ? path.join(environment.runsDir, name) : null;
    const fstab = path.join(environment.runsDir, `${name}.fstab`);
    let cgroup: RunCgroup | undefined;
    try {
      if (jobDir && spec.files) await writeJobFiles(jobDir, spec.files);
      const tmpfsMb = this.config.get('sandbox.tmpfsMb', { infer: true });
      const table = mountTable(environment.view, {
        root: environment.rootDir,
        devDir: environment.devDir,
        uid,
        tmpfsMb,
        jobDir,
      });
      await writeFile(fstab, table, { mode: 0o600 });
      const memoryMb = spec.memoryMb ?? this.config.get('sandbox.memoryMb', { infer: true });
      const maxProcesses = this.config.get('sandbox.maxProcesses', { infer: true });
      cgroup = await environment.cgroups.create(name, { memoryBytes: memoryMb * 1024 * 1024, maxProcesses });
      const plan = launchPlan({
        program: argv,
        tools: environment.tools,
        root: environment.rootDir,
        fstab,
        uid,
        network: spec.network ?? this.config.get('sandbox.network', { infer: true }),
        cgroupProcs: cgroup.procsFiles,
        limits: {
          dataBytes: memoryMb * 1024 * 1024,
          maxProcesses,
          openFiles: SANDBOX_MAX_OPEN_FILES,
          fileBytes: SANDBOX_MAX_FILE_BYTES,
        },
      });
      spec.signal.throwIfAborted();
      const group = cgroup;
      const finished = await supervise(plan, {
        env: { PATH: SANDBOX_PATH, HOME: RUN_PATHS.work, TMPDIR: RUN_PATHS.tmp, LANG: 'C.UTF-8' },
        signal: spec.signal,
        outputMaxBytes: spec.outputMaxBytes,
        channelMaxBytes: spec.channel?.maxBytes,
        onOutput: spec.onOutput,
        killAtOnce: async () => {
          // PID 1 of a namespace ignores a SIGTERM it has no handler for; outside one it would have died.
          const first = await pidOne(group);
          return first !== undefined && !(await handlesSigterm(first));
        },
        runGone: (launcher) => this.runGone(group, launcher),
        onStuckRun: (pid) =>
          this.logger.warn(`Processes of the run launched as ${pid} (${argv[0]}) outlived SIGKILL; leaving them`),
      });
      return await this.outcome(plan, finished, cgroup);
    } finally {
      await cgroup
        ?.remove()
        .catch((error: unknown) => this.logger.warn(`Could not remove the cgroup of ${name}: ${String(error)}`));
      await Promise.all([
        jobDir ? rm(jobDir, { recursive: true, force: true }) : undefined,
        rm(fstab, { force: true }),
      ]);
      await environment.uids.release(uid);
    }
  }

  private async outcome(plan: LaunchPlan, finished: SupervisedRun, cgroup: RunCgroup): Promise<SandboxResult> {
    const diagnostics = finished.diagnostics.text().trim();
    let { exitCode, signal } = finished;
    if (exitCode === 1 && PID1_KILLED.test(diagnostics)) {
      exitCode = null;
      signal = 'SIGKILL';
    } else if (diagnostics && !finished.aborted) {
      throw new SandboxStartError(`the sandbox could not be set up: ${diagnostics}`, 'ESANDBOX');
    }
    const failure = execFailure(plan.program, finished);
    if (failure) throw failure;
    return {
      exitCode,
      signal,
      stdout: finished.stdout.text(),
      stderr: finished.stderr.text(),
      stdoutTruncated: finished.stdout.truncated,
      stderrTruncated: finished.stderr.truncated,
      ...(finished.channel
        ? { channel: { bytes: finished.channel.bytes(), truncated: finished.channel.truncated } }
        : {}),
      aborted: finished.aborted,
      outOfMemory: (await cgroup.oomKills()) > 0,
      durationMs: finished.durationMs,
    };
  }

  /** No process of the run left: its cgroup is empty (or, without one, the launcher's group is gone). */
  private async runGone(cgroup: RunCgroup, launcher: number): Promise<boolean> {
    if (cgroup.procsFiles.length === 0) return waitUntilGroupGone(launcher, KILL_AFTER_MS + GROUP_GONE_TIMEOUT_MS);
    const deadline = Date.now() + GROUP_GONE_TIMEOUT_MS;
    while ((await cgroup.processCount()) > 0) {
      if (Date.now() > deadline) return false;
      await delay(POLL_MS);
    }
    return true;
  }

  private async probe(): Promise<string | null> {
    try {
      const result = await this.run({
        argv: ['/bin/sh', '-c', 'test "$(id -u)" != 0 && : > /dev/null && test -d /proc/self && test -w /work'],
        signal: AbortSignal.timeout(30_000),
        outputMaxBytes: 4096,
      });
      if (result.exitCode === 0) return null;
      return `a test run in the sandbox failed (exit code ${result.exitCode ?? result.signal}): ${result.stderr.trim() || 'no message'}`;
    } catch (error) {
      if (error instanceof SandboxStartError) return error.message;
      return `a test run in the sandbox failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
