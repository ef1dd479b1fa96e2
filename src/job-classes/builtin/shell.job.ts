import { ConfigService } from '@nestjs/config';
import { constants } from 'node:os';
import type { AppConfig } from '../../config/app-config.js';
import { ProcessSandbox } from '../../sandbox/process-sandbox.js';
import {
  SANDBOX_MAX_FILE_BYTES,
  SANDBOX_MAX_OPEN_FILES,
  SANDBOX_NICENESS,
  SANDBOX_PATH,
} from '../../sandbox/sandbox-limits.js';
import { type SandboxResult, SandboxStartError } from '../../sandbox/sandbox.types.js';
import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import { type JobClassHandler, type JobClassMeta, JobFailedError, type JobRunContext } from '../job-class.types.js';

export const SHELL_JOB: JobClassMeta = {
  jobClassString: 'ShellJob',
  name: 'Shell command',
  notes:
    'Runs a program directly, never through a shell (no interpolation, globbing, pipes or redirection), ' +
    'in a sandbox of its own: its own PID, mount, IPC and UTS namespaces and, unless SANDBOX_NETWORK=host, no network; a uid of its own (from SANDBOX_UID_RANGE); ' +
    'the system folders (/usr, /etc, ...) read-only, its own /proc and a /dev with null, zero, full, random and urandom; ' +
    `its working directory and HOME /work and its TMPDIR /tmp, each a tmpfs of SANDBOX_TMPFS_MB, gone when the run ends; only PATH=${SANDBOX_PATH}, HOME, TMPDIR and LANG=C.UTF-8 in its environment. ` +
    "The server's folder, DATA_DIR, home folders and other runs are not there. " +
    `Limits on the whole run: SANDBOX_MEMORY_MB of memory and SANDBOX_MAX_PROCESSES processes; per process: files up to ${SANDBOX_MAX_FILE_BYTES / 1024 / 1024} MiB, ${SANDBOX_MAX_OPEN_FILES} open files; niceness ${SANDBOX_NICENESS}. ` +
    'Result {"returncode", "stdout", "stderr"}, each output cut at OUTPUT_MAX_BYTES; a non-zero exit code fails the run (killed by a signal: returncode is minus its number). ' +
    'The program is PID 1 of its run: when it exits, is stopped or times out (SIGTERM, then SIGKILL after 2 s; at once if it has no SIGTERM handler), every process it started ends with it, setsid and double forks included.',
  arguments: [
    { type: 'string', description: 'executable: the program, an absolute path or a name looked up in PATH' },
    {
      type: 'string',
      description: 'args (optional, any number): passed to the program as they are',
      optional: true,
      variadic: true,
    },
  ],
  exampleArguments: ['/bin/echo', 'hello'],
  requiresPermission: 'code_execute',
};

export interface ShellResult {
  returncode: number;
  stdout: string;
  stderr: string;
}

function startError(executable: string, error: SandboxStartError): Error {
  if (error.code === 'ENOENT') return new Error(`ShellJob could not find the executable ${executable}`);
  if (error.code === 'EACCES') return new Error(`ShellJob may not run ${executable}: permission denied`);
  return new Error(`ShellJob could not start ${executable}: ${error.message}`);
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** Killed by a signal: minus its number, as Python's subprocess reports it. */
function returncodeOf(result: SandboxResult): number {
  return result.exitCode ?? -(result.signal ? constants.signals[result.signal] : 0);
}

@JobClass(SHELL_JOB)
export class ShellJob implements JobClassHandler {
  constructor(
    private readonly sandbox: ProcessSandbox,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private get memoryMb(): number {
    return this.config.get('sandbox.memoryMb', { infer: true });
  }

  checkAvailable(): Promise<string | null> {
    return this.sandbox.unavailableReason();
  }

  checkArguments(args: readonly unknown[]): string | null {
    if (args[0] === '') return `${argumentLabel(SHELL_JOB, 0)} must not be empty`;
    // execve() cannot pass NUL bytes; say which argument has one.
    const index = args.findIndex((arg) => typeof arg === 'string' && arg.includes('\0'));
    return index >= 0 ? `${argumentLabel(SHELL_JOB, index)} must not contain NUL characters` : null;
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<ShellResult> {
    const problem = argumentProblem(SHELL_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    context.signal.throwIfAborted();
    const [executable, ...rest] = args as string[];
    let result: SandboxResult;
    try {
      result = await this.sandbox.run({
        argv: [executable, ...rest],
        signal: context.signal,
        outputMaxBytes: context.outputMaxBytes,
        onOutput: context.onOutput,
      });
    } catch (error) {
      throw error instanceof SandboxStartError ? startError(executable, error) : error;
    }
    const output: ShellResult = { returncode: returncodeOf(result), stdout: result.stdout, stderr: result.stderr };
    if (context.signal.aborted) {
      throw new JobFailedError(`ShellJob was stopped: ${reasonText(context.signal.reason)}`, output);
    }
    if (result.outOfMemory) {
      throw new JobFailedError(
        `ShellJob ran out of memory: the run reached its limit of SANDBOX_MEMORY_MB (${this.memoryMb} MiB) and the kernel killed a process of it`,
        output,
      );
    }
    if (result.signal) throw new JobFailedError(`ShellJob was killed by ${result.signal}`, output);
    if (output.returncode !== 0) throw new JobFailedError(`ShellJob exited with code ${output.returncode}`, output);
    return output;
  }
}
