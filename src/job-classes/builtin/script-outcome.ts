import type { RunnerReport, ReportedError } from '../../sandbox/script-runner.source.js';
import { SANDBOX_MAX_FILE_BYTES } from '../../sandbox/sandbox-limits.js';
import type { SandboxResult } from '../../sandbox/sandbox.types.js';
import { JobFailedError } from '../job-class.types.js';

/** The result of a failed script run: what went wrong, and its (cut) output to debug with. */
export interface ScriptFailure {
  error: string;
  stack?: string;
  stdout: string;
  stderr: string;
}

/** What V8 and Node print, or throw, when memory runs out (heap limit, data limit). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Fatal process out of memory|Reached heap limit|allocation failed/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reportedError(value: unknown): ReportedError | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.message !== 'string') return undefined;
  return {
    name: value.name,
    message: value.message,
    ...(typeof value.stack === 'string' ? { stack: value.stack } : {}),
  };
}

/** The runner's report on fd 3: null when there is none, 'garbled' when it is not one. */
export function parseReport(channel: SandboxResult['channel']): RunnerReport | null | 'garbled' {
  if (!channel || channel.bytes.length === 0) return null;
  if (channel.truncated) return 'garbled';
  let value: unknown;
  try {
    value = JSON.parse(channel.bytes.toString('utf8'));
  } catch {
    return 'garbled';
  }
  if (!isRecord(value)) return 'garbled';
  const error = reportedError(value.error);
  switch (value.kind) {
    case 'returned':
      return { kind: 'returned', value: 'value' in value ? value.value : undefined };
    case 'threw':
      return error ? { kind: 'threw', error, uncaught: value.uncaught === true } : 'garbled';
    case 'not-loaded':
      return error ? { kind: 'not-loaded', error } : 'garbled';
    case 'unserialisable':
      return typeof value.message === 'string' ? { kind: 'unserialisable', message: value.message } : 'garbled';
    case 'no-run':
      return { kind: 'no-run' };
    default:
      return 'garbled';
  }
}

function errorLine(error: ReportedError): string {
  return error.message ? `${error.name}: ${error.message}` : error.name;
}

/**
 * The execution's result for a finished script run, or the JobFailedError saying why there is none
 * (with stdout and stderr, cut, in its result). `memoryMb` and `stopReason` only serve the messages.
 */
export function scriptOutcome(result: SandboxResult, memoryMb: number, stopReason: unknown): unknown {
  const output = { stdout: result.stdout, stderr: result.stderr };
  const fail = (message: string, error: string, stack?: string): never => {
    const failure: ScriptFailure = { error, ...(stack === undefined ? {} : { stack }), ...output };
    throw new JobFailedError(message, failure);
  };
  const outOfMemory = `The script ran out of memory (SANDBOX_MEMORY_MB is ${memoryMb} MiB)`;
  if (result.aborted) {
    const reason = stopReason instanceof Error ? stopReason.message : String(stopReason);
    return fail(`ScriptJob was stopped: ${reason}`, `stopped: ${reason}`);
  }
  const report = parseReport(result.channel);
  if (report === 'garbled') {
    return fail('The script wrote something else than its result to file descriptor 3', 'unreadable result');
  }
  if (report) {
    switch (report.kind) {
      case 'returned':
        return report.value;
      case 'threw': {
        const line = errorLine(report.error);
        if (OUT_OF_MEMORY.test(report.error.message)) return fail(`${outOfMemory}: ${line}`, line, report.error.stack);
        const how = report.uncaught ? 'threw (uncaught, outside run)' : 'threw';
        return fail(`The script ${how}: ${line}`, line, report.error.stack);
      }
      case 'not-loaded': {
        const line = errorLine(report.error);
        return fail(`The script could not be loaded: ${line}`, line, report.error.stack);
      }
      case 'unserialisable':
        return fail(
          `The script's return value is not JSON-serialisable: ${report.message}`,
          `not JSON-serialisable: ${report.message}`,
        );
      case 'no-run':
        return fail('The script exports no function named run', 'no run export');
    }
  }
  // No report: the process ended before run() settled.
  if (
    result.outOfMemory ||
    OUT_OF_MEMORY.test(result.stderr) ||
    (result.signal === 'SIGABRT' && result.stderrTruncated)
  ) {
    return fail(outOfMemory, 'out of memory');
  }
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
