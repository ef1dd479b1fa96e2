import { SANDBOX_MAX_FILE_BYTES } from '../../../sandbox/sandbox-limits.js';
import type { SandboxResult } from '../../../sandbox/sandbox.types.js';
import type { ReportedError } from '../../../sandbox/script-runner.source.js';
import { JobFailedError } from '../../job-class.types.js';
import { parseReport } from '../script-outcome.js';

/** The result of a failed Python run: what went wrong, the Python traceback when there is one, and the (cut) output. */
export interface PythonFailure {
  error: string;
  traceback?: string;
  stdout: string;
  stderr: string;
}

/** What CPython says when an allocation fails (the data rlimit or the memory cgroup). */
const OUT_OF_MEMORY = /^MemoryError\b|\nMemoryError\b|Cannot allocate memory|out of memory/;

function errorLine(error: ReportedError): string {
  return error.message ? `${error.name}: ${error.message}` : error.name;
}

/**
 * The execution's result for a finished Python run (runner.py's report on fd 3), or the JobFailedError
 * saying why there is none, with `{error, traceback?, stdout, stderr}` as its result. `memoryMb` and
 * `stopReason` only serve the messages.
 */
export function pythonOutcome(result: SandboxResult, memoryMb: number, stopReason: unknown): unknown {
  const output = { stdout: result.stdout, stderr: result.stderr };
  const fail = (message: string, error: string, traceback?: string): never => {
    const failure: PythonFailure = { error, ...(traceback === undefined ? {} : { traceback }), ...output };
    throw new JobFailedError(message, failure);
  };
  const outOfMemory = `The script ran out of memory (SANDBOX_MEMORY_MB is ${memoryMb} MiB)`;
  if (result.aborted) {
    const reason = stopReason instanceof Error ? stopReason.message : String(stopReason);
    return fail(`ScriptJob was stopped: ${reason}`, `stopped: ${reason}`);
  }
  const report = parseReport(result.channel);
  if (report === 'garbled') {
    return fail('The script wrote something else than its result to the report pipe', 'unreadable result');
  }
  if (report) {
    switch (report.kind) {
      case 'returned':
        return report.value;
      case 'threw': {
        const line = errorLine(report.error);
        if (report.error.name === 'MemoryError') return fail(`${outOfMemory}: ${line}`, line, report.error.stack);
        return fail(`The script raised ${line}`, line, report.error.stack);
      }
      case 'not-loaded': {
        const line = errorLine(report.error);
        return fail(`The script could not be imported: ${line}`, line, report.error.stack);
      }
      case 'unserialisable':
        return fail(
          `The script's return value is not JSON-serialisable (json.dumps): ${report.message}`,
          `not JSON-serialisable: ${report.message}`,
        );
      case 'no-run':
        return fail('The script defines no function named run', 'no run function');
    }
  }
  // No report: the interpreter ended before run() returned.
  if (result.outOfMemory || OUT_OF_MEMORY.test(result.stderr)) return fail(outOfMemory, 'out of memory');
  if (result.signal === 'SIGXFSZ') {
    return fail(
      `The script wrote a file larger than ${SANDBOX_MAX_FILE_BYTES / 1024 / 1024} MiB (killed by SIGXFSZ)`,
      'file too large',
    );
  }
  if (result.signal) return fail(`The script was killed by ${result.signal}`, `killed by ${result.signal}`);
  return fail(
    `The script exited with code ${result.exitCode ?? 'unknown'} before returning`,
    `exited with code ${result.exitCode ?? 'unknown'}`,
  );
}
