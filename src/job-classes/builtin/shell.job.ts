import { constants } from 'node:os';
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
    'as an unprivileged user when the server runs as root, in a fresh temporary directory (its working directory, HOME and TMPDIR; removed afterwards), ' +
    `with only PATH=${SANDBOX_PATH}, HOME, TMPDIR and LANG=C.UTF-8 in its environment. ` +
    `Limits: SANDBOX_MEMORY_MB of memory (private writable memory, RLIMIT_DATA), files up to ${SANDBOX_MAX_FILE_BYTES / 1024 / 1024} MiB, ${SANDBOX_MAX_OPEN_FILES} open files, niceness ${SANDBOX_NICENESS}. ` +
    'Result {"returncode", "stdout", "stderr"}, each output cut at OUTPUT_MAX_BYTES; a non-zero exit code fails the run (killed by a signal: returncode is minus its number). ' +
    'The program gets a process group of its own: a stop or a timeout ends the whole group (SIGTERM, then SIGKILL after 2 s), and so does its exit for processes it leaves behind.',
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
  constructor(private readonly sandbox: ProcessSandbox) {}

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
        network: 'host',
      });
    } catch (error) {
      throw error instanceof SandboxStartError ? startError(executable, error) : error;
    }
    const output: ShellResult = { returncode: returncodeOf(result), stdout: result.stdout, stderr: result.stderr };
    if (context.signal.aborted) {
      throw new JobFailedError(`ShellJob was stopped: ${reasonText(context.signal.reason)}`, output);
    }
    if (result.signal) throw new JobFailedError(`ShellJob was killed by ${result.signal}`, output);
    if (output.returncode !== 0) throw new JobFailedError(`ShellJob exited with code ${output.returncode}`, output);
    return output;
  }
}
