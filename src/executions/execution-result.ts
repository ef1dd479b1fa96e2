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

export function failed(error: unknown, maxBytes: number): ExecutionOutcome {
  if (error instanceof JobFailedError) {
    return { state: 'failed', result: safeResult(error.result, maxBytes), description: error.message };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    state: 'failed',
    result: resultText({ error: err.message, stack: err.stack ?? null }, maxBytes),
    description: err.message,
  };
}

function safeResult(value: unknown, maxBytes: number): string | null {
  try {
    return resultText(value, maxBytes);
  } catch {
    return null;
  }
}
