import path from 'node:path';
import { JobFailedError } from '../job-classes/job-class.types.js';

/** How a run ended, as it is written to the execution row. */
export interface ExecutionOutcome {
  state: 'succeeded' | 'failed' | 'timeout' | 'stopped';
  result: string | null;
  description: string;
}

/**
 * JSON text of `value`, at most `maxBytes` long. A longer one is replaced by a JSON object that says
 * so and keeps the start (`{"truncated": true, "bytes": N, "head": "..."}`), so `result` always parses.
 */
export function resultText(value: unknown, maxBytes: number): string | null {
  if (value === undefined) return null;
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxBytes) return json;
  let head = Buffer.from(json, 'utf8')
    .subarray(0, Math.max(0, maxBytes - 128))
    .toString('utf8');
  head = head.replace(/\uFFFD$/, '');
  return JSON.stringify({ truncated: true, bytes, head });
}

export function succeeded(value: unknown, maxBytes: number): ExecutionOutcome {
  try {
    return { state: 'succeeded', result: resultText(value, maxBytes), description: '' };
  } catch (error) {
    return {
      state: 'failed',
      result: resultText({ error: `the return value is not JSON-serialisable: ${(error as Error).message}` }, maxBytes),
      description: `The return value is not JSON-serialisable: ${(error as Error).message}`,
    };
  }
}

/** The folder Cronwarden is installed in (this file is `<root>/src/executions` or `<root>/dist/src/executions`). */
function appRootOf(dirname: string): string {
  const up = path.resolve(dirname, '..', '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

const APP_ROOT = appRootOf(import.meta.dirname);

/** `text` with the server's install folder (its code, node_modules, data below it) replaced by `<app>`. */
export function withoutServerPaths(text: string, root = APP_ROOT): string {
  return root.length > 1 ? text.split(root).join('<app>') : text;
}

/**
 * A failed run. A JobFailedError carries the result to keep (a ShellJob's output, a CurlJob's
 * response, a script's own error and stack from its sandbox). Any other error was raised in the
 * server (a built-in class's own check, a start failure, a timeout): only its message is kept, with
 * the server's paths taken out, never its stack, which would show the server's files to the job's
 * owner (the runner logs it at debug level instead).
 */
export function failed(error: unknown, maxBytes: number): ExecutionOutcome {
  if (error instanceof JobFailedError) {
    return { state: 'failed', result: safeResult(error.result, maxBytes), description: error.message };
  }
  const message = withoutServerPaths(error instanceof Error ? error.message : String(error));
  return { state: 'failed', result: resultText({ error: message }, maxBytes), description: message };
}

function safeResult(value: unknown, maxBytes: number): string | null {
  try {
    return resultText(value, maxBytes);
  } catch {
    return null;
  }
}
