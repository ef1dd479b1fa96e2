import { Inject } from '@nestjs/common';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import { RUN_PATHS } from '../../sandbox/mount-table.js';
import { ProcessSandbox } from '../../sandbox/process-sandbox.js';
import { PYTHON_INSTALL_HINT } from '../../sandbox/python-interpreter.js';
import { REPORT_TEXT_MAX, SCRIPT_FILES, SCRIPT_RUNNER_SOURCE } from '../../sandbox/script-runner.source.js';
import { NODE_DATA_SLACK_MB, SANDBOX_MAX_FILE_BYTES } from '../../sandbox/sandbox-limits.js';
import { type SandboxResult, SandboxStartError } from '../../sandbox/sandbox.types.js';
import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import type { JobClassHandler, JobClassMeta, JobRunContext } from '../job-class.types.js';
import { isUuid } from '../../common/uuid.js';
import { SCRIPT_SOURCE, type ScriptSource } from '../script-source.js';
import { PythonScriptRunner } from './python/python-script.runner.js';
import { scriptOutcome } from './script-outcome.js';

export const SCRIPT_JOB: JobClassMeta = {
  jobClassString: 'ScriptJob',
  name: 'Script',
  notes:
    'Runs an uploaded JavaScript module (/api/v1/scripts): calls its exported run(...args) with the further arguments and records the value it returns or resolves to, as JSON (undefined is null; past RESULT_MAX_BYTES it is cut). ' +
    `The script runs in a Node.js process in a sandbox of its own (as ShellJob's: own namespaces, own uid, no network unless SANDBOX_NETWORK=host, the system read-only, /work and /tmp writable and gone afterwards), with a heap of SANDBOX_MEMORY_MB (and ${NODE_DATA_SLACK_MB} MiB more for buffers and Node itself, for the whole run), ` +
    `reading its files from /job (read-only); the Node permission model also forbids child processes and workers. No server environment variable, files up to ${SANDBOX_MAX_FILE_BYTES / 1024 / 1024} MiB. Only node: modules can be imported. ` +
    'A throw, process.exit() before returning, running out of memory or a value that is not JSON fail the run with {"error", "stack", "stdout", "stderr"} (outputs cut at OUTPUT_MAX_BYTES). ' +
    'A stop or a timeout ends the run (SIGTERM, then SIGKILL after 2 s). ' +
    "A Python script (.py) defines a top-level def run(*args) or async def run(*args): python3 imports it by path (importlib) in the same sandbox, with only the interpreter's own folders shown read-only, calls run(*args) (awaiting a coroutine) and records json.dumps of the value (None is null); " +
    'print goes to stdout; a raised exception or a value that is not JSON fails the run with {"error", "traceback", "stdout", "stderr"}; memory is SANDBOX_MEMORY_MB for the whole run; only the standard library is promised. ' +
    `Python scripts need python3 (3.8 or newer) on the server when it starts: ${PYTHON_INSTALL_HINT}.`,
  arguments: [
    { type: 'string', description: 'script_id: the id (a UUID) of an uploaded script' },
    {
      type: 'any',
      description: 'args (optional, any number): JSON values passed to run(...args) as they are',
      optional: true,
      variadic: true,
    },
  ],
  exampleArguments: ['6f1c2b1e-8f43-4c1a-9a57-3f4f0c5d2e10', 1, 2],
  requiresPermission: 'code_execute',
};

/** Room for the report's envelope and a thrown error's message and stack, on top of the result. */
const REPORT_OVERHEAD_BYTES = 4 * REPORT_TEXT_MAX + 1024;

/**
 * `--permission` from Node 22.13 on, `--experimental-permission` before. A seat belt only: the OS
 * isolation (user, rlimits, work dir, namespaces) is what the sandbox stands on.
 */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission')
  ? '--permission'
  : '--experimental-permission';

/** Node.js as the run sees it: its installation is shown read-only at its real path. */
const NODE_PATH = realpathSync(process.execPath);

function nodeArgv(memoryMb: number): string[] {
  const { job, work, tmp } = RUN_PATHS;
  return [
    NODE_PATH,
    `--max-old-space-size=${memoryMb}`,
    '--disable-warning=ExperimentalWarning',
    PERMISSION_FLAG,
    `--allow-fs-read=${job}`,
    `--allow-fs-read=${work}`,
    `--allow-fs-read=${tmp}`,
    `--allow-fs-write=${work}`,
    `--allow-fs-write=${tmp}`,
    path.posix.join(job, SCRIPT_FILES.runner),
  ];
}

@JobClass(SCRIPT_JOB)
export class ScriptJob implements JobClassHandler {
  constructor(
    private readonly sandbox: ProcessSandbox,
    private readonly config: ConfigService<AppConfig, true>,
    @Inject(SCRIPT_SOURCE) private readonly scripts: ScriptSource,
    private readonly python: PythonScriptRunner,
  ) {}

  checkAvailable(): Promise<string | null> {
    return this.sandbox.unavailableReason();
  }

  checkArguments(args: readonly unknown[]): string | null {
    return typeof args[0] === 'string' && !isUuid(args[0]) ? `${argumentLabel(SCRIPT_JOB, 0)} must be a UUID` : null;
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<unknown> {
    const problem = argumentProblem(SCRIPT_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    context.signal.throwIfAborted();
    const [scriptId, ...scriptArgs] = args as [string, ...unknown[]];
    const script = await this.scripts.sourceFor(scriptId, context.ownerId);
    if (script === null) throw new Error(`ScriptJob could not find the script ${scriptId}`);
    if (script.language === 'python') return this.python.run(script.source, scriptArgs, context);
    const source = script.source;
    const memoryMb = this.config.get('sandbox.memoryMb', { infer: true });
    const resultMaxBytes = this.config.get('jobs.resultMaxBytes', { infer: true });
    let result: SandboxResult;
    try {
      result = await this.sandbox.run({
        argv: nodeArgv(memoryMb),
        signal: context.signal,
        outputMaxBytes: context.outputMaxBytes,
        onOutput: context.onOutput,
        memoryMb: memoryMb + NODE_DATA_SLACK_MB,
        files: {
          [SCRIPT_FILES.runner]: SCRIPT_RUNNER_SOURCE,
          [SCRIPT_FILES.script]: source,
          [SCRIPT_FILES.input]: JSON.stringify({ args: scriptArgs, resultMaxBytes }),
        },
        channel: { maxBytes: resultMaxBytes + REPORT_OVERHEAD_BYTES },
      });
    } catch (error) {
      if (error instanceof SandboxStartError)
        throw new Error(`ScriptJob could not start Node.js: ${error.message}`, { cause: error });
      throw error;
    }
    return scriptOutcome(result, memoryMb, context.signal.reason);
  }
}
