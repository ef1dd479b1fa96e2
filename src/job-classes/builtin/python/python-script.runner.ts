import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../../config/app-config.js';
import { RUN_PATHS } from '../../../sandbox/mount-table.js';
import { ProcessSandbox } from '../../../sandbox/process-sandbox.js';
import { PYTHON_INSTALL_HINT, PythonInterpreter } from '../../../sandbox/python-interpreter.js';
import { type SandboxResult, SandboxStartError } from '../../../sandbox/sandbox.types.js';
import { REPORT_TEXT_MAX } from '../../../sandbox/script-runner.source.js';
import type { JobRunContext } from '../../job-class.types.js';
import { pythonOutcome } from './python-outcome.js';

/** File names a Python run finds in `/job` (read-only). */
export const PYTHON_FILES = { runner: 'runner.py', script: 'script.py', input: 'args.json' } as const;

/** runner.py, shipped beside this file (the build copies it into dist, see nest-cli.json). */
export const PYTHON_RUNNER_SOURCE = readFileSync(path.join(import.meta.dirname, PYTHON_FILES.runner), 'utf8');

/** Room for the report's envelope and a raised exception's message and traceback, on top of the result. */
const REPORT_OVERHEAD_BYTES = 4 * REPORT_TEXT_MAX + 1024;

/**
 * The interpreter's command line: `-I` (isolated: no PYTHON* variables, no user site-packages, the
 * script's folder not on sys.path), `-B` (no .pyc files: /job is read-only), `-u` (unbuffered, so print
 * reaches the live output at once).
 */
export function pythonArgv(executable: string): string[] {
  return [executable, '-I', '-B', '-u', path.posix.join(RUN_PATHS.job, PYTHON_FILES.runner)];
}

/**
 * Runs an uploaded Python script for ScriptJob: python3 (the real binary found at start) in the same
 * per-execution sandbox as every code run, with the interpreter's folders shown read-only and nothing
 * else of the host; runner.py imports the script by path and calls run(*args).
 */
@Injectable()
export class PythonScriptRunner {
  constructor(
    private readonly sandbox: ProcessSandbox,
    private readonly python: PythonInterpreter,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async run(source: string, args: readonly unknown[], context: JobRunContext): Promise<unknown> {
    const found = await this.python.availability();
    if (!found.available) {
      throw new Error(
        `ScriptJob cannot run a Python script: Python is not available (${found.reason}); ${PYTHON_INSTALL_HINT}`,
      );
    }
    context.signal.throwIfAborted();
    const memoryMb = this.config.get('sandbox.memoryMb', { infer: true });
    const resultMaxBytes = this.config.get('jobs.resultMaxBytes', { infer: true });
    let result: SandboxResult;
    try {
      result = await this.sandbox.run({
        argv: pythonArgv(found.install.executable),
        signal: context.signal,
        outputMaxBytes: context.outputMaxBytes,
        onOutput: context.onOutput,
        memoryMb,
        files: {
          [PYTHON_FILES.runner]: PYTHON_RUNNER_SOURCE,
          [PYTHON_FILES.script]: source,
          [PYTHON_FILES.input]: JSON.stringify({ args, resultMaxBytes }),
        },
        channel: { maxBytes: resultMaxBytes + REPORT_OVERHEAD_BYTES },
      });
    } catch (error) {
      if (error instanceof SandboxStartError) {
        throw new Error(`ScriptJob could not start Python: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return pythonOutcome(result, memoryMb, context.signal.reason);
  }
}
