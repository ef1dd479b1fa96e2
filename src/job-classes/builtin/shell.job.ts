import { spawn } from 'node:child_process';
import { constants, tmpdir } from 'node:os';
import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import { type JobClassHandler, type JobClassMeta, JobFailedError, type JobRunContext } from '../job-class.types.js';
import { CappedOutput } from './capped-output.js';

export const SHELL_JOB: JobClassMeta = {
  jobClassString: 'ShellJob',
  name: 'Shell command',
  notes:
    'Runs a program directly, never through a shell (no interpolation, globbing, pipes or redirection), in the temporary directory with only PATH, HOME=/tmp and LANG=C.UTF-8 in its environment. ' +
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

const KILL_AFTER_MS = 2_000;

/** Sends `signal` to every process of the group; false when none is left. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the group, SIGKILL to whatever still lives 2 s later. */
function endGroup(pid: number): void {
  if (!signalGroup(pid, 'SIGTERM')) return;
  setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_AFTER_MS).unref();
}

function startError(executable: string, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`ShellJob could not find the executable ${executable}`);
  if (code === 'EACCES') return new Error(`ShellJob may not run ${executable}: permission denied`);
  return new Error(`ShellJob could not start ${executable}: ${error.message}`);
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

@JobClass(SHELL_JOB)
export class ShellJob implements JobClassHandler {
  checkArguments(args: readonly unknown[]): string | null {
    if (args[0] === '') return `${argumentLabel(SHELL_JOB, 0)} must not be empty`;
    // spawn() refuses NUL bytes with a synchronous throw; say which argument instead.
    const index = args.findIndex((arg) => typeof arg === 'string' && arg.includes('\0'));
    return index >= 0 ? `${argumentLabel(SHELL_JOB, index)} must not contain NUL characters` : null;
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<ShellResult> {
    const problem = argumentProblem(SHELL_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    context.signal.throwIfAborted();
    const [executable, ...rest] = args as string[];
    const result = await this.execute(executable, rest, context);
    if (context.signal.aborted) {
      throw new JobFailedError(`ShellJob was stopped: ${reasonText(context.signal.reason)}`, result.output);
    }
    if (result.signal) throw new JobFailedError(`ShellJob was killed by ${result.signal}`, result.output);
    if (result.output.returncode !== 0) {
      throw new JobFailedError(`ShellJob exited with code ${result.output.returncode}`, result.output);
    }
    return result.output;
  }

  private execute(
    executable: string,
    args: string[],
    context: JobRunContext,
  ): Promise<{ output: ShellResult; signal: NodeJS.Signals | null }> {
    return new Promise((resolve, reject) => {
      const stdout = new CappedOutput(context.outputMaxBytes);
      const stderr = new CappedOutput(context.outputMaxBytes);
      const child = spawn(executable, args, {
        detached: true,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: tmpdir(),
        // Nothing of the server's environment (secrets) reaches the program.
        env: { PATH: process.env.PATH, HOME: '/tmp', LANG: 'C.UTF-8' },
      });
      const pid = child.pid;
      let ending = false;
      const end = (): void => {
        if (ending || pid === undefined) return;
        ending = true;
        endGroup(pid);
      };
      let settled = false;
      const settle = (): void => {
        settled = true;
        context.signal.removeEventListener('abort', end);
      };
      context.signal.addEventListener('abort', end, { once: true });
      // Read to the end even past the limit: a child writing to a full pipe would block forever.
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.once('error', (error) => {
        if (settled) return;
        settle();
        reject(startError(executable, error));
      });
      child.once('exit', () => {
        // Processes it left behind in its group would hold the pipes open (and outlive the run).
        if (pid !== undefined && signalGroup(pid, 0)) end();
      });
      child.once('close', (code, signal) => {
        if (settled) return;
        settle();
        const returncode = code ?? -(signal ? constants.signals[signal] : 0);
        resolve({ output: { returncode, stdout: stdout.text(), stderr: stderr.text() }, signal });
      });
    });
  }
}
