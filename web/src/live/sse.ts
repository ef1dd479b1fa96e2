import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A server answer other than 200 to an event-stream request. */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`event stream refused: ${status}`);
  }
}

export interface SseRequest {
  url: string;
  /** Sent as `Authorization: Bearer …` (a token never goes in the URL). */
  token: string | null;
  lastEventId?: string | null;
  signal: AbortSignal;
  /** Called on every event (`event`, `id`, `data`). */
  onEvent: (message: EventSourceMessage) => void;
  /** Called once the server has answered 200 and the stream is open. */
  onOpen?: () => void;
  /** Called on anything received, comments (heartbeats) included: for a watchdog. */
  onActivity?: () => void;
  fetch?: typeof fetch;
}

/** Largest event the parser buffers (an execution object with its result is well under this). */
const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Reads one Server-Sent-Events response with fetch (so the token travels in a header, which
 * EventSource cannot do). Resolves when the server ends the stream, rejects with `StreamRefused`
 * for a non-200 answer, and with the abort reason when `signal` aborts.
 */
export async function readEventStream(request: SseRequest): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (request.token) headers.Authorization = `Bearer ${request.token}`;
  if (request.lastEventId) headers['Last-Event-ID'] = request.lastEventId;
  const response = await (request.fetch ?? fetch)(request.url, {
    headers,
    signal: request.signal,
    cache: 'no-store',
  });
  if (response.status !== 200 || !response.body) {
    const body = await response.text().catch(() => '');
    throw new StreamRefused(response.status, body);
  }
  request.onOpen?.();
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent: request.onEvent,
    onComment: () => request.onActivity?.(),
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // Whatever the fetch implementation does with the signal once the body is streaming.
  const cancel = () => void reader.cancel().catch(() => undefined);
  request.signal.addEventListener('abort', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || request.signal.aborted) return;
      request.onActivity?.();
      parser.feed(value);
    }
  } finally {
    request.signal.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

/**
 * How long to wait before reconnecting after `attempt` failures in a row: 1 s, 2 s, 4 s … up to
 * 30 s, with ±20 % jitter so tabs that lost the server together do not return together. A 429
 * (too many streams) waits the longest.
 */
export function reconnectDelay(attempt: number, status?: number, random: () => number = Math.random): number {
  const cap = 30_000;
  const base = status === 429 ? cap : Math.min(cap, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}
