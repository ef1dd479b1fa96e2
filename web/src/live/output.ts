import type { EventSourceMessage } from 'eventsource-parser';
import type { Execution } from '../api/client';
import { parseLiveEvent } from './events';

/** What the browser keeps of each stream: the last 64 KiB, as the server's OUTPUT_MAX_BYTES default. */
export const LIVE_OUTPUT_MAX_CHARS = 64 * 1024;

export interface OutputTail {
  text: string;
  /** Earlier output was dropped to stay within the bound. */
  cut: boolean;
}

export const EMPTY_TAIL: OutputTail = { text: '', cut: false };

/**
 * The tail with `chunk` appended, bounded to `max` characters. When something is dropped the cut
 * starts at the next line when one begins soon after, so the block does not open mid-line.
 */
export function appendTail(tail: OutputTail, chunk: string, max = LIVE_OUTPUT_MAX_CHARS): OutputTail {
  const text = tail.text + chunk;
  if (text.length <= max) return { text, cut: tail.cut };
  let kept = text.slice(text.length - max);
  const newline = kept.indexOf('\n');
  if (newline >= 0 && newline < 1024 && newline < kept.length - 1) kept = kept.slice(newline + 1);
  return { text: kept, cut: true };
}

export type OutputEvent =
  { kind: 'output'; stream: 'stdout' | 'stderr'; data: string } | { kind: 'end'; execution: Execution | null };

/** One message of `GET /api/v1/executions/:id/output`; null for anything else. */
export function parseOutputEvent(message: EventSourceMessage): OutputEvent | null {
  if (message.event === 'end') {
    const asExecution = parseLiveEvent({ ...message, event: 'execution' });
    return { kind: 'end', execution: asExecution?.kind === 'execution' ? asExecution.execution : null };
  }
  if (message.event !== 'output') return null;
  try {
    const data: unknown = JSON.parse(message.data);
    if (
      typeof data === 'object' &&
      data !== null &&
      'stream' in data &&
      'data' in data &&
      (data.stream === 'stdout' || data.stream === 'stderr') &&
      typeof data.data === 'string'
    ) {
      return { kind: 'output', stream: data.stream, data: data.data };
    }
  } catch {
    // not JSON
  }
  return null;
}

/** Whether a scrolled box shows its end (then new output keeps it there). */
export function atBottom(box: { scrollTop: number; clientHeight: number; scrollHeight: number }, slack = 16): boolean {
  return box.scrollTop + box.clientHeight >= box.scrollHeight - slack;
}
