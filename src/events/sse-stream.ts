import type { ServerResponse } from 'node:http';

/** How long a client that fell behind gets to catch up before it is disconnected. */
export const SLOW_CLIENT_GRACE_MS = 5_000;

/**
 * One open `text/event-stream` response. Writes never queue without bound: once the client has
 * left more than `maxUnsentBytes` unread, nothing more is written to it (events are skipped); when
 * it has read its backlog, `onCaughtUp` tells it what it missed (a `resync`); when it has not within
 * {@link SLOW_CLIENT_GRACE_MS}, the stream is closed (it reconnects).
 */
export class SseStream {
  private closed = false;
  private lagging = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly maxUnsentBytes: number,
    private readonly onCaughtUp: (stream: SseStream) => void,
  ) {
    response.on('close', () => this.markClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the client is behind by more than the bound (writes are skipped). */
  get isLagging(): boolean {
    return this.lagging;
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** An event: `data` is sent as one line of JSON. */
  send(event: string, data: unknown, id?: string): void {
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    this.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line (`: ping`), which clients ignore and proxies see as traffic. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Ends the response (the client sees the stream end). */
  close(): void {
    if (this.closed) return;
    this.response.end();
    this.markClosed();
  }

  private write(text: string): void {
    if (this.closed || this.lagging) return;
    this.response.write(text);
    if (this.response.writableLength <= this.maxUnsentBytes) return;
    // Behind: hold nothing more for it; it catches up (and is told to resync) or is dropped.
    this.lagging = true;
    this.response.once('drain', () => {
      if (this.closed) return;
      clearTimeout(this.lagTimer);
      this.lagging = false;
      this.onCaughtUp(this);
    });
    this.lagTimer = setTimeout(() => {
      if (!this.lagging) return;
      this.response.destroy();
      this.markClosed();
    }, SLOW_CLIENT_GRACE_MS);
    this.lagTimer.unref();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.lagTimer);
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}
